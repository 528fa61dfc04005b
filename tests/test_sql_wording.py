"""The findings rows of diagnose's SQL engine worded all at once, with the rows that repeat a
problem sharing one wording, are exactly the findings each row worded on its own gives."""

from __future__ import annotations

import gc
import json
import random
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from amp_replay_cli.core import diagnose as core_diagnose
from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.diagnose import DiagnoseSettings, thresholds_for
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.identity.inputs import (
    AmplitudeExport,
    read_export,
    read_replays,
    read_setup,
)
from amp_replay_cli.core.identity.sql import catalog, engine
from amp_replay_cli.core.identity.sql.export_input import load_export
from amp_replay_cli.core.identity.sql.findings import FindingRow, to_finding, to_findings
from amp_replay_cli.core.identity.sql.link_inputs import load_link_inputs
from tests.test_diagnose import BASE_MS, SESSION, event, iso

EXAMPLES = Path(__file__).parent / "data" / "identity"
WORDINGS = catalog.sql_engine().wordings


MINUTE = 60_000
# Browsers, each with its own events: many findings of each code, some sharing a wording.
BROWSERS = [f"{index}b0e6a44-3c1f-4f7e-9d4a-2a9e8f1c7b2{index}" for index in range(4)]


def _source(path: Path) -> Source:
    return Source(str(path), path)


def _write(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def rows_of(log: Path, scratch: Path, **inputs: Path) -> list[tuple[Any, ...]]:
    """The findings rows of a log, with an export, a replay list and a set-up if given."""
    export = read_export(_source(inputs["export"])) if "export" in inputs else None
    replays = read_replays(_source(inputs["replays"])) if "replays" in inputs else None
    setup = read_setup(_source(inputs["setup"])) if "setup" in inputs else None
    connection = engine.connect(scratch)
    try:
        engine.load(connection, [str(log)], scratch)
        load_export(connection, export or AmplitudeExport(""))
        load_link_inputs(connection, export, replays, setup)
        sql = catalog.sql_engine(sampling=bool(setup and setup.has_sample_rate))
        thresholds = thresholds_for(DiagnoseSettings(), setup)
        return list(engine.run_rules(connection, sql.rules, asdict(thresholds)))
    finally:
        connection.close()


def example_rows(path: Path, scratch: Path) -> list[tuple[Any, ...]]:
    """An example's rows, with the export, replay list and set-up named beside it."""
    stem = path.name.removesuffix(".ndjson")
    configs = sorted(path.parent.glob(f"{stem[:2]}_*.config.json"))
    beside = {
        "export": path.with_name(f"{stem}.amplitude_export.ndjson"),
        "replays": path.with_name(f"{stem}.replays.json"),
        "setup": configs[0] if configs else path.with_name("none"),
    }
    return rows_of(path, scratch, **{name: p for name, p in beside.items() if p.exists()})


def _browser_events(anon: str) -> list[dict[str, Any]]:
    """What one browser sends for the codes the examples do not give."""
    second = SESSION + 5 * MINUTE
    server = {
        "type": "track",
        "event": "Invoice Paid",
        "userId": f"usr_{anon[:5]}",
        "messageId": f"srv-{anon}",
        "timestamp": iso(BASE_MS + 2000),
        "context": {"library": {"name": "analytics-node", "version": "2"}},
    }
    return [
        event("track", user=f"usr_{anon[:5]}", anon=anon),
        server,
        event("track", 10, anon=anon, send_delay_ms=600_000),
        event("track", 20, anon=anon, replay="no-slash"),
        event("page", 2 * MINUTE, anon=anon, session=SESSION + 2 * MINUTE),
        event("page", 5 * MINUTE, anon=anon, session=second),
        event("page", 6 * MINUTE, anon=anon),
        event("page", 7 * MINUTE, anon=anon, session=second),
    ]


def generated_rows(scratch: Path) -> list[tuple[Any, ...]]:
    """Rows of every code the examples do not give, from the browsers' events and inputs."""
    log = _write(scratch / "events.ndjson", [e for anon in BROWSERS for e in _browser_events(anon)])
    export = [
        {
            "device_id": f"usr_{anon[:5]}",
            "user_id": f"usr_{anon[:5]}",
            "session_id": SESSION,
            "event_type": "Clicked",
            "event_time": event("track", user=f"usr_{anon[:5]}", anon=anon)["timestamp"]
            .replace("T", " ")
            .replace("Z", "000"),
            "event_properties": {},
        }
        for anon in BROWSERS
    ]
    replays = {"session_replays": [{"replay_id": f"ghost-{anon}/123"} for anon in BROWSERS]}
    sampled = {
        "replay": {
            "package": "@amplitude/segment-session-replay-wrapper",
            "sessionReplayOptions": {"sampleRate": 0.000001},
        }
    }
    not_sampled = _write(
        scratch / "not_sampled.ndjson", [event("track", anon=a, replay=None) for a in BROWSERS]
    )
    return [
        *rows_of(
            log,
            scratch,
            export=_write(scratch / "export.ndjson", export),
            replays=_write(scratch / "replays.json", [replays]),
        ),
        *rows_of(not_sampled, scratch, setup=_write(scratch / "setup.json", [sampled])),
    ]


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, ...]]:
    """The rows of the examples and of the generated logs, three times over in a shuffled order:
    many rows share a wording, and the rows of one problem come apart."""
    found = generated_rows(tmp_path_factory.mktemp("generated"))
    for index, path in enumerate(sorted(EXAMPLES.glob("0*.ndjson"))):
        if ".amplitude_export" not in path.name:
            found += example_rows(path, tmp_path_factory.mktemp(f"example{index}"))
    repeated = found * 3
    random.Random(16).shuffle(repeated)
    return repeated


def _written(finding: Any) -> str:
    return json.dumps(finding.to_dict(), ensure_ascii=False)


def test_rows_worded_together_are_the_rows_worded_one_by_one(rows):
    together = to_findings(rows, WORDINGS)
    one_by_one = [to_finding(FindingRow(*row), WORDINGS) for row in rows]
    assert list(map(_written, together)) == list(map(_written, one_by_one))
    # Every code, and rows that share a wording: what the test is about.
    assert {row[0] for row in rows} == {code for code in CODES if not code.startswith("AR")}
    assert len({(row[0], row[1], row[2], row[9]) for row in rows}) < len(rows) / 2


def test_findings_that_share_a_wording_have_their_own_evidence(rows):
    findings = to_findings(rows, WORDINGS)
    evidence = [finding.evidence for finding in findings if finding.evidence is not None]
    assert len({id(value) for value in evidence}) == len(evidence)
    first = findings[0]
    assert first.evidence is not None
    first.evidence["changed"] = True
    assert all("changed" not in value for value in evidence[1:])


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_is_paused_while_the_findings_are_made(monkeypatch, enabled):
    seen = []

    def recording(rows: Any, wordings: Any) -> list[Any]:
        seen.append(gc.isenabled())
        return to_findings(rows, wordings)

    monkeypatch.setattr(core_diagnose, "to_findings", recording)
    log = EXAMPLES / "01_login_replay_device_is_userid.ndjson"
    (gc.enable if enabled else gc.disable)()
    try:
        report = core_diagnose.diagnose([str(log)], DiagnoseSettings())
        assert gc.isenabled() is enabled  # as it was before
    finally:
        gc.enable()
    assert seen == [False]
    assert report.findings
