"""The pure rules engine of docs/rules.md: rulesets, scoring, eligibility, allocation, explanation.

Nothing here imports Faust, SQLAlchemy or prometheus-client: the engine takes frozen plain
values (:mod:`pac_grants.rules.types`) and returns frozen results, so the pipeline, the
offline ``allocate`` command and the tests all run the very same arithmetic.
"""
