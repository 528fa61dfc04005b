"""Segment events from the files teams have: NDJSON (S3 archives), JSON arrays, `{"batch": […]}`,
gzip.

Events stream one at a time. A line or item that is not an event is reported through
`on_problem(line, message)` and skipped, so one bad line never hides the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from typing import Any, BinaryIO

from amp_replay_cli.core import fastjson
from amp_replay_cli.core.documents.json_parser import json_error_reason
from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.documents.streams import (
    TextStream,
    first_character,
    iter_json_array,
    iter_lines,
    open_text,
    whole_document,
)
from amp_replay_cli.core.errors import InputError, Location

ACTIONS_AMPLITUDE = "Actions Amplitude"
# What a directory or a glob yields to diagnose: Segment's archives and the usual log names.
EVENT_SUFFIXES = (".ndjson", ".jsonl", ".json", ".gz", ".log", ".txt")
_WRAPPER_KEYS = ("batch", "events", "data")
# A Segment call: one of Segment's six types, with at least one of the keys every call carries.
SEGMENT_TYPES = frozenset({"track", "page", "identify", "screen", "group", "alias"})
SEGMENT_KEYS = frozenset(
    {"messageId", "anonymousId", "userId", "timestamp", "originalTimestamp", "context"}
)

ProblemHandler = Callable[[int, str], None]


def read_events(
    source: Source,
    on_problem: ProblemHandler,
    stdin: BinaryIO | None = None,
    limit: ItemLimit = LOG_LINE,
) -> Iterator[tuple[int, dict]]:
    """(line number, event) for every Segment event of an input."""
    for line, item in items(source, on_problem, stdin, limit):
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


def is_segment_event(item: Any) -> bool:
    kind = item.get("type") if type(item) is dict else None
    return type(kind) is str and kind in SEGMENT_TYPES and not SEGMENT_KEYS.isdisjoint(item)


def not_segment_events(
    source: Source, stdin: BinaryIO | None = None, limit: ItemLimit = LOG_LINE
) -> str | None:
    """None when some item of the input is a Segment event; else what the input looks like.

    Reading stops at the first Segment event, so a Segment log costs one line here. Lines that
    are not JSON are left to read_events, which reports them.
    """
    first: Any = _NOTHING
    # closing(): the file is closed on an early return
    with closing(items(source, _ignore, stdin, limit)) as found:
        for _, item in found:
            if is_segment_event(item):
                return None
            if first is _NOTHING:
                first = item
    return looks_like(first)


class NotSegmentEvents(InputError):
    """A file named on the command line must be Segment events: diagnosing an rrweb recording
    as "0 sessions" would be a false green."""

    def __init__(self, source: Source, reason: str):
        super().__init__(
            reason,
            location=Location(source.name),
            hint='diagnose reads Segment event logs (NDJSON, JSON arrays, {"batch": [...]})',
        )
        self.reason = reason


def looks_like(item: Any) -> str:
    """What an input whose first item is `item` probably is, for the error that refuses it."""
    if item is _NOTHING:
        return "has no JSON items, so no Segment events"
    if type(item) is str:
        return "holds strings, as a packed or serialized rrweb recording does, not Segment events"
    if type(item) is not dict:
        return f"holds a JSON {type(item).__name__}, not Segment events"
    if type(item.get("type")) is int and "timestamp" in item and "data" in item:
        return "looks like an rrweb recording, not Segment events"
    if "sessionReplayOptions" in item or "sampleRate" in item:
        return "looks like a Session Replay options file, not Segment events"
    if "session_replays" in item or "replay_id" in item:
        return "looks like a Session Replay list (for --replays), not Segment events"
    if "event_type" in item and "device_id" in item:
        return "looks like an Amplitude export (for --amplitude-export), not Segment events"
    if "segment_destination" in item:
        return "looks like a set-up description (for --config), not Segment events"
    if any(type(value) is dict and "findings" in value for value in item.values()):
        return "looks like an expected-findings file, not Segment events"
    return "holds JSON, but no item has a Segment type and messageId, anonymousId, userId, ..."


_NOTHING = object()


def _ignore(line: int, message: str) -> None:
    """Looking at an input: its malformed lines are reported when it is read."""


def items(
    source: Source, on_problem: ProblemHandler, stdin: BinaryIO | None, limit: ItemLimit
) -> Generator[tuple[int, Any], None, None]:
    """(line number, JSON item) of an input in any layout, wrappers unwrapped; lines that are
    not JSON go to `on_problem`."""
    with open_text(source, stdin, limit) as stream:
        first, stream = first_character(stream, source.name, limit)
        if first == "[":
            yield from iter_json_array(stream, source.name, limit=limit)
        else:
            yield from _ndjson_or_wrapped(stream, source.name, on_problem, limit)


def _ndjson_or_wrapped(
    stream: TextStream, name: str, on_problem: ProblemHandler, limit: ItemLimit
) -> Iterator[tuple[int, Any]]:
    lines = iter_lines(stream, name, limit)
    for line, text in lines:
        if not text.strip():
            continue
        try:
            item = fastjson.loads(text)
        except json.JSONDecodeError as error:
            if line == 1 and text.lstrip().startswith("{"):
                # one pretty-printed object, not NDJSON
                yield from _wrapped(whole_document((line, text), lines, name, limit))
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


def _wrapped(document: Any) -> Iterator[tuple[int, Any]]:
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
