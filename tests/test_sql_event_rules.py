"""The per-event rules in SQL give exactly the findings of the Python per-event rules
(tests/oracle/event_rules.py): same code, severity, message, place, hint and evidence, on the public
examples, on the scenario logs of test_diagnose*.py and on generated Segment events."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amp_replay_cli.core import fastjson
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.findings import Finding
from amp_replay_cli.core.identity.inputs import AmplitudeExport, read_export
from amp_replay_cli.core.identity.sql.event_rules import AGAINST_EXPORT, RULES
from amp_replay_cli.core.identity.sql.event_wordings import WORDINGS
from amp_replay_cli.core.identity.sql.export_input import load_export
from amp_replay_cli.core.identity.sql.findings import FindingRow, to_finding
from amp_replay_cli.core.identity.thresholds import Thresholds
from tests.oracle.analysis import Analysis
from tests.oracle.model import Event, from_segment
from tests.oracle.run import analyse, delivered_once, load_python_events
from tests.sql_differential import events_of, parameters
from tests.sql_differential import read_file as read_raws
from tests.test_diagnose import iso

EXAMPLES = Path(__file__).parent / "data" / "identity"
EVENT_CODES = frozenset(
    {
        "CLOCK_SKEW",
        "CONTEXT_DEVICE_ID_OVERRIDE",
        "DEVICE_MAPPING_CUSTOMIZED",
        "EVENT_BEFORE_SESSION_START",
        "ID_BLOCKED",
        "ID_TOO_SHORT",
        "LATE_DELIVERY",
        "RPL_DEVICE_IS_USERID",
        "RPL_DEVICE_STALE",
        "RPL_PROPERTY_DROPPED",
        "RPL_PROPERTY_MALFORMED",
        "SESSION_ID_BAD_FORMAT",
        "SESSION_ID_MISSING",
    }
)


def comparable(finding: Finding) -> str:
    """Everything a finding says, evidence included (Finding's == leaves it out)."""
    return json.dumps(finding.to_dict(), sort_keys=True, ensure_ascii=False)


def python_findings(
    events: list[Event], thresholds: Thresholds, export: AmplitudeExport | None
) -> list[str]:
    analysis = analyse(Analysis(thresholds, export=export), events)
    return sorted(
        comparable(finding)
        for finding in analysis.findings
        if finding.code in EVENT_CODES
        # DEVICE_MAPPING_CUSTOMIZED from the set-up is not a per-event finding
        and not (finding.code == "DEVICE_MAPPING_CUSTOMIZED" and finding.line is None)
    )


def sql_findings(
    events: list[Event], thresholds: Thresholds, export: AmplitudeExport | None
) -> list[str]:
    connection = duckdb.connect()
    load_python_events(connection, delivered_once(events))
    rules = list(RULES)
    if export is not None:
        load_export(connection, export)
        rules.append(AGAINST_EXPORT)
    found = []
    for rule in rules:
        rows = connection.execute(rule.sql, parameters(rule, thresholds)).fetchall()
        found += [comparable(to_finding(FindingRow(*row), WORDINGS)) for row in rows]
    return sorted(found)


def assert_same(
    events: list[Event], thresholds: Thresholds | None = None, export: AmplitudeExport | None = None
) -> list[str]:
    thresholds = thresholds or Thresholds()
    expected = python_findings(events, thresholds, export)
    assert sql_findings(events, thresholds, export) == expected
    return expected


def read_file(path: Path) -> list[Event]:
    return events_of(read_raws(path))


def from_raws(raws: list[dict], name: str = "events.ndjson") -> list[Event]:
    """Events as diagnose reads them from an NDJSON file of `raws` (a number beyond 64 bits
    becomes a double, as the fast JSON reader makes it)."""
    return [
        from_segment(fastjson.loads(json.dumps(raw)), name, line)
        for line, raw in enumerate(raws, 1)
    ]


# -- the public examples ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", sorted(path.name for path in EXAMPLES.glob("0*.ndjson") if "export" not in path.name)
)
def test_the_examples_give_the_python_findings(name):
    path = EXAMPLES / name
    export_path = path.with_name(path.name.replace(".ndjson", ".amplitude_export.ndjson"))
    export = read_export(Source(str(export_path), export_path)) if export_path.exists() else None
    found = assert_same(read_file(path), export=export)
    if name != "00_clean.ndjson":
        assert found


# -- the scenario logs of test_diagnose*.py ---------------------------------------------------
def _cases(test: Any) -> list[Any]:
    """The parameter rows of a parametrized test, reused as scenarios."""
    return list(test.pytestmark[0].args[1])


def _scenarios() -> list[list[dict]]:
    from tests import test_diagnose as base
    from tests import test_diagnose_destination as destination

    event = base.event
    days = 2 * 86_400_000
    scenarios = [events for events, _ in _cases(base.test_each_code)]
    scenarios += [
        [event("identify", user="x1"), event("track", 5, anon="abc", replay=None)],
        [event("page"), *destination.refused_events()],
        [event("track", session=0, replay=None), event("track", 10, session="abc")],
        [event("identify", session="abc")],
        [event("track", index, session="abc", replay=None) for index in range(205)],
        [
            event("track", index, session=raw, replay=None)
            for index, (raw, _) in enumerate(
                _cases(destination.test_bad_session_ids_say_what_the_destination_sends)
            )
        ],
        [
            event(
                "track",
                skew_ms=days,
                session=base.SESSION + days,
                replay=f"{base.ANON}/{base.SESSION + days}",
            )
        ],
        [
            event("track", device="", user="usr_12345", replay=None),
            event("track", 10, device="", replay=None),
            event("page", 20),
        ],
        destination.churn_events(),
    ]
    return scenarios


@pytest.mark.parametrize("raws", _scenarios())
def test_the_scenarios_of_the_diagnose_tests_give_the_python_findings(raws):
    assert_same(from_raws(raws))


def _export(tmp_path: Path, rows: list[dict]) -> AmplitudeExport:
    path = tmp_path / "export.ndjson"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return read_export(Source(str(path), path))


def test_the_export_scenarios_give_the_python_findings(tmp_path):
    from tests import test_diagnose as base
    from tests import test_diagnose_destination as destination

    segment_event = base.event("track", user="usr_12345")
    row = {
        "device_id": "usr_12345",
        "user_id": "usr_12345",
        "session_id": base.SESSION,
        "event_type": "Clicked",
        "event_time": segment_event["timestamp"].replace("T", " ").replace("Z", "000"),
        "event_properties": {},
    }
    found = assert_same(from_raws([segment_event]), export=_export(tmp_path, [row]))
    assert {"DEVICE_MAPPING_CUSTOMIZED", "RPL_PROPERTY_DROPPED"} <= {
        json.loads(item)["code"] for item in found
    }
    page = base.event("page", user="usr_12345")
    rows = [destination.export_row(page, "Viewed ", "usr_12345")]
    assert assert_same(from_raws([page]), export=_export(tmp_path, rows))
    order = destination.order([{"productId": "p1"}, {"productId": "p2"}])
    rows = [destination.export_row(order, "Product Purchased", base.ANON, p) for p in "ab"]
    assert not assert_same(from_raws([order]), export=_export(tmp_path, rows))
    rows = [destination.export_row(order, "Product Purchased", "usr_12345")]
    assert assert_same(from_raws([order]), export=_export(tmp_path, rows))
    blank = base.event("track", user="")
    row = destination.export_row(blank, "Clicked", "someone-else")
    row["user_id"] = None
    assert assert_same(from_raws([blank]), export=_export(tmp_path, [row]))


# -- generated Segment events -----------------------------------------------------------------
SESSION = 1741083302121
ANONYMOUS = [
    "5b0e6a44-3c1f-4f7e-9d4a-2a9e8f1c7b21",
    "abc",
    "null",
    " Unknown\t",
    "0000-00",
    'tab\there "quoted" \\ \x1f',
    12345,
    None,
]
USERS = [None, "", "usr_12345", "x1", "N/A", "-1", 42, 4.5, True, "ab\u00e9\u2028", 'q"\\\x01']
DEVICES = [..., None, "", "5b0e6a44-3c1f-4f7e-9d4a-2a9e8f1c7b21", "custom-device-1", 7, "nil"]
SESSIONS = [
    ...,
    SESSION,
    str(SESSION),
    1741083302,
    "abc",
    SESSION + 0.5,
    [SESSION],
    0,
    -1,
    None,
    True,
    "2025-03-04T10:15:02.121Z",
    10**16,
    "",
    SESSION + 3_600_000,
]
REPLAYS = [
    ...,
    "anonymous",
    "user",
    "no-slash",
    "a/b/c",
    "x/abc",
    "/1",
    'd"\\\x05/12',
    None,
    5,
    1.5,
    False,
]
VERSIONS = ["npm:next-1.84.3", "next-1.0", "2.1.0", None, '2 "\\\x02']
TYPES = ["track", "page", "identify", "screen", "group"]


def _time(draw: Any, moment: int) -> str | int | None:
    return draw(st.sampled_from([iso(moment), iso(moment), moment, None, "not a date"]))


@st.composite
def segment_event(draw: Any, index: int) -> dict:
    kind = draw(st.sampled_from(TYPES))
    anonymous = draw(st.sampled_from(ANONYMOUS))
    user = draw(st.sampled_from(USERS))
    session = draw(st.sampled_from(SESSIONS))
    moment = SESSION + draw(st.integers(-200_000, 3_000_000))
    client = moment + draw(st.sampled_from([0, 0, 120_000, -90_000]))
    sent = client + draw(st.sampled_from([5, 5, 600_000, 301_000]))
    raw: dict[str, Any] = {
        "type": kind,
        "anonymousId": anonymous,
        "userId": user,
        "originalTimestamp": _time(draw, client),
        "sentAt": _time(draw, sent),
        "receivedAt": _time(draw, sent + draw(st.integers(0, 200_000))),
        "timestamp": _time(draw, moment),
        "context": {
            "library": {
                "name": draw(st.sampled_from(["analytics.js", "analytics.js", "analytics-node"])),
                "version": draw(st.sampled_from(VERSIONS)),
            },
        },
    }
    message = draw(st.sampled_from(["own", "own", "duplicate", None]))
    if message is not None:
        raw["messageId"] = f"m-{index}" if message == "own" else "m-0"
    device = draw(st.sampled_from(DEVICES))
    if device is not ...:
        raw["context"]["device"] = {"id": device}
    if session is not ...:
        raw["integrations"] = {"Actions Amplitude": {"session_id": session}}
    elif draw(st.booleans()):
        raw["integrations"] = {"All": False}
    if kind == "track":
        raw["event"] = draw(st.sampled_from(["Clicked", "Order Completed", None]))
    if kind in ("page", "screen"):
        raw["name"] = draw(st.sampled_from(["Pricing", None]))
    replay = draw(st.sampled_from(REPLAYS))
    properties: dict[str, Any] = {}
    if raw.get("event") == "Order Completed":
        properties["products"] = [{"id": 1}, {"id": 2}]
    if replay is not ...:
        session_part = session if isinstance(session, int) else SESSION
        device_part = {"anonymous": anonymous, "user": user}.get(str(replay), replay)
        properties["[Amplitude] Session Replay ID"] = (
            f"{device_part}/{session_part}" if replay in ("anonymous", "user") else replay
        )
    raw["properties"] = properties
    return raw


@st.composite
def segment_log(draw: Any) -> tuple[list[Event], list[dict]]:
    """Events (some sharing a line, as a batch does) and export rows made from some of them."""
    count = draw(st.integers(1, 12))
    raws = [draw(segment_event(index)) for index in range(count)]
    events, rows, line = [], [], 1
    for raw in raws:
        line += draw(st.sampled_from([0, 1, 1, 1]))
        event = from_segment(fastjson.loads(json.dumps(raw)), "log.ndjson", line)
        events.append(event)
        if event.timestamp_ms is not None and draw(st.booleans()):
            device = draw(st.sampled_from([event.dest_device, "usr_12345", None]))
            row = {
                "device_id": device,
                "user_id": event.dest_user,
                "event_type": draw(
                    st.sampled_from([event.amplitude_event_type, "Product Purchased", "Other"])
                ),
                "event_time": iso(event.timestamp_ms).replace("T", " ").replace("Z", "000"),
                "event_properties": draw(
                    st.sampled_from([{}, {"[Amplitude] Session Replay ID": event.replay_value}])
                ),
            }
            rows.append(row)
        if event.replay_id and draw(st.booleans()):
            rows.append(
                {
                    "device_id": draw(st.sampled_from([event.dest_device, "other"])),
                    "event_type": "Elsewhere",
                    "event_properties": {"[Amplitude] Session Replay ID": event.replay_id},
                }
            )
    return events, draw(st.permutations(rows))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=segment_log(), min_id_length=st.sampled_from([1, 5, 9]))
def test_generated_events_give_the_python_findings(tmp_path_factory, log, min_id_length):
    events, rows = log
    export = _export(tmp_path_factory.mktemp("export"), rows) if rows else None
    thresholds = Thresholds(min_id_length=min_id_length)
    assert_same(events, thresholds, export)


def test_seconds_before_the_session_round_as_python_rounds_the_double():
    """round(x, 1) of the double (session - time) / 1000: exact ties (10.25 s) go to even, the
    other .x5 cases (10.35 s, which is 10.3499... as a double) by the side the double is on."""
    from tests import test_diagnose as base

    aheads = [10_050 + 100 * step for step in range(40)] + [123_456_750, 86_400_350]
    aheads += [10_001, 10_049, 10_051, 12_345]
    # The factory dates `timestamp` 100 ms after the client clock.
    raws = [
        {**base.event("track", -ahead - 100, session=base.SESSION + 3), "messageId": f"m{ahead}"}
        for ahead in aheads
    ]
    found = assert_same(from_raws(raws))
    assert len([item for item in found if "EVENT_BEFORE_SESSION_START" in item]) == len(aheads)


def test_an_export_with_no_row_matches_nothing(tmp_path):
    from tests import test_diagnose as base

    path = tmp_path / "export.ndjson"
    path.write_text('{"event_type": "Clicked"}\n')  # no time, no replay id: no key at all
    assert_same(from_raws([base.event("track")]), export=read_export(Source(str(path), path)))


@pytest.fixture
def deep_recursion():
    """sqlglot recurses once per level of nesting, and escaping a text for JSON nests 34
    replace() calls: deeper than pytest's stack leaves room for under the default limit."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 5000))
    yield
    sys.setrecursionlimit(limit)


@pytest.mark.parametrize("dialect", ["trino", "bigquery", "snowflake"])
def test_the_rules_read_back_from_each_warehouse_dialect_give_the_same_rows(
    dialect, deep_recursion
):
    """sqlglot writes each rule for the warehouse and reads it back: DuckDB gives the same rows
    (the portability the rules are written for: no to_json, no inline regex flags...)."""
    import sqlglot

    events = [
        event
        for index, raws in enumerate(_scenarios())  # messageIds repeat from one to the next
        for event in from_raws(
            [{**raw, "messageId": f"{index}-{raw['messageId']}"} for raw in raws]
        )
    ]
    events += read_file(EXAMPLES / "04_invalid_and_overridden_ids.ndjson")
    connection = duckdb.connect()
    load_python_events(connection, delivered_once(events))
    for rule in RULES:
        sql = rule.sql
        for name, value in parameters(rule, Thresholds()).items():
            sql = sql.replace(f"${name}", str(value))
        written = sqlglot.transpile(sql, read="duckdb", write=dialect)[0]
        back = sqlglot.transpile(written, read=dialect, write="duckdb")[0]
        expected = sorted(map(str, connection.execute(sql).fetchall()))
        assert sorted(map(str, connection.execute(back).fetchall())) == expected, rule.name
        assert expected, rule.name
