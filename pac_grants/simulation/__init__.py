"""Simulation before a cycle: the same inputs under another ruleset, side by side (issue 13).

What the programme's committee asks before it sets a cycle's formula: with this equal
share, this minimum score, these caps or pools, who gains, who loses, and by how much.
Pure computation over a cycle's inputs (:mod:`.inputs`), twice through the rules engine
(:mod:`.simulate`), compared commune by commune (:mod:`.compare`) and in total
(:mod:`.statistics`), with the words of one table (:mod:`.wording`). ``--vary`` sweeps a
parameter (:mod:`.sweep`) over a ruleset document (:mod:`.documents`). Only
:mod:`.store` touches a database: the variants stored by ``pac-grants rulesets add``.
"""
