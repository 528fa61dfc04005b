"""The stable JSON envelope (schema_version 1, described by amp_replay_cli/schemas/output-v1.json).

Written as a stream: result rows of a RowStream go out as they are made, and the keys that depend
on every row (status, summary, findings) follow them. Lists of objects (rows, sessions, findings)
hold one compact object per line, which the C encoder writes fast and `grep` reads well. The rows
of a ColumnStream come out byte for byte alike, a slice at a time: each column encoded by one C
call, the row's keys laid in between by list slicing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, count
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from math import isfinite
from typing import Any

from amp_replay_cli import __version__
from amp_replay_cli.core.findings import ColumnStream, Finding, Report, RowStream, Severity
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.escape import json_text

SCHEMA_VERSION = 1
_ROWS_PER_CHUNK = 1000
# One encoder for every row: json.dumps() with options builds a new one per call.
_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
# The same C encoder for a column of scalars, one call for the whole column: items come out
# exactly as in a row, separated by a NUL, which JSON text never holds raw (it writes \u0000).
_COLUMN_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=("\0", ": "))
# JSONEncoder.encode sets up a new C encoder for every value, which costs about as much as
# encoding a small row. This is the C encoder _ROW_ENCODER.encode sets up, made once; without
# the check for cycles, which only changes the error a cyclic value gets (report values are
# trees of parsed JSON and literals). Where Python has no C encoder, _ROW_ENCODER itself.
_ONE_VALUE = (
    c_make_encoder(
        None,
        _ROW_ENCODER.default,
        encode_basestring,
        _ROW_ENCODER.indent,
        _ROW_ENCODER.key_separator,
        _ROW_ENCODER.item_separator,
        _ROW_ENCODER.sort_keys,
        _ROW_ENCODER.skipkeys,
        _ROW_ENCODER.allow_nan,
    )
    if c_make_encoder is not None
    else None
)
# At most this many texts of the findings are kept escaped for the findings that repeat them.
_MAX_KEPT_TEXTS = 10_000
_SEVERITY_TEXTS = {severity: encode_basestring(severity.value) for severity in Severity}


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
    yield from _finding_lines(report.sorted_findings(), level=1)
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
        if isinstance(value, ColumnStream):
            yield from _column_lines(value, level + 1)
        elif isinstance(value, RowStream):
            yield from _lines(value, level + 1)
        else:
            yield _dumps(value, level + 1)
    yield "\n" + "  " * level + "}"


def _encode(value: Any) -> str:
    """`value` as _ROW_ENCODER.encode writes it."""
    if _ONE_VALUE is None:
        return _ROW_ENCODER.encode(value)
    return "".join(_ONE_VALUE(value, 0))


def _lines(items: Iterable[Any], level: int) -> Iterator[str]:
    """A JSON array with one compact item per line, produced in chunks as the items come."""
    pad = "  " * (level + 1)
    encode = _encode
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


def _finding_lines(findings: list[Finding], level: int) -> Iterator[str]:
    """What `_lines` writes for the findings' to_dict(), without building the dicts: a big
    log's findings repeat a few codes, messages, files and hints, each escaped once."""
    pad = "  " * (level + 1)
    kept: dict[str, str] = {}
    encode = _encode

    def text(value: str | None) -> str:
        if value is None:
            return "null"
        if value.__class__ is not str:
            return encode(value)
        known = kept.get(value)
        if known is None:
            if len(kept) >= _MAX_KEPT_TEXTS:
                kept.clear()
            known = kept[value] = encode_basestring(value)
        return known

    def number(value: int | None) -> str:
        if value is None:
            return "null"
        return int.__repr__(value) if value.__class__ is int else encode(value)

    batch: list[str] = []
    separator = "\n" + pad
    yield "["
    for finding in findings:
        batch.append(
            f'{separator}{{"code": {text(finding.code)}, '
            f'"severity": {_SEVERITY_TEXTS[finding.severity]}, '
            f'"message": {text(finding.message)}, "file": {text(finding.file)}, '
            f'"line": {number(finding.line)}, "column": {number(finding.column)}, '
            f'"path": {text(finding.path)}, "hint": {text(finding.hint)}, '
            f'"evidence": {encode(finding.evidence)}}}'
        )
        separator = ",\n" + pad
        if len(batch) >= _ROWS_PER_CHUNK:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch) + ("\n" + "  " * level + "]" if findings else "]")


def _column_lines(stream: ColumnStream, level: int) -> Iterator[str]:
    """What `_lines` writes for the stream's rows, a slice at a time.

    Each column of a slice is encoded by one encoder call; a template of the row's fixed text
    (the keys and separators) is interleaved with the encoded values by list slicing, and the
    slice is joined once.
    """
    pad = "  " * (level + 1)
    keys = [f", {json.dumps(name)}: " for name in stream.columns]
    keys[0] = f"}},\n{pad}{{{json.dumps(stream.columns[0])}: "  # the row before ends here
    stride = 2 * len(keys)
    first = True
    yield "["
    for piece in stream.slices():
        size = len(piece)
        if not size:
            continue
        parts = [""] * (stride * size)
        for index, (key, values) in enumerate(zip(keys, piece.columns(), strict=True)):
            parts[2 * index :: stride] = [key] * size
            parts[2 * index + 1 :: stride] = _column_texts(values)
        if first:
            parts[0] = parts[0][2:]  # no row before the first: no "}," either
            first = False
        yield "".join(parts)
    yield "]" if first else "}\n" + "  " * level + "]"


def _column_texts(values: Sequence[Any]) -> list[str]:
    """Each value as `_ROW_ENCODER` writes it inside a row, a column at a time in C."""
    import msgspec  # on use: the other commands' JSON would pay 5 ms of start-up for it

    kinds = set(map(type, values))
    if kinds == {int}:  # decimal digits: one way to write them
        return msgspec.json.encode(values)[1:-1].decode().split(",")
    if kinds == {str}:  # the very function the encoder escapes strings with
        return list(map(encode_basestring, values))
    if kinds == {bool}:
        return list(map(_BOOLEANS.__getitem__, values))
    if kinds == {float} and all(map(isfinite, values)):
        return _float_texts(values)
    texts = _COLUMN_ENCODER.encode(list(values))[1:-1].split("\0")
    if len(texts) == len(values):
        return texts
    # Values with two or more members (arrays, objects) had NULs inside too: each is encoded
    # alone. Any other value, an empty or one-member array or object included, is written
    # alike by both encoders.
    return [_ROW_ENCODER.encode(value) for value in values]


_BOOLEANS = {False: "false", True: "true"}
# From 1e-4 up to 1e16 (exclusive) Python's repr writes a float in positional notation, and so
# does msgspec, both with the shortest digits that read back as the same float (pinned by
# tests/test_simulate_fast.py, for every min_rate among them). Outside, repr writes 1e-05 and
# 1e+16 where msgspec writes 0.00001 and 1e16.
_POSITIONAL = (1e-4, 1e16)


def _float_texts(values: Sequence[float]) -> list[str]:
    import msgspec  # on use, as in _column_texts

    low, high = _POSITIONAL
    magnitudes = values if min(values) >= 0 else list(map(abs, values))
    if max(magnitudes) >= high:
        return list(map(float.__repr__, values))
    texts = msgspec.json.encode(values)[1:-1].decode().split(",")
    if min(magnitudes) < low:
        for index in compress(count(), map(low.__gt__, magnitudes)):
            texts[index] = float.__repr__(values[index])
    return texts
