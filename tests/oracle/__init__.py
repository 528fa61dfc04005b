"""The oracle: diagnose's former Python per-event analysis, kept as the specification the SQL
engine (amp_replay_cli/core/identity/sql/) is tested against. Never shipped: diagnose runs only
the SQL.

model.py turns each Segment event into one Python object as the Actions destination maps it
(what sql/normalise.py must write into `events`); analysis.py feeds every event to the rules of
event_rules.py, session_rules.py, link_rules.py and setup_rules.py, which word their findings
with the package's messages (core/identity/messages.py); run.py feeds it as diagnose read its
inputs and loads the same events into the `events` relation, so that tests/test_sql_*.py and
tests/sql_differential.py can compare both engines' findings and session rows.
"""
