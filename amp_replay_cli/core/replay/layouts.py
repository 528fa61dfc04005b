"""Reading a recording in every layout people keep it (spec/rrweb/FORMAT.md), one item at a time.

Layouts: a JSON array of events; `{"events": [...]}` with optional `device_id`/`session_id`;
NDJSON; the SDK's own track body `{"version": 1, "events": ["<JSON>", ...]}`. Any of them
gzip-compressed, in UTF-8 (BOM or not) or UTF-16/32 with a BOM. `LayoutReader` yields the
items; `EventUnwrapper` makes an event of each: an object as it is, the SDK's JSON string of
one, or an rrweb-packer "v1" string (what SDK 1.13.6 sends).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from amp_replay_cli.core.documents.json_parser import json_error_reason
from amp_replay_cli.core.documents.limits import RECORDING_ITEM, ItemLimit, LimitExceeded
from amp_replay_cli.core.documents.sources import NotText, Source
from amp_replay_cli.core.documents.streams import (
    ARRAY_START,
    STRICT_DECODER,
    NestingError,
    TextStream,
    iter_lines,
    json_scanner,
    open_text,
    peek_text,
    reject_json_constant,
)
from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.replay.problems import ItemProblem, Rejected, json_kind
from amp_replay_cli.core.replay.rrweb import PackedEventError, PackedEventTooLarge, unpack
from amp_replay_cli.core.wire import MAX_SESSION_ID, parse_session_id

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
_FIRST_KEY = re.compile(r'\s*\{\s*"((?:[^"\\]|\\.)*)"')
_EVENT_KEYS = frozenset({"type", "timestamp", "data", "delay"})
_DEVICE_KEYS = ("device_id", "deviceId")
_SESSION_KEYS = ("session_id", "sessionId")
_LONGEST_EXACT_INTEGER = 15  # digits; longer ones may be beyond JavaScript's 2**53


class Layout(str, enum.Enum):
    ARRAY = "array"
    OBJECT = "object"
    TRACK_BODY = "track body"
    NDJSON = "ndjson"


class _NumberWatch:
    """Counts the floats and long integers a decoder meets: only an event that holds one needs
    the slower check of how JavaScript writes its numbers."""

    def __init__(self) -> None:
        self.count = 0
        self._count_when_asked = 0

    def parse_float(self, text: str) -> float:
        self.count += 1
        return float(text)

    def parse_int(self, text: str) -> int:
        if len(text) > _LONGEST_EXACT_INTEGER:
            self.count += 1
        return int(text)

    def any_since_asked(self) -> bool:
        seen = self.count != self._count_when_asked
        self._count_when_asked = self.count
        return seen


class LayoutReader:
    """The items of one recording file, and what its layout tells about it on the way: the
    layout itself, compression, encoding, and the ids an `{"events": [...]}` object carries."""

    def __init__(self, source: Source, limit: ItemLimit = RECORDING_ITEM):
        self.source = source
        self.limit = limit
        self.layout: Layout | None = None
        self.compressed = False
        self.encoding = "utf-8"
        self.device_id: str | None = None
        self.session_id: int | None = None
        self._numbers = _NumberWatch()
        self._decoder = json.JSONDecoder(
            parse_constant=reject_json_constant,
            parse_float=self._numbers.parse_float,
            parse_int=self._numbers.parse_int,
        )
        self._scanner_line: Callable[[], int] | None = None
        self._item_line: int | None = None

    def line(self) -> int | None:
        """Where the current item begins; in an array the scanner works it out only when asked."""
        if self._scanner_line is not None:
            return self._scanner_line()
        return self._item_line

    def unusual_numbers(self) -> bool:
        """Whether a float or a long integer was read since the last question: asked once an
        item, whether the current item holds one."""
        return self._numbers.any_since_asked()

    def items(self) -> Iterator[Any]:
        """Every item, in order; `Rejected` when the file cannot be read on."""
        try:
            with open_text(self.source, limit=self.limit) as stream:
                yield from self._items_of(stream)
        except (LimitExceeded, NotText):
            raise  # not a broken recording: a bigger one than this run holds, or no text (exit 2)
        except NestingError as error:
            location = error.location
            raise Rejected(
                "AR610",
                f"nested too deeply to read ({error.message})",
                location.line if location else None,
                location.column if location else None,
            ) from None
        except InputError as error:
            location = error.location
            raise Rejected(
                "AR601",
                error.message.replace("JSON syntax error", "invalid JSON"),
                location.line if location else None,
                location.column if location else None,
                error.hint,
            ) from None

    def _items_of(self, stream: TextStream) -> Iterator[Any]:
        name = self.source.name
        self.encoding = getattr(stream, "encoding", "utf-8")
        opening = _opening_bytes(self.source)
        self.compressed = opening.startswith(GZIP_MAGIC)
        text, stream = peek_text(stream, name, self.limit)
        self.layout = sniff(text)
        if self.layout is Layout.NDJSON:
            yield from self._ndjson_items(iter_lines(stream, name, self.limit))
            return
        scanner = json_scanner(stream, name, self._byte_origin(opening), self._decoder, self.limit)
        if self.layout is Layout.ARRAY:
            self._scanner_line = scanner.item_line
            yield from scanner.top_level_array_values()
        else:
            yield from self._object_items(scanner.top_level_object(frozenset({"events"})))

    def _byte_origin(self, opening: bytes) -> int | None:
        """Where the text starts in the file, for byte offsets in errors: plain UTF-8 files only."""
        if self.compressed or not self.encoding.startswith("utf-8"):
            return None
        return len(UTF8_BOM) if opening.startswith(UTF8_BOM) else 0

    def _ndjson_items(self, lines: Iterator[tuple[int, str]]) -> Iterator[Any]:
        decode = self._decoder.decode
        for line, text in lines:
            if not text.strip():
                continue
            self._item_line = line
            try:
                value = decode(text)
            except json.JSONDecodeError as error:
                raise Rejected(
                    "AR601",
                    f"invalid JSON on this line: {json_error_reason(error.msg)}",
                    line,
                    error.colno,
                ) from None
            except ValueError as error:
                raise Rejected("AR601", f"invalid JSON on this line: {error}", line) from None
            except RecursionError:
                raise Rejected("AR610", "nested too deeply to read", line) from None
            yield value

    def _object_items(self, members: Iterator[tuple[str, int, Any]]) -> Iterator[Any]:
        """The items of its `"events"` array; the ids and the track body's version beside it."""
        found = False
        for key, line, value in members:
            if key == "events":
                if value is ARRAY_START:
                    found = True
                    continue
                if not found:
                    raise Rejected(
                        "AR603",
                        f'"events" is a JSON {json_kind(value)}, not an array of rrweb events',
                        line,
                    )
                self._item_line = line
                yield value
            elif key == "version":
                self.layout = Layout.TRACK_BODY
            elif key in _DEVICE_KEYS:
                self.device_id = _device_id(key, value, line)
            elif key in _SESSION_KEYS:
                self.session_id = _session_id(key, value, line)
        if not found:
            raise Rejected(
                "AR603",
                'not rrweb events: a JSON object without an "events" array',
                hint='expected [...], {"events": [...]}, NDJSON or the SDK\'s track body',
            )


class EventUnwrapper:
    """An event of each item: an object as it is, the SDK's JSON string of an event parsed, an
    rrweb-packer string unpacked (and counted)."""

    def __init__(self, limit: ItemLimit = RECORDING_ITEM) -> None:
        self.packed = 0
        self.limit = limit

    def event_of(self, item: Any) -> dict[str, Any] | ItemProblem:
        if isinstance(item, dict):
            return item
        if isinstance(item, str):
            return self._event_of_string(item)
        return ItemProblem(
            "AR603", "not rrweb events: a JSON {value}, not an event object", json_kind(item)
        )

    def _event_of_string(self, text: str, may_be_json: bool = True) -> dict[str, Any] | ItemProblem:
        """The SDK's JSON string of an event, a JSON string of a packed event (SDK 1.13.6 sends
        `JSON.stringify(pack(event))`), or a packed event."""
        if may_be_json and text.lstrip()[:1] in ("{", '"'):
            try:
                value = STRICT_DECODER.decode(text)  # JSON.parse refuses NaN and Infinity too
            except ValueError:
                value = None
            if isinstance(value, dict):
                return value
            if isinstance(value, str):
                return self._event_of_string(value, may_be_json=False)
        try:
            event = unpack(text, self.limit.max_chars)
        except PackedEventTooLarge:
            raise  # the reader says where, and how to raise the limit
        except PackedEventError as error:
            return ItemProblem(
                "AR603",
                'a string that is neither an event\'s JSON nor an rrweb-packer "v1" event '
                "({value})",
                str(error),
            )
        self.packed += 1
        return event


def sniff(text: str) -> Layout:
    """The layout the opening text shows; an object may still turn out to be a track body."""
    start = text.lstrip()[:1]
    if not start:
        raise Rejected("AR602", "no events in file: it is empty")
    if start == "[":
        return Layout.ARRAY
    if start == '"' or (start == "{" and _first_key(text) in _EVENT_KEYS):
        return Layout.NDJSON
    if start == "{":
        return Layout.OBJECT
    if _is_json_scalar(text):
        raise Rejected("AR603", f"not rrweb events: the file holds {_opening(text)}")
    raise Rejected(
        "AR601",
        f"not JSON (starts with {_opening(text)})",
        hint="is this an error page saved under a .json name?",
    )


def _opening_bytes(source: Source) -> bytes:
    """The file's first bytes, before decompression and decoding: its gzip magic or BOM."""
    assert source.path is not None, "recordings are read from files (stdin is spooled first)"
    with source.path.open("rb") as raw:
        return raw.read(len(UTF8_BOM))


def _device_id(key: str, value: Any, line: int) -> str:
    if not isinstance(value, str) or not value:
        raise Rejected("AR603", f'"{key}" must be a non-empty string', line)
    return value


def _session_id(key: str, value: Any, line: int) -> int:
    """A positive integer within 64 bits, also when written as a string of digits."""
    number = parse_session_id(value) if isinstance(value, str) else value
    if type(number) is not int or not 0 < number <= MAX_SESSION_ID:
        raise Rejected(
            "AR603",
            f'"{key}" must be a positive integer (epoch milliseconds), not '
            f"{json.dumps(value)[:40]}",
            line,
        )
    return number


def _is_json_scalar(text: str) -> bool:
    try:
        STRICT_DECODER.raw_decode(text.lstrip())
    except ValueError:
        return False
    return True


def _first_key(text: str) -> str | None:
    found = _FIRST_KEY.match(text)
    return found.group(1) if found else None


def _opening(text: str) -> str:
    first_line = text.lstrip().split("\n", 1)[0].strip()
    return first_line[:40] + ("…" if len(first_line) > 40 else "")
