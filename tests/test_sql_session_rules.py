"""The session rules in SQL give the findings of the Python session rules (the specification):
on every example, on the scenario logs of the diagnose tests, and on generated Segment events
with ids switching mid-session, resets, churn, tabs interleaving, out-of-order lines and
duplicates."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amp_replay_cli.core.findings import Finding
from amp_replay_cli.core.identity.sql.findings import FindingRow, to_finding
from amp_replay_cli.core.identity.sql.session_rules import RULES
from amp_replay_cli.core.identity.sql.session_wordings import WORDINGS
from amp_replay_cli.core.identity.thresholds import Thresholds
from tests.oracle.analysis import Analysis
from tests.oracle.model import Event
from tests.oracle.run import analyse, delivered_once, load_python_events
from tests.sql_differential import events_of, parameters
from tests.test_diagnose import ANON, EXAMPLES, SESSION, event, test_each_code
from tests.test_diagnose_destination import churn_events, refused_events

CODES = {code for code, _ in WORDINGS}
MINUTE = 60_000
Log = tuple[str, list[dict[str, Any]]]  # a file name and its events, one per line


def log_events(logs: list[Log]) -> list[Event]:
    """Every line of every log, in reading order."""
    return events_of((name, line, raw) for name, raws in logs for line, raw in enumerate(raws, 1))


def python_findings(logs: list[Log], thresholds: Thresholds) -> list[Finding]:
    analysis = analyse(Analysis(thresholds), log_events(logs))
    return [finding for finding in analysis.findings if finding.code in CODES]


# One in-memory database for the module: connecting costs more than a small comparison.
CONNECTION = duckdb.connect()


def sql_findings(logs: list[Log], thresholds: Thresholds) -> list[Finding]:
    connection = CONNECTION
    load_python_events(connection, delivered_once(log_events(logs)))
    findings = []
    for rule in RULES:
        for row in connection.execute(rule.sql, parameters(rule, thresholds)).fetchall():
            findings.append(to_finding(FindingRow(*row), WORDINGS))
    return findings


def comparable(findings: list[Finding]) -> list[str]:
    # Finding's equality leaves out the evidence: compare everything a report shows.
    return sorted(json.dumps(finding.to_dict(), sort_keys=True) for finding in findings)


def assert_same(logs: list[Log], thresholds: Thresholds | None = None) -> list[Finding]:
    thresholds = thresholds or Thresholds()
    expected = python_findings(logs, thresholds)
    assert comparable(sql_findings(logs, thresholds)) == comparable(expected)
    return expected


def codes(findings: list[Finding]) -> set[str]:
    return {finding.code for finding in findings}


# -- the examples ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        path
        for path in sorted(EXAMPLES.glob("*.ndjson"))
        if not path.name.endswith(".amplitude_export.ndjson")
    ],
    ids=lambda path: path.name,
)
def test_each_example_gives_the_python_findings(path: Path):
    raws = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert_same([(path.name, raws)])


def test_the_examples_shuffled_with_duplicates_give_the_python_findings():
    lines = (EXAMPLES / "01_login_replay_device_is_userid.ndjson").read_text().splitlines()
    order = [3, 0, 5, 1, 7, 2, 4, 6, 3, 0]  # tests/test_diagnose.py's noisy copy
    found = assert_same([("noisy.ndjson", [json.loads(lines[index]) for index in order])])
    assert codes(found) == {"RPL_DEVICE_SWITCH_IN_SESSION"}


# -- the scenario logs of the diagnose tests ---------------------------------------------------
LATER = SESSION + 5 * MINUTE
BROWSER_CONTEXT = {
    "library": {"name": "analytics.js", "version": "npm:next-1.84.3"},
    "ip": "203.0.113.1",
    "userAgent": "UA",
}
SCENARIOS: list[list[dict[str, Any]]] = [
    *(events for events, _ in test_each_code.pytestmark[0].args[1]),
    [event("page"), *refused_events()],
    churn_events(),
    [
        event("track", user="usr_12345", replay=f"usr_12345/{SESSION}"),
        event("track", 1000, anon="f03a7d59-2e6c", replay=f"usr_12345/{SESSION}"),
    ],
    [
        event("page", 0),
        event("page", 5 * MINUTE, session=SESSION + 5 * MINUTE, replay=f"{ANON}/{SESSION}"),
        event("page", 6 * MINUTE),
        event("page", 7 * MINUTE, session=SESSION + 5 * MINUTE),
    ],
    [  # a second tab keeps the old replay session after the first began a new one
        event(
            "page",
            0,
            session=LATER,
            context={**BROWSER_CONTEXT, "page": {"url": "https://a.example/pricing"}},
        ),
        event("track", 1000, session=LATER, replay=f"{ANON}/{SESSION}"),
    ],
]


@pytest.mark.parametrize("events", SCENARIOS)
def test_each_scenario_gives_the_python_findings(events: list[dict[str, Any]]):
    assert_same([("events.ndjson", events)])


def test_every_code_is_met_by_the_scenarios():
    """The comparisons above are not vacuous: between them they find every code."""
    found: set[str] = set()
    for events in SCENARIOS:
        found |= codes(python_findings([("events.ndjson", events)], Thresholds()))
    assert found == CODES
    reset = [
        event("track", user="usr_12345"),
        event("track", 1000, anon="f03a7d59-2e6c", replay=f"{ANON}/{SESSION}"),
    ]
    [change] = assert_same([("events.ndjson", reset)])
    assert change.code == "ANON_ID_CHANGED_IN_SESSION"
    assert "analytics.reset()" in change.message


@pytest.mark.parametrize(
    "session", ["99999999999999999999", "-5", "007", "0"], ids=["beyond-64-bits", "-5", "007", "0"]
)
def test_replay_sessions_of_any_size_are_worded_as_python_words_them(session: str):
    replay = f"{ANON}/{session}"
    events = [event("track", replay=replay), event("track", 5, session=None, replay=replay)]
    assert len(assert_same([("events.ndjson", events)])) == 2


def test_user_ids_that_are_not_strings_are_compared_and_shown_as_python_does():
    events = [
        event("track", user=12345),
        event("track", 1000, anon="f03a7d59-2e6c", user="12345", replay=f"{ANON}/{SESSION}"),
        event(
            "track", 2000, anon="9c1d2e3f-cccc", user={"a": [1, True]}, replay=f"{ANON}/{SESSION}"
        ),
    ]
    # 12345 and "12345" are one user to the confirmation (as text), two to the cause.
    found = sorted(assert_same([("events.ndjson", events)]), key=lambda finding: finding.line or 0)
    assert [(finding.evidence or {})["cause"] for finding in found] == [
        "userId 12345 -> 12345: identifying another user rotates the anonymousId",
        "userId 12345 -> {'a': [1, True]}: identifying another user rotates the anonymousId",
    ]


def test_the_session_timeout_is_the_one_given():
    short = Thresholds(session_timeout_ms=MINUTE)
    assert assert_same([("events.ndjson", churn_events())], short) == []


# -- generated Segment events ------------------------------------------------------------------
BROWSERS = ["5b0e6a44-aaaa", "f03a7d59-bbbb", "9c1d2e3f-cccc"]
USERS = [None, "usr_12345", "usr_67890", 12345, "12345"]  # a number is its text, as an id
SESSIONS = [SESSION, SESSION + 2 * MINUTE, SESSION + 5 * MINUTE, SESSION + 40 * MINUTE]
PAGES = ["https://a.example/", "https://a.example/pricing"]


@st.composite
def browser_event(draw: st.DrawFn, browsers: list[str], sessions: list[int]) -> dict[str, Any]:
    """One event of a few browsers sharing a few sessions, users, pages and networks."""
    anon = draw(st.sampled_from(browsers))
    user = draw(st.sampled_from(USERS))
    session = draw(
        st.one_of(
            st.sampled_from(sessions),
            st.sampled_from([None, 0, "abc", 1741083302]),  # none, -1, refused, seconds
        )
    )
    own = f"{anon}/{session}"
    replay = draw(
        st.sampled_from(
            [
                "default",
                own,
                f"{user}/{session}",  # the wrapper's device became the userId
                *(f"{anon}/{other}" for other in sessions),  # another session's replay
                f"{BROWSERS[0]}/{session}",  # the replay kept an older anonymousId
                None,
                "no-slash",
                f"{anon}/not-a-number",
            ]
        )
    )
    context: dict[str, Any] = {
        "library": draw(
            st.sampled_from(
                [
                    {"name": "analytics.js", "version": "npm:next-1.84.3"},
                    {"name": "analytics-node", "version": "2"},
                ]
            )
        ),
        "page": {"url": draw(st.sampled_from(PAGES))},
        "ip": draw(st.sampled_from(["203.0.113.1", "198.51.100.9"])),
        "userAgent": "UA",
    }
    if draw(st.booleans()) and draw(st.booleans()):
        context["device"] = {"id": draw(st.sampled_from(["custom-device-1", ""]))}
    # Few distinct moments, so that events meet in one millisecond and at run boundaries.
    offset = draw(
        st.one_of(
            st.sampled_from([0, 1, 1000, MINUTE, 2 * MINUTE, 5 * MINUTE, 40 * MINUTE]),
            st.integers(0, 90 * MINUTE),
        )
    )
    return event(
        draw(st.sampled_from(["track", "page", "screen", "identify"])),
        offset,
        anon=anon,
        user=user,
        session=session,
        replay=replay,
        skew_ms=draw(st.sampled_from([0, 0, 0, 120_000, -3 * MINUTE])),
        message=f"m-{draw(st.integers(0, 10**9))}",
        anonymousId=draw(st.sampled_from([anon, anon, anon, None])),
        context=context,
    )


@st.composite
def segment_logs(draw: st.DrawFn) -> list[Log]:
    """Events in time order, then shuffled in part, some delivered twice, in one or two files."""
    browsers = draw(st.lists(st.sampled_from(BROWSERS), min_size=1, max_size=3, unique=True))
    sessions = draw(st.lists(st.sampled_from(SESSIONS), min_size=1, max_size=3, unique=True))
    # A drawn length: hypothesis's lists are mostly short, and a switch needs a few events.
    count = draw(st.integers(1, 40))
    events = sorted(
        (draw(browser_event(browsers, sessions)) for _ in range(count)), key=_client_time
    )
    if draw(st.booleans()):
        events = draw(st.permutations(events))
    elif len(events) > 2 and draw(st.booleans()):  # a few lines late
        late = draw(st.integers(0, len(events) - 2))
        events = events[:late] + events[late + 2 :] + events[late : late + 2]
    for _ in range(draw(st.integers(0, 3))):
        events.append(draw(st.sampled_from(events)))  # a duplicate delivery
    if draw(st.booleans()) and len(events) > 1:
        cut = draw(st.integers(1, len(events) - 1))
        return [("a.ndjson", events[:cut]), ("b.ndjson", events[cut:])]
    return [("events.ndjson", events)]


def _client_time(raw: dict[str, Any]) -> str:
    return str(raw["originalTimestamp"])


@settings(
    max_examples=int(os.environ.get("SESSION_RULES_EXAMPLES", 30)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # The same examples on every run; SESSION_RULES_RANDOM=1 explores new ones.
    derandomize="SESSION_RULES_RANDOM" not in os.environ,
)
@given(segment_logs())
def test_generated_segment_events_give_the_python_findings(logs: list[Log]):
    assert_same(logs)
