"""The payment-order events of ``pac.payment-orders.v1`` (docs/events.md s8.3).

Queued in the outbox of the approval's batch, keyed by commune code, with the envelope
of the input events. Their ``event_id`` is a UUID derived from
``{order_id}:{kind}:{approval number}``, so a re-run publishes the same ids and
consumers deduplicate. Amounts are decimal strings.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from pac_grants import money
from pac_grants.ledger import OrderRow
from streams.context import BatchContext

#: The namespace of the order events' ids (a fixed UUID: ids must not change between runs).
NAMESPACE = uuid.UUID("6f1d2a8e-3c5b-4e7a-9b0d-2f4c6e8a1b3d")
SOURCE = "pac-grants"


def issued(ctx: BatchContext, order: OrderRow) -> None:
    _publish(ctx, order, "PaymentOrderIssued", "issued", order.approval, {
        "tranche": order.tranche, "amount_mad": money.text(order.amount),
        "gross_mad": money.text(order.gross), "offset_mad": money.text(order.offset),
        "due_on": order.due_on.isoformat()})


def cancelled(ctx: BatchContext, order: OrderRow, amount: int, on: date,
              approval: int) -> None:
    """``amount`` cancelled now; ``remaining_mad`` what stays to pay on the order."""
    _publish(ctx, order, "PaymentOrderCancelled", "cancelled", approval, {
        "tranche": order.tranche, "amount_mad": money.text(amount),
        "remaining_mad": money.text(order.unpaid - amount), "cancelled_on": on.isoformat()})


def _publish(ctx: BatchContext, order: OrderRow, event_type: str, kind: str, approval: int,
             fields: dict[str, Any]) -> None:
    event = {
        "event_id": str(uuid.uuid5(NAMESPACE, f"{order.order_id}:{kind}:{approval}")),
        "event_type": event_type, "schema_version": 1,
        "occurred_at": ctx.received_at.isoformat().replace("+00:00", "Z"), "source": SOURCE,
        "order_id": order.order_id, "cycle": order.cycle, "commune_code": order.commune_code,
        **fields}
    value = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ctx.uow.outbox.enqueue(ctx.topic("payment-orders"), order.commune_code.encode("utf-8"),
                           value)
