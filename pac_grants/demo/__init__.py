"""``pac-grants demo``: the sample program end to end on the embedded default.

``runner``: broker (embedded Tansu unless ``PAC_BROKER_URL`` is set), SQLite ledger,
topics, worker child process, phases published and waited for, cleanup (also on
Ctrl-C). ``progress``: how far the worker is, read from its tracked offsets.
``summary``: what is printed at the end (docs/cli.md s1).
"""
