"""Segment events from the files teams have: NDJSON (S3 archives), JSON arrays, `{"batch": […]}`,
gzip.

Events stream one at a time. A line or item that is not an event is reported through
`on_problem(line, message)` and skipped, so one bad line never hides the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from amp_replay_cli.core import fastjson
from amp_replay_cli.core.documents.json_parser import json_error_reason
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.documents.streams import (
    TextStream,
    first_character,
    iter_json_array,
    iter_lines,
    open_text,
)
from amp_replay_cli.core.errors import InputError, Location

ACTIONS_AMPLITUDE = "Actions Amplitude"
_WRAPPER_KEYS = ("batch", "events", "data")

ProblemHandler = Callable[[int, str], None]


def read_events(
    source: Source, on_problem: ProblemHandler, stdin: BinaryIO | None = None
) -> Iterator[tuple[int, dict]]:
    """(line number, event) for every Segment event of an input."""
    with open_text(source, stdin) as stream:
        first, stream = first_character(stream, source.name)
        if first == "[":
            items = iter_json_array(stream, source.name)
        else:
            items = _ndjson_or_wrapped(stream, source.name, on_problem)
        for line, item in items:
            if not isinstance(item, dict):
                on_problem(line, f"not a Segment event (a JSON {type(item).__name__}); skipped")
                continue
            problem = _id_problem(item)
            if problem is None:
                yield line, item
            else:
                on_problem(line, problem)


_ID_FIELDS = ("anonymousId", "userId", "messageId")


def _id_problem(event: dict) -> str | None:
    """An id that is a JSON object or list: no rule can read it, and Segment refuses it."""
    context = event.get("context")
    device = context.get("device") if isinstance(context, dict) else None
    fields = [(name, event.get(name)) for name in _ID_FIELDS]
    if isinstance(device, dict):
        fields.append(("context.device.id", device.get("id")))
    for name, value in fields:
        if isinstance(value, (dict, list)):
            kind = "object" if isinstance(value, dict) else "array"
            return f"{name} is a JSON {kind}, not an id; skipped"
    return None


def _ndjson_or_wrapped(
    stream: TextStream, name: str, on_problem: ProblemHandler
) -> Iterator[tuple[int, Any]]:
    lines = iter_lines(stream, name)
    for line, text in lines:
        if not text.strip():
            continue
        try:
            item = fastjson.loads(text)
        except json.JSONDecodeError as error:
            if line == 1 and text.lstrip().startswith("{"):
                yield from _wrapped(text, lines, name)  # one pretty-printed object, not NDJSON
                return
            on_problem(
                line, f"not JSON ({json_error_reason(error.msg)} at column {error.colno}); skipped"
            )
            continue
        wrapper = _wrapper_key(item) if type(item) is dict and "type" not in item else None
        if wrapper is not None:
            yield from ((line, event) for event in item[wrapper])
        else:
            yield line, item


def _wrapped(
    first_line: str, rest: Iterator[tuple[int, str]], name: str
) -> Iterator[tuple[int, Any]]:
    text = "\n".join([first_line, *(line_text for _, line_text in rest)])
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"JSON syntax error: {json_error_reason(error.msg)}",
            location=Location(name, error.lineno, error.colno),
        ) from None
    key = _wrapper_key(document) if isinstance(document, dict) else None
    if key is None:
        yield 1, document
        return
    for event in document[key]:
        yield 1, event


def _wrapper_key(document: dict) -> str | None:
    return next((key for key in _WRAPPER_KEYS if isinstance(document.get(key), list)), None)


def session_id_of(event: dict) -> Any:
    """`integrations["Actions Amplitude"].session_id` as the browser put it there, or None."""
    integrations = event.get("integrations")
    if not isinstance(integrations, dict):
        return None
    actions = integrations.get(ACTIONS_AMPLITUDE)
    return actions.get("session_id") if isinstance(actions, dict) else None
