"""The words of the published contract: what each event and each field means.

The models say what a value may be; this table says what it is for, in the words of
docs/events.md, so that the generated schemas (docs/schemas/, ``pac-grants schema``)
carry them. A field is looked up as ``Event.field`` first, then ``field`` (one name,
one meaning across events). tests/unit/test_contract.py fails for an input event or a
field that has no entry, naming it.
"""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "CommuneRegistered": "A commune's reference data; upsert by code, the latest one counts. "
                         "Topic communes (compacted), key: the commune code.",
    "CycleOpened": "Opens a cycle with the pool of each window of its ruleset. Topic cycles, "
                   "key: the cycle.",
    "PoolAdjusted": "A window's pool changes; the new total. Topic cycles, key: the cycle.",
    "ResultsNotified": "The results of a cycle are notified to the communes; complaints are "
                       "taken until the deadline. Topic cycles, key: the cycle.",
    "CycleClosed": "The approval: the allocation becomes final and is posted to the ledger. "
                   "Topic cycles, key: the cycle.",
    "CycleReopened": "A recorded decision reopens an approved cycle. Topic cycles, key: the "
                     "cycle.",
    "AssessmentSubmitted": "One revision of a commune's assessment for a cycle; the highest "
                           "revision counts. Topic assessments, key: the commune code.",
    "ComplaintLodged": "A commune contests its notified results. Topic complaints, key: the "
                       "commune code.",
    "ComplaintDecided": "The decision on a complaint. Topic complaints, key: the commune code.",
    "DisbursementExecuted": "The treasury paid part of a commune's grant. Topic "
                            "disbursements, key: the commune code.",
    "RecoveryReceived": "A commune paid back money it owed. Topic disbursements, key: the "
                        "commune code.",
}

FIELDS: dict[str, str] = {
    # the envelope
    "event_id": "A UUID, unique per event. The same event_id again is a redelivery: no "
                "second effect, whatever the content.",
    "event_type": "The event's type; it must be accepted on the topic.",
    "schema_version": "The version of this event's schema: 1.",
    "occurred_at": "When the event happened at its source: RFC 3339 with a time zone.",
    "source": "The system that published the event.",
    # reference data
    "code": "The commune's code (HCP), e.g. 09.001.01.01.",
    "name_fr": "The commune's name in French.",
    "name_ar": "The commune's name in Arabic.",
    "region": "The commune's region.",
    "province": "The commune's province or prefecture.",
    "population": "Census populations by census year; the ruleset says which one counts.",
    "participating": "Whether the commune takes part in the program; false: not eligible.",
    # cycles
    "cycle": "The assessment year N of the cycle.",
    "ruleset_id": "The id of the cycle's ruleset, e.g. papc-2021; it must be the packaged "
                  "ruleset of that cycle.",
    "pools": "The pool of each window of the ruleset, in whole MAD (or, with financiers, "
             "an object {total, financiers}).",
    "window": "A window id of the cycle's ruleset.",
    "pool_mad": "The window's new pool, in whole MAD (the total, not the difference).",
    "notified_on": "The date the results were notified (YYYY-MM-DD).",
    "complaint_deadline": "The last day to lodge a complaint (YYYY-MM-DD), on or after "
                          "notified_on.",
    "closed_on": "The date of the approval decision (YYYY-MM-DD); absent: the date of "
                 "occurred_at.",
    "decision_ref": "The reference of the decision, e.g. an order's number.",
    "approved_by": "Who approved, e.g. the steering committee.",
    "inputs_digest": "The inputs digest of the results being approved; if present and "
                     "different from the current inputs, the closing is refused "
                     "(inputs_changed).",
    "reopened_on": "The date of the decision that reopens the cycle (YYYY-MM-DD).",
    "reason": "Why the cycle is reopened, e.g. the late appeal it answers.",
    # assessments
    "assessment_id": "The assessment's id in the assessment system.",
    "commune_code": "The commune's code (HCP).",
    "AssessmentSubmitted.revision": "The revision number, from 1; the highest counts.",
    "assessed_on": "The date of the assessment (YYYY-MM-DD).",
    "assessor": "Who assessed.",
    "investment_budget_mad": "The commune's investment budget in MAD; required when the "
                             "window caps grants by a share of it.",
    "conditions": "Every minimum condition of the ruleset: true or false.",
    "indicators": "Every indicator of the commune's window: a boolean, a whole number of "
                  "points, or a number (or decimal string) inside the indicator's range, "
                  "by its scoring kind.",
    # complaints
    "complaint_id": "The complaint's id in the complaints register.",
    "lodged_on": "The date the complaint was lodged (YYYY-MM-DD), at the latest the "
                 "complaint deadline.",
    "subjects": "What is contested: condition or indicator ids of the commune's window, or "
                "population, investment_budget_mad, participating, eligibility.",
    "summary": "The complaint in a sentence.",
    "decided_on": "The date of the decision (YYYY-MM-DD).",
    "outcome": "upheld or rejected.",
    "ComplaintDecided.revision": "For an upheld complaint: the assessment revision that "
                                 "carries the correction.",
    # treasury
    "payment_ref": "The treasury's payment reference; the same one again has no second "
                   "effect.",
    "amount_mad": "The amount in MAD: a decimal string > 0 with at most 2 decimals, e.g. "
                  "\"4500000.00\".",
    "paid_on": "The date of the payment (YYYY-MM-DD).",
    "order_id": "The payment order it settles, e.g. 2021-09.001.01.01-T1; absent: the "
                "commune's open orders of the cycle, oldest due first.",
    "recovery_ref": "The treasury's reference of the repayment; the same one again has no "
                    "second effect.",
    "received_on": "The date the money came back (YYYY-MM-DD).",
}


def field_description(event_type: str, field: str) -> str | None:
    """The description of ``field`` in ``event_type``, or None when there is none."""
    return FIELDS.get(f"{event_type}.{field}", FIELDS.get(field))
