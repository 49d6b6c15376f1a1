"""The complaints register route (issue 10): ``GET /api/v1/complaints[?cycle=N]``.

The same model as ``pac-grants ledger complaints --format json``
(:class:`models.responses.ComplaintRegister`), read in one read-only transaction. A
cycle the pipeline never opened is 404, as it is exit 2 on the command line.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from models.responses import ComplaintRegister
from pac_grants.api.routes import Db

router = APIRouter(prefix="/api/v1", tags=["complaints"])


@router.get("/complaints", response_model=ComplaintRegister,
            summary="Complaints register (docs/ledger.md)")
def complaints(
    db: Db,
    cycle: Annotated[int | None, Query(ge=1900, le=2200, description="Only this cycle.")] = None,
) -> ComplaintRegister:
    """Each complaint with its status and days to decide; per cycle lodged, decided,
    upheld, rejected, open, late (dead letters ``complaint_late``), median and max days
    to decide, and counts per subject."""
    with db.reader() as reader:
        return reader.complaints.register(cycle)
