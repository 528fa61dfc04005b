"""Reading large inputs as streams: gzip or not, stdin or file, lines or the items of a JSON array.

Nothing here holds a whole file: memory stays proportional to the longest line or value, and
that is bounded by the reader's `ItemLimit`: past it the input is refused, not read to its end.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

from amp_replay_cli.core import fastjson
from amp_replay_cli.core.documents.json_parser import json_error_reason
from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.sources import (
    NUL_SNIFF_BYTES,
    Source,
    binary_input,
    open_binary,
    read_error,
)
from amp_replay_cli.core.errors import InputError, Location

_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"


class TextStream(Protocol):
    """All the readers here need of a text stream."""

    def read(self, size: int, /) -> str: ...


class _PeekableBinary(Protocol):
    """A binary stream that shows its next bytes without consuming them, as io.BufferedReader
    does; the other members are those TextIOWrapper and GzipFile use of the stream they wrap."""

    def peek(self, size: int = 0, /) -> bytes: ...
    def read(self, size: int = -1, /) -> bytes: ...
    @property
    def name(self) -> Any: ...
    @property
    def closed(self) -> bool: ...
    def readable(self) -> bool: ...
    def writable(self) -> bool: ...
    def seekable(self) -> bool: ...
    def write(self, data: bytes, /) -> object: ...
    def flush(self) -> object: ...
    def truncate(self, size: int, /) -> int: ...
    def close(self) -> object: ...
    def fileno(self) -> int: ...
    def isatty(self) -> bool: ...


@contextmanager
def open_text(
    source: Source, stdin: BinaryIO | None = None, limit: ItemLimit = LOG_LINE
) -> Iterator[TextStream]:
    """The decoded text of an input;
    gzip is recognised by its magic bytes, a UTF-8 BOM is dropped.

    Devices and pipes are read as streams like any file. Running out of memory while the input
    is open (the limit set too high for this machine) is an input error naming it.
    """
    raw = open_binary(source, stdin)
    try:
        binary = _peekable(raw)
        if binary.peek(2)[:2] == _GZIP_MAGIC:
            binary = io.BufferedReader(gzip.GzipFile(fileobj=binary))
        try:
            opening = binary.peek(4)[:4]  # the first read of a gzip member checks its header
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise InputError(
                f"truncated or corrupt gzip data ({error})", location=Location(source.name)
            ) from None
        if _binary(binary.peek(NUL_SNIFF_BYTES)):
            raise binary_input(source.name)
        try:
            yield io.TextIOWrapper(
                binary, encoding=text_encoding(opening), errors="strict", newline=""
            )
        except MemoryError:
            raise limit.out_of_memory(Location(source.name)) from None
    finally:
        if source.path is not None:
            raw.close()


def readable_twice(source: Source, scratch: Path, stdin: BinaryIO | None = None) -> Source:
    """`source` itself when it is a file (or missing: opening it says so); else a copy in
    `scratch` of what stdin, a pipe or a device holds, for readers that read an input twice.

    NUL bytes at the start (/dev/zero, /dev/urandom) are refused at once instead of copied
    without end.
    """
    if source.path is not None and (source.path.is_file() or not source.path.exists()):
        return source
    handle, copy = tempfile.mkstemp(prefix="input-", dir=scratch)
    raw = open_binary(source, stdin)
    try:
        head = raw.read(_SPOOL_CHUNK)
        if head[:2] != _GZIP_MAGIC and _binary(head):
            raise binary_input(source.name)
        with open(handle, "wb") as target:
            target.write(head)
            shutil.copyfileobj(raw, target, _SPOOL_CHUNK)
    except OSError as error:
        raise read_error(error, source.name) from None
    finally:
        if source.path is not None:
            raw.close()
    return Source(source.name, Path(copy), source.scan)


_SPOOL_CHUNK = 1 << 20


def _peekable(raw: BinaryIO) -> _PeekableBinary:
    """`raw` itself when it can peek (a file, the real stdin), else `raw` behind a buffer."""
    if hasattr(raw, "peek"):
        return raw
    # Stand-ins for stdin such as io.BytesIO have the readinto() that BufferedReader reads with;
    # BinaryIO does not declare it.
    return io.BufferedReader(cast("io.RawIOBase | io.BufferedIOBase", raw))


def text_encoding(start: bytes) -> str:
    """UTF-8 (with or without a BOM) unless a byte-order mark, or the zero bytes of ASCII text
    in UTF-16 (RFC 4627 §3), say otherwise."""
    if start.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(start) == 4 and start[0] and not start[1] and start[2] and not start[3]:
        return "utf-16-le"
    if len(start) == 4 and not start[0] and start[1] and not start[2] and start[3]:
        return "utf-16-be"
    return "utf-8-sig"


def _binary(head: bytes) -> bool:
    """NUL bytes near the start that no byte-order mark or UTF-16 pattern explains."""
    return text_encoding(head[:4]) == "utf-8-sig" and b"\x00" in head[:NUL_SNIFF_BYTES]


class _Reader:
    """Reads a text stream in chunks and turns decoding and gzip failures into input errors."""

    def __init__(self, stream: TextStream, name: str, limit: ItemLimit):
        self.stream = stream
        self.name = name
        self.limit = limit
        self.line = 1

    def read(self, size: int = _CHUNK) -> str:
        try:
            return self.stream.read(size)
        except UnicodeDecodeError as error:
            raise InputError(
                f"not {error.encoding.upper().replace('-SIG', '')} text",
                location=Location(self.name, self.line),
                hint="save the file as UTF-8",
            ) from None
        except (EOFError, gzip.BadGzipFile, zlib.error):
            raise InputError(
                "truncated or corrupt gzip data", location=Location(self.name, self.line)
            ) from None


def iter_lines(
    stream: TextStream, name: str, limit: ItemLimit = LOG_LINE
) -> Iterator[tuple[int, str]]:
    """(line number, text without its line break) for every line; a line longer than `limit`
    is refused once the limit is passed."""
    reader = _Reader(stream, name, limit)
    pending: list[str] = []  # pieces of a line longer than a chunk, joined once it ends
    held = 0  # characters in pending
    while True:
        chunk = reader.read()
        if not chunk:
            break
        if "\n" not in chunk:
            pending.append(chunk)
            held += len(chunk)
            if held > limit.max_chars:
                raise limit.exceeded(f"line {reader.line} is", Location(name, reader.line))
            continue
        first, *complete, rest = chunk.split("\n")
        pending.append(first)
        for text in ("".join(pending), *complete):
            if len(text) > limit.max_chars:  # a limit below the chunk size holds here too
                raise limit.exceeded(f"line {reader.line} is", Location(name, reader.line))
            yield reader.line, text.removesuffix("\r")
            reader.line += 1
        pending = [rest] if rest else []
        held = len(rest)
    if pending:
        if held > limit.max_chars:
            raise limit.exceeded(f"line {reader.line} is", Location(name, reader.line))
        yield reader.line, "".join(pending).removesuffix("\r")


def whole_document(
    first: tuple[int, str], rest: Iterator[tuple[int, str]], name: str, limit: ItemLimit
) -> Any:
    """The one JSON document that the line `first` begins and the lines `rest` continue: a
    pretty-printed object where NDJSON was expected. Held whole, so up to `limit`."""
    line, text = first
    pieces = ["\n" * (line - 1), text]  # blank lines before it keep the line numbers right
    held = len(text)
    for _, more in rest:
        held += len(more) + 1
        if held > limit.max_chars:
            raise limit.exceeded(f"the JSON document from line {line} is", Location(name, line))
        pieces.append("\n" + more)
    try:
        return fastjson.loads("".join(pieces))
    except json.JSONDecodeError as error:
        raise InputError(
            f"JSON syntax error: {json_error_reason(error.msg)}",
            location=Location(name, error.lineno, error.colno),
        ) from None


def first_character(
    stream: TextStream, name: str, limit: ItemLimit = LOG_LINE
) -> tuple[str, TextStream]:
    """The first non-blank character, and a stream that still starts at the beginning."""
    text, stream = peek_text(stream, name, limit)
    return text.lstrip()[:1], stream


def peek_text(stream: TextStream, name: str, limit: ItemLimit = LOG_LINE) -> tuple[str, TextStream]:
    """The opening text (at least one chunk, up to the first non-blank character), and a stream
    that still starts at the beginning. Blank text past `limit` is refused."""
    reader = _Reader(stream, name, limit)
    pieces: list[str] = []
    held = 0
    while True:
        chunk = reader.read()
        pieces.append(chunk)
        held += len(chunk)
        if chunk.strip() or not chunk:
            seen = "".join(pieces)
            return seen, _Prefixed(seen, stream)
        if held > limit.max_chars:
            raise limit.exceeded("blank text", Location(name))


class _Prefixed(io.TextIOBase):
    """A text stream that replays what was already read, then continues with the rest."""

    def __init__(self, prefix: str, rest: TextStream):
        self._prefix = prefix
        self._rest = rest

    def read(self, size: int | None = -1) -> str:
        if self._prefix:
            text, self._prefix = self._prefix, ""
            return text
        return self._rest.read(size if size is not None else -1)


def reject_json_constant(name: str) -> Any:
    """For `parse_constant`: NaN and Infinity are not JSON, and JSON.parse refuses them."""
    raise ValueError(f"{name} is not valid JSON")


STRICT_DECODER = json.JSONDecoder(parse_constant=reject_json_constant)
_NUMBER_CHARACTERS = frozenset("0123456789.eE+-")
# A chunk may end inside "false" or a \\uXXXX escape: errors that close to its end may be cut.
_LONGEST_TOKEN = 6
_BLANK = re.compile(r"[ \t\r\n]*")


def iter_json_array(
    stream: TextStream, name: str, byte_origin: int | None = None, limit: ItemLimit = LOG_LINE
) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each item of a top-level JSON array, read a chunk at a time;
    an item longer than `limit` is refused once the limit is passed.

    With `byte_origin` (the bytes before the text, such as a BOM) the stream is taken to be
    UTF-8 and syntax errors also name their byte offset in the file.
    """
    return _Scanner(stream, name, byte_origin, limit=limit).top_level_array()


ARRAY_START = object()  # yielded once when a streamed array member begins


class NestingError(InputError):
    """JSON nested deeper than the parser's recursion limit."""


def json_scanner(
    stream: TextStream,
    name: str,
    byte_origin: int | None = None,
    decoder: json.JSONDecoder | None = None,
    limit: ItemLimit = LOG_LINE,
) -> _Scanner:
    """A scanner for callers that want values without line numbers (asked for with `item_line`
    only when needed, which is faster), or their own decoder."""
    return _Scanner(stream, name, byte_origin, decoder, limit)


class _Scanner:
    def __init__(
        self,
        stream: TextStream,
        name: str,
        byte_origin: int | None = None,
        decoder: json.JSONDecoder | None = None,
        limit: ItemLimit = LOG_LINE,
    ):
        self.raw_decode = (decoder or STRICT_DECODER).raw_decode
        self.item_start = 0
        self.reader = _Reader(stream, name, limit)
        self.limit = limit
        self.dropped_bytes = byte_origin  # UTF-8 bytes before the buffer, when counted
        self.name = name
        self.buffer = ""
        self.position = 0
        self.counted = 0  # newlines before this offset of the buffer are in reader.line
        self.column_base = 0  # characters of the current line already dropped from the buffer
        self.eof = False

    def fill(self, size: int = _CHUNK) -> bool:
        """Drop what was consumed, append the next `size` characters;
        False at the end of the input."""
        self.line_at(self.position)
        if self.dropped_bytes is not None:
            self.dropped_bytes += len(self.buffer[: self.position].encode("utf-8", "surrogatepass"))
        newline = self.buffer.rfind("\n", 0, self.position)
        self.column_base = (
            self.position - newline - 1 if newline >= 0 else self.column_base + self.position
        )
        self.buffer = self.buffer[self.position :]
        self.position = self.counted = 0
        chunk = "" if self.eof else self.reader.read(size)
        self.eof = self.eof or not chunk
        self.buffer += chunk
        return bool(chunk)

    def line_at(self, offset: int) -> int:
        self.reader.line += self.buffer.count("\n", self.counted, offset)
        self.counted = offset
        return self.reader.line

    def skip_blank(self) -> None:
        while True:
            blank = _BLANK.match(self.buffer, self.position)
            assert blank is not None  # `[ \t\r\n]*` matches, if only the empty string
            self.position = blank.end()
            if self.position < len(self.buffer) or not self.fill():
                return

    def fail(self, message: str, error: type[InputError] = InputError) -> InputError:
        line = self.line_at(self.position)
        newline = self.buffer.rfind("\n", 0, self.position)
        column = self.position - newline if newline >= 0 else self.column_base + self.position + 1
        if self.dropped_bytes is not None:
            offset = self.dropped_bytes + len(
                self.buffer[: self.position].encode("utf-8", "surrogatepass")
            )
            reason, parenthesis, aside = message.partition(" (")
            message = f"{reason} at byte {offset}{parenthesis}{aside}"
        return error(f"JSON syntax error: {message}", location=Location(self.name, line, column))

    def decode(self) -> tuple[Any, int]:
        while True:
            try:
                value, end = self.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as error:
                ran_out = (
                    error.msg.startswith("Unterminated string")
                    or error.pos >= len(self.buffer) - _LONGEST_TOKEN
                )
                if ran_out and not self.eof:
                    self.grow()
                    continue
                truncated = ran_out and error.pos >= len(self.buffer.rstrip())
                if truncated or error.msg.startswith("Unterminated string"):
                    self.position = len(self.buffer)
                    raise self.fail("unexpected end of file (truncated?)") from None
                self.position = error.pos
                raise self.fail(json_error_reason(error.msg)) from None
            except ValueError as error:  # NaN, Infinity
                raise self.fail(str(error)) from None
            except RecursionError:
                raise self.fail("nested too deeply", NestingError) from None
            if not self.eof and (end == len(self.buffer) or self.buffer[end] in _NUMBER_CHARACTERS):
                self.grow()  # the value may go on in the next chunk
                continue
            if end - self.position > self.limit.max_chars:  # a limit below the chunk size
                raise self.too_long()
            return value, end

    def grow(self) -> None:
        """Read on for the value at the current position: geometrically, so a long value is
        re-read log(n) times, and never past the limit."""
        held = len(self.buffer) - self.position
        if held > self.limit.max_chars:
            raise self.too_long()
        self.fill(max(_CHUNK, min(held, self.limit.max_chars + 1 - held)))

    def too_long(self) -> InputError:
        return self.limit.exceeded(
            "a JSON value is", Location(self.name, self.line_at(self.position))
        )

    def expect(self, char: str, what: str) -> None:
        self.skip_blank()
        if self.buffer[self.position : self.position + 1] != char:
            if self.position >= len(self.buffer):
                raise self.fail(f"unexpected end of file ({what}; truncated?)")
            raise self.fail(f"{what}, found {self.buffer[self.position]!r}")
        self.position += 1

    def at_end(self) -> None:
        self.skip_blank()
        if self.position < len(self.buffer):
            raise self.fail("extra data after the document")

    def top_level_array(self) -> Iterator[tuple[int, Any]]:
        for value in self.top_level_array_values():
            yield self.item_line(), value

    def top_level_array_values(self) -> Iterator[Any]:
        self.skip_blank()
        if self.buffer[self.position : self.position + 1] != "[":
            raise self.fail("expected a JSON array")
        yield from self.array_values()
        self.at_end()

    def item_line(self) -> int:
        """The line where the value last yielded begins."""
        return self.line_at(self.item_start)

    def top_level_object(self, streamed: frozenset[str]) -> Iterator[tuple[str, int, Any]]:
        """(key, line, value) for each member of a top-level JSON object.

        Members named in `streamed` whose value is an array are not held whole: they yield
        `(key, line, ARRAY_START)`, then `(key, line, item)` for each item.
        """
        self.expect("{", "expected a JSON object")
        first = True
        while True:
            self.skip_blank()
            if self.buffer[self.position : self.position + 1] == "}":
                self.position += 1
                break
            if not first:
                self.expect(",", "expected ',' or '}'")
                self.skip_blank()
            first = False
            if self.buffer[self.position : self.position + 1] != '"':
                raise self.fail(
                    "expected a double-quoted key"
                    if self.position < len(self.buffer)
                    else "unexpected end of file (truncated?)"
                )
            key, end = self.decode()
            self.position = end
            self.expect(":", "expected ':' after the key")
            self.skip_blank()
            line = self.line_at(self.position)
            if key in streamed and self.buffer[self.position : self.position + 1] == "[":
                yield key, line, ARRAY_START
                for item_line, item in self.array_items():
                    yield key, item_line, item
            else:
                value, end = self.decode()
                self.position = end
                yield key, line, value
        self.at_end()

    def array_items(self) -> Iterator[tuple[int, Any]]:
        """(line, value) for the items of the array at the current position;
        leaves the position after `]`."""
        for value in self.array_values():
            yield self.item_line(), value

    def array_values(self) -> Iterator[Any]:
        """The items of the array starting at the current position;
        leaves the position after `]`."""
        self.position += 1
        self.skip_blank()
        if self.buffer[self.position : self.position + 1] == "]":
            self.position += 1
            return
        match_blank = _BLANK.match
        while True:
            if self.position >= len(self.buffer):
                raise self.fail("unexpected end of file (truncated?)")
            value, end = self.decode()
            self.item_start = self.position
            yield value
            buffer = self.buffer
            # The usual case, kept short: the next item follows the comma.
            if buffer[end : end + 1] == ",":
                blank = match_blank(buffer, end + 1)
                assert blank is not None  # `[ \t\r\n]*` matches, if only the empty string
                after = blank.end()
                if after < len(buffer) and buffer[after] != "]":
                    self.position = after
                    continue
            self.position = end
            self.skip_blank()
            char = self.buffer[self.position : self.position + 1]
            if char == "]":
                self.position += 1
                return
            if char != ",":
                raise self.fail(
                    f"expected ',' or ']', found {char!r}"
                    if char
                    else "unexpected end of file (truncated?)"
                )
            self.position += 1
            self.skip_blank()
            if self.buffer[self.position : self.position + 1] == "]":
                raise self.fail("trailing comma")
