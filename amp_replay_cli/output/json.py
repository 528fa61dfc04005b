"""The stable JSON envelope (schema_version 1, described by amp_replay_cli/schemas/output-v1.json).

Written as a stream: result rows of a RowStream go out as they are made, and the keys that depend
on every row (status, summary, findings) follow them. Lists of objects (rows, sessions, findings)
hold one compact object per line, which the C encoder writes fast and `grep` reads well.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from amp_replay_cli import __version__
from amp_replay_cli.core.findings import Report, RowStream
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.escape import json_text

SCHEMA_VERSION = 1
_ROWS_PER_CHUNK = 1000
# One encoder for every row: json.dumps() with options builds a new one per call.
_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def render_json(report: Report, settings: OutputSettings) -> Iterator[str]:
    # The encoder writes non-ASCII raw (half the size for CJK text, and faster); json_text
    # escapes what must not be raw: lone surrogates cannot be written as UTF-8 at all.
    return map(json_text, _envelope(report))


def _envelope(report: Report) -> Iterator[str]:
    yield "{\n"
    yield (
        _members(
            {
                "schema_version": SCHEMA_VERSION,
                "tool": {"name": "amp-replay", "version": __version__},
                "command": report.command,
            },
            level=1,
        )
        + ",\n"
    )
    yield '  "result": '
    yield from _object_stream(report.result, level=1)
    report.finalize()
    yield (
        ",\n"
        + _members(
            {"status": report.status, "exit_code": report.exit_code, "summary": report.summary},
            level=1,
        )
        + ",\n"
    )
    yield '  "findings": '
    yield from _lines((finding.to_dict() for finding in report.sorted_findings()), level=1)
    yield ",\n" + _members({"error": report.error_info()}, level=1) + "\n}\n"


def _dumps(value: Any, level: int) -> str:
    """Objects one key a line; lists of scalars on one line; lists of objects one object a line."""
    pad = "  " * level
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ",\n".join(
            f"{pad}  {json.dumps(key)}: {_dumps(item, level + 1)}" for key, item in value.items()
        )
        return "{\n" + inner + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        return "".join(_lines(value, level))
    return _ROW_ENCODER.encode(value)


def _members(values: dict[str, Any], level: int) -> str:
    pad = "  " * level
    return ",\n".join(
        f"{pad}{json.dumps(key)}: {_dumps(value, level)}" for key, value in values.items()
    )


def _object_stream(values: dict[str, Any], level: int) -> Iterator[str]:
    if not values:
        yield "{}"
        return
    pad = "  " * (level + 1)
    yield "{\n"
    for index, (key, value) in enumerate(values.items()):
        if index:
            yield ",\n"
        yield f"{pad}{json.dumps(key)}: "
        if isinstance(value, RowStream):
            yield from _lines(value, level + 1)
        else:
            yield _dumps(value, level + 1)
    yield "\n" + "  " * level + "}"


def _lines(items: Iterable[Any], level: int) -> Iterator[str]:
    """A JSON array with one compact item per line, produced in chunks as the items come."""
    pad = "  " * (level + 1)
    encode = _ROW_ENCODER.encode
    batch: list[str] = []
    first = True
    yield "["
    for item in items:
        batch.append(f"{'' if first else ','}\n{pad}{encode(item)}")
        first = False
        if len(batch) >= _ROWS_PER_CHUNK:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch) + ("]" if first else "\n" + "  " * level + "]")
