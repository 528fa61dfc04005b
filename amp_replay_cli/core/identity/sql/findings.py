"""Finding rows of the SQL rules, worded: the SQL decides what is wrong and with which values;
Python only turns each row into the message and evidence a Finding carries, exactly as the
reporter of the Python rules did."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.findings import Finding, Severity
from amp_replay_cli.core.identity.sql.relation import FINDING_COLUMNS

# The message of one (code, variant), from the row's details. A wording may add to the details
# the evidence it words (a cause told from two values); keys that begin with MESSAGE_ONLY are
# values only the message names (a threshold, a page), left out of the evidence. A details
# object under the key MESSAGE_ONLY itself is handed to the wording by its members' names.
Wording = Callable[[dict[str, Any]], str]
MESSAGE_ONLY = "_"
# The variant of a row that closes a capped list, as CappedFindings.close does: one info
# finding counting what was not listed, with no place, hint or evidence.
NOT_LISTED = "not_listed"


class FindingRow(NamedTuple):
    """A row of the `findings` relation, in FINDING_COLUMNS order."""

    code: str
    severity: str
    variant: str | None
    seq: int | None
    file: str | None
    line: int | None
    message_id: str | None
    device_id: str | None  # JSON text
    session_id: int | None
    details: str | None  # JSON text of an object


assert tuple(FindingRow._fields) == tuple(FINDING_COLUMNS), "FindingRow follows FINDING_COLUMNS"


class _Worded(NamedTuple):
    """What a row's code, severity, variant and details give, whatever event it points at."""

    severity: Severity
    message: str
    hint: str | None
    evidence: dict[str, Any]  # without the event's message_id, device_id and session_id


def to_findings(
    rows: Iterable[tuple[Any, ...]], wordings: Mapping[tuple[str, str | None], Wording]
) -> list[Finding]:
    """The rows (FindingRows, or tuples in their order) worded, in their order. Rows that
    differ only in the event they point at (the events of one session or one user repeat one
    problem) share one wording: their details are read and worded once, and each finding gets
    its own copy of the evidence."""
    worded: dict[tuple[str, str, str | None, str | None], _Worded] = {}
    devices: dict[str, Any] = {}  # a device id's JSON text: its value
    findings = []
    for code, severity, variant, _, file, line, message_id, device_id, session_id, details in rows:
        key = (code, severity, variant, details)
        known = worded.get(key)
        if known is None:
            known = worded[key] = _word(code, severity, variant, details, wordings)
        evidence = known.evidence.copy()
        if message_id is not None:
            evidence.setdefault("message_id", message_id)
        if device_id is not None or session_id is not None:
            if device_id and device_id not in devices:
                devices[device_id] = json.loads(device_id)
            evidence.setdefault("device_id", devices[device_id] if device_id else None)
            evidence.setdefault("session_id", session_id)
        findings.append(
            Finding(
                code,
                known.severity,
                known.message,
                file=file,
                line=line,
                hint=known.hint,
                evidence=evidence or None,
            )
        )
    return findings


def to_finding(row: FindingRow, wordings: Mapping[tuple[str, str | None], Wording]) -> Finding:
    return to_findings([row], wordings)[0]


def _word(
    code: str,
    severity: str,
    variant: str | None,
    details_text: str | None,
    wordings: Mapping[tuple[str, str | None], Wording],
) -> _Worded:
    details: dict[str, Any] = json.loads(details_text) if details_text else {}
    named = details.pop(MESSAGE_ONLY, None)
    message = wordings[(code, variant)]({**details, **named} if named else details)
    return _Worded(
        Severity(severity),
        sys.intern(message),  # the findings of one problem share one text
        None if variant == NOT_LISTED else CODES[code].fix,
        {key: value for key, value in details.items() if not key.startswith(MESSAGE_ONLY)},
    )
