"""-f json writes the findings without building their dicts, byte for byte as it writes each
finding's to_dict()."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.output import OutputSettings, render
from amp_replay_cli.output import json as json_output

# Text with what must come out escaped: controls, lone surrogates, quotes, bidi marks, DEL.
TEXTS = st.one_of(
    st.sampled_from(["", 'a "quoted" \\ path', "tab\there\nnew", "\ud800 lone", "\u202e\x7f", "é"]),
    st.text(),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXTS,
)
EVIDENCE = st.one_of(
    st.none(),
    st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            SCALARS,
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
            max_leaves=6,
        ),
        max_size=5,
    ),
)
FINDINGS = st.builds(
    Finding,
    code=st.sampled_from(["RPL_ORPHANED", "AR501", "X\u2028", Severity.INFO]),  # a str subclass
    severity=st.sampled_from(list(Severity)),
    message=TEXTS,
    file=st.none() | TEXTS,
    line=st.none() | st.integers(min_value=0) | st.booleans(),  # a bool is an int too
    column=st.none() | st.integers(min_value=0),
    path=st.none() | TEXTS,
    hint=st.none() | TEXTS,
    evidence=EVIDENCE,
)


def as_dicts(findings: list[Finding]) -> str:
    """The findings as JSON writes a list of dicts at level 1, each dict by the row encoder."""
    lines = [f"\n    {json_output._ROW_ENCODER.encode(finding.to_dict())}" for finding in findings]
    return "[" + ",".join(lines) + ("\n  ]" if findings else "]")


@settings(max_examples=100, deadline=None)
@given(st.recursive(SCALARS, lambda inner: st.lists(inner) | st.dictionaries(TEXTS, inner)))
def test_a_value_is_encoded_as_the_row_encoder_encodes_it(value: Any) -> None:
    assert json_output._encode(value) == json_output._ROW_ENCODER.encode(value)


@settings(max_examples=100, deadline=None)
@given(st.lists(FINDINGS, max_size=8).map(lambda found: found + found[:3]))
def test_findings_are_written_as_their_dicts_are(findings: list[Finding]) -> None:
    assert "".join(json_output._finding_lines(findings, 1)) == as_dicts(findings)


def _findings(count: int) -> list[Finding]:
    return [
        Finding(
            "RPL_DEVICE_IS_USERID",
            Severity.ERROR,
            f"message {index % 7} \ud800",
            f"events-{index % 3}.ndjson",
            index,
            hint="the fix",
            evidence={"message_id": f"m{index}", "session_id": index, "ids": ["a", index]},
        )
        for index in range(count)
    ]


def test_many_findings_in_chunks_with_a_bounded_store_of_texts(monkeypatch: Any) -> None:
    monkeypatch.setattr(json_output, "_MAX_KEPT_TEXTS", 4)
    findings = _findings(2 * json_output._ROWS_PER_CHUNK + 5)
    assert "".join(json_output._finding_lines(findings, 1)) == as_dicts(findings)


def test_no_findings_is_an_empty_list() -> None:
    assert "".join(json_output._finding_lines([], 1)) == as_dicts([]) == "[]"


def test_without_the_c_encoder_values_are_written_alike(monkeypatch: Any) -> None:
    findings = _findings(5)
    fast = "".join(json_output._finding_lines(findings, 1))
    monkeypatch.setattr(json_output, "_ONE_VALUE", None)
    assert "".join(json_output._finding_lines(findings, 1)) == fast


@pytest.mark.parametrize("secret", ["s3cr3t-key"])
def test_the_written_findings_are_escaped_and_redacted(tmp_path: Any, secret: str) -> None:
    report = Report("diagnose", findings=_findings(3), secrets={secret})
    report.findings.append(Finding("AR501", Severity.WARNING, f"key {secret}\ud800\x1b"))
    out = tmp_path / "out.json"
    render(report, OutputSettings(format="json", output_file=out))
    written = out.read_text(encoding="utf-8")
    assert secret not in written and "\\ud800" in written and "\\u001b" in written
    assert json.loads(written)["findings"][-1]["message"] == "key ****\ud800\x1b"
