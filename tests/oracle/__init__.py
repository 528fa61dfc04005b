"""The oracle: diagnose's former Python per-event analysis, kept as the specification the SQL
engine (amp_replay_cli/core/identity/sql/) is tested against. Never shipped: diagnose runs only
the SQL.

model.py turns each Segment event into one Python object as the Actions destination maps it
(what sql/normalise.py must write into `events`); analysis.py feeds every event to the rules of
event_rules.py, session_rules.py, link_rules.py and setup_rules.py; sampling.py decides a
session's sample as the replay SDK does; run.py feeds the analysis as diagnose read its inputs
and loads the same events into the `events` relation, so that tests/test_sql_*.py and
tests/sql_differential.py can compare both engines' findings and session rows.

The session, link and set-up rules word their findings with the package's functions
(core/identity/messages.py). The per-event rules write their messages themselves: the SQL's
event wordings (sql/event_wordings.py) are checked against that independent text.

A change to a rule changes its query and, in the same commit, its Python rule here.
"""
