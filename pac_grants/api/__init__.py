"""The read API and web page over the ledger, for finance teams (issue 7,
docs/ledger.md "Reading it", docs/rules.md s7).

``create_app(settings, ledger)`` builds the FastAPI app (nothing at import time);
``pac-grants api`` serves it with uvicorn. Routes, all GET, under ``/api/v1`` behind
``Authorization: Bearer $PAC_API_TOKEN``::

    /cycles                                   cycle summary (ledger summary's shape)
    /cycles/{cycle}/balances[?as_of=]         balances by commune (ledger balances' shape)
    /cycles/{cycle}/allocation                per window and commune, names, reasons, caps
    /cycles/{cycle}/communes/{code}/explanation   docs/rules.md s7
    /communes/{code}/statement[?cycle=]       transactions with running balances
    /dead-letters[?code=&limit=]              most recent first
    /complaints[?cycle=]                      the complaints register (ledger complaints' shape)
    /cycles/{cycle}/export.csv                the ledger export of the cycle
    /cycles/{cycle}/simulation?variant=ID     the cycle under a variant ruleset (issue 13)
    /cycles/{cycle}/simulation.xlsx?variant=  the same as a workbook
    /rulesets                                 packaged and stored rulesets to simulate

``/healthz`` needs no token and returns no data; ``/`` is the page; ``/openapi.json``
describes the API.
"""

from pac_grants.api.app import create_app

__all__ = ["create_app"]
