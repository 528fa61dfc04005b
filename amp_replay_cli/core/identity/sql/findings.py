"""Finding rows of the SQL rules, worded: the SQL decides what is wrong and with which values;
Python only turns each row into the message and evidence a Finding carries, exactly as the
reporter of the Python rules did."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
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


def to_finding(row: FindingRow, wordings: Mapping[tuple[str, str | None], Wording]) -> Finding:
    details: dict[str, Any] = json.loads(row.details) if row.details else {}
    named = details.pop(MESSAGE_ONLY, None)
    message = wordings[(row.code, row.variant)]({**details, **named} if named else details)
    details = {key: value for key, value in details.items() if not key.startswith(MESSAGE_ONLY)}
    if row.message_id is not None:
        details.setdefault("message_id", row.message_id)
    if row.device_id is not None or row.session_id is not None:
        details.setdefault("device_id", json.loads(row.device_id) if row.device_id else None)
        details.setdefault("session_id", row.session_id)
    return Finding(
        code=row.code,
        severity=Severity(row.severity),
        message=sys.intern(message),  # the events of one problem share one text
        file=row.file,
        line=row.line,
        hint=None if row.variant == NOT_LISTED else CODES[row.code].fix,
        evidence=details or None,
    )
