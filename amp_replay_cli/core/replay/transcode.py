"""The fast path of `inspect`: a recording read and re-serialised in C, with the same bytes out.

A plain JSON array or NDJSON file of events, in UTF-8 and gzip-compressed or not, is cut into
items in C (msgspec finds where each item ends), each item is decoded by msgspec, and the event
is written again by msgspec. msgspec's dicts keep what JSON.parse keeps (the last value of a
duplicate key, in the first key's place) and its writer escapes strings as JSON.stringify does
(`\\"`, `\\\\`, `\\b \\f \\n \\r \\t`, `\\u00xx` in lower case for other control characters,
everything else as it is). What is left is numbers: where msgspec writes one differently from
JavaScript (`1.0`, `1e-7`, `1e16`, integers beyond 2**53), the screen sends the event down the
exact path, which serialises it the way `track.event_string` always has.

Anything else this path does not know (another layout or encoding, an item msgspec refuses, an
item with a problem) ends it with `NeedsExactReader`, and the file is read the exact way from
its start: the exact reader is the one that words findings, with their lines.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

import msgspec

from amp_replay_cli.core.documents.limits import ItemLimit
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.replay.layouts import GZIP_MAGIC, UTF8_BOM, Layout, sniff
from amp_replay_cli.core.replay.problems import Rejected

FAST_ENCODING = "utf-8-sig"  # what the exact reader reports for UTF-8, with a BOM or not
_CHUNK = 1 << 20
_BLANK = b" \t\r\n"
# Reading a broken gzip file: errors the exact reader words.
_READ_ERRORS = (OSError, EOFError, zlib.error)
_BLANKS = re.compile(rb"[ \t\r\n]*")
_encode = msgspec.json.Encoder().encode
_skip = msgspec.json.Decoder(msgspec.Raw).decode
# msgspec names where the text goes on after the first value: the item's end.
_TRAILING = re.compile(r"trailing characters \(byte ([0-9]+)\)")


def _character_classes() -> bytes:
    """A `bytes.translate` table that keeps only what numbers are made of: every digit becomes
    0, e and E become e, + and - become -, the point stays, and what ends a number in compact
    JSON (`,` `]` `}`) becomes `,`; everything else becomes a space."""
    table = bytearray(b" " * 256)
    for digit in b"0123456789":
        table[digit] = ord("0")
    for exponent in b"eE":
        table[exponent] = ord("e")
    for sign in b"+-":
        table[sign] = ord("-")
    table[ord(".")] = ord(".")
    for end in b",]}":
        table[end] = ord(",")
    return bytes(table)


_CLASSES = _character_classes()
_INTEGRAL = (b".0,", b".0]", b".0}")  # 1.0, as msgspec writes an integral float
# Exponents as msgspec writes them, classed: 1e16, 1e-7, 5e-324.
_EXPONENTS = tuple(
    b"0e" + sign + b"0" * digits + b"," for sign in (b"", b"-") for digits in (1, 2, 3)
)


def _unlike_javascript(text: bytes, floats: bool) -> bool:
    """Whether msgspec may have written a number in `text` otherwise than JavaScript does: 16
    digits in a row (an integer beyond 2**53, which JavaScript rounds; the digits of a 17-digit
    double); and where the event holds floats, an exponent (JavaScript writes 1e16 as
    10000000000000000 and 1e-6 as 0.000001), an integral float (1.0: JavaScript writes 1), a
    plain number below 1e-6. Integers msgspec writes as JavaScript does.

    Looked for in C over the text with its characters classed (a few substring searches, where
    one regular expression over the text runs ten times slower); inside a string the same
    characters only send the event down the exact path.
    """
    classes = text.translate(_CLASSES)
    if b"0" * 16 in classes:
        return True
    return floats and (
        any(integral in text for integral in _INTEGRAL)
        or any(exponent in classes for exponent in _EXPONENTS)
        or b"0.000000" in text
    )


REFUSED = object()  # an item msgspec does not read


class FloatCount:
    """msgspec's float hook: floats read as Python's json reads them (`float(text)`), and
    counted, so that only an event that holds one is searched for how floats are written."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, text: str) -> float:
        self.count += 1
        return float(text)


class NeedsExactReader(Exception):
    """The fast path cannot read this file as the exact reader would: read it the exact way."""


class FastReader:
    """The items of a plain UTF-8 JSON array or NDJSON recording, each as its bytes."""

    def __init__(self, source: Source, limit: ItemLimit):
        self.source = source
        self.limit = limit
        self.layout: Layout | None = None
        self.compressed = False

    def items(self) -> Iterator[bytes]:
        assert self.source.path is not None, "recordings are read from files (stdin is spooled)"
        try:
            raw = self.source.path.open("rb")
        except OSError:
            raise NeedsExactReader from None  # the exact reader words the error
        with raw:
            self.compressed = raw.peek(2)[:2] == GZIP_MAGIC
            if self.compressed:
                with gzip.GzipFile(fileobj=raw) as inflated:
                    yield from self._items_of(inflated)  # type: ignore[arg-type]
            else:
                yield from self._items_of(raw)

    def _items_of(self, stream: BinaryIO) -> Iterator[bytes]:
        try:
            opening = stream.read(_CHUNK)
        except _READ_ERRORS:  # the exact reader words them
            raise NeedsExactReader from None
        opening = opening.removeprefix(UTF8_BOM)
        if b"\x00" in opening[:4] or opening.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise NeedsExactReader  # UTF-16 or UTF-32
        try:
            self.layout = sniff(opening[:4096].decode("utf-8", "ignore"))
        except Rejected:
            raise NeedsExactReader from None
        if self.layout is Layout.ARRAY:
            yield from _ArrayScanner(stream, opening, self.limit.max_chars).items()
        elif self.layout is Layout.NDJSON:
            yield from _ndjson_items(stream, opening, self.limit.max_chars)
        else:
            raise NeedsExactReader


class _ArrayScanner:
    """The items of a top-level JSON array, read a chunk at a time."""

    def __init__(self, stream: BinaryIO, opening: bytes, max_bytes: int):
        self.stream = stream
        self.buffer = opening
        self.position = 0
        self.max_bytes = max_bytes
        self.eof = False

    def items(self) -> Iterator[bytes]:
        if self._next_character() != b"[":
            raise NeedsExactReader
        self.position += 1
        if self._next_character() == b"]":
            self.position += 1
        else:
            while True:
                yield self._item()
                separator = self._next_character()
                self.position += 1
                if separator == b"]":
                    break
                if separator != b",":
                    raise NeedsExactReader
        if self._next_character():
            raise NeedsExactReader  # extra data after the array

    def _item(self) -> bytes:
        """The item at the position, up to where it ends; the position moves past it."""
        self._next_character()
        while True:
            try:
                _skip(memoryview(self.buffer)[self.position :])
            except msgspec.DecodeError as error:
                ends = _TRAILING.fullmatch(str(error).removeprefix("JSON is malformed: "))
                if ends is not None:
                    after = self.position + int(ends.group(1)) - 1
                    break
                if str(error) != "Input data was truncated" or not self._fill():
                    raise NeedsExactReader from None
            except RecursionError:  # nested deeper than msgspec goes
                raise NeedsExactReader from None
            else:
                if self._fill():
                    continue  # a number may go on in the next chunk
                after = len(self.buffer)  # the item ends where the file does
                break
        if after - self.position > self.max_bytes:
            raise NeedsExactReader  # the exact reader says it is longer than the limit
        item = self.buffer[self.position : after]
        self.position = after
        return item

    def _next_character(self) -> bytes:
        """The next character that is not blank, reading on as needed; empty at the end."""
        while True:
            blank = _BLANKS.match(self.buffer, self.position)
            assert blank is not None  # `[ \t\r\n]*` matches, if only the empty string
            self.position = blank.end()
            if self.position < len(self.buffer) or not self._fill():
                return self.buffer[self.position : self.position + 1]

    def _fill(self) -> bool:
        """Drop what was read, append the next chunk; False at the end or past the limit."""
        if self.eof or len(self.buffer) - self.position > self.max_bytes:
            return False
        try:
            chunk = self.stream.read(max(_CHUNK, len(self.buffer) - self.position))
        except _READ_ERRORS:
            raise NeedsExactReader from None
        self.eof = not chunk
        self.buffer = self.buffer[self.position :] + chunk
        self.position = 0
        return not self.eof


def _ndjson_items(stream: BinaryIO, opening: bytes, max_bytes: int) -> Iterator[bytes]:
    pending = opening
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except _READ_ERRORS:
            raise NeedsExactReader from None
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop() if chunk else b""
        for line in lines:
            if len(line) > max_bytes:
                raise NeedsExactReader
            if line.strip(_BLANK):
                yield line
        if len(pending) > max_bytes:
            raise NeedsExactReader
        if not chunk:
            return


class ItemDecoder:
    """Items as msgspec reads them, and whether the last held a float."""

    def __init__(self) -> None:
        self._floats = FloatCount()
        self._decode = msgspec.json.Decoder(float_hook=self._floats).decode

    def decoded(self, item: bytes) -> tuple[Any, bool]:
        """The item, and whether it holds a float; REFUSED when msgspec refuses it (deep
        nesting, a lone surrogate, bytes that are not UTF-8)."""
        before = self._floats.count
        try:
            return self._decode(item), self._floats.count != before
        except (msgspec.DecodeError, RecursionError):
            return REFUSED, False


def fast_literal(event: dict[str, Any], floats: bool) -> tuple[bytes, int] | None:
    """`JSON.stringify({type, timestamp, delay?, data})` as the JSON string literal the body
    holds, and the string's UTF-8 size; None when a number in it needs the exact path."""
    shaped = {"type": event["type"], "timestamp": event["timestamp"]}
    if "delay" in event:
        shaped["delay"] = event["delay"]
    shaped["data"] = event["data"]
    text = _encode(shaped)  # integers of any size; infinity (1e400) as null, as JavaScript
    if _unlike_javascript(text, floats):
        return None
    escaped = text.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
    return b"".join((b'"', escaped, b'"')), len(text)  # one copy, where + makes two
