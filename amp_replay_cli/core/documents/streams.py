"""Reading large inputs as streams: gzip or not, stdin or file, lines or the items of a JSON array.

Nothing here holds a whole file: memory stays proportional to the longest line or value.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import sys
import zlib
from contextlib import contextmanager
from typing import Any, BinaryIO, Iterator, TextIO

from amp_replay_cli.core.documents.json_parser import json_error_reason
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.errors import InputError, Location

_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"


@contextmanager
def open_text(source: Source, stdin: BinaryIO | None = None) -> Iterator[TextIO]:
    """The decoded text of an input; gzip is recognised by its magic bytes, a UTF-8 BOM is dropped."""
    where = Location(source.name)
    try:
        raw: BinaryIO = (stdin or sys.stdin.buffer) if source.path is None else source.path.open("rb")
    except FileNotFoundError:
        raise InputError("no such file", location=where) from None
    except IsADirectoryError:
        raise InputError("is a directory", location=where) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", location=where) from None
    try:
        buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[arg-type]
        binary: BinaryIO = buffered
        if buffered.peek(2)[:2] == _GZIP_MAGIC:  # type: ignore[attr-defined]
            binary = gzip.GzipFile(fileobj=buffered)  # type: ignore[assignment]
        yield io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
    finally:
        if source.path is not None:
            raw.close()


class _Reader:
    """Reads a text stream in chunks and turns decoding and gzip failures into input errors."""

    def __init__(self, stream: TextIO, name: str):
        self.stream = stream
        self.name = name
        self.line = 1

    def read(self) -> str:
        try:
            return self.stream.read(_CHUNK)
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", location=Location(self.name, self.line),
                             hint="save the file as UTF-8") from None
        except (EOFError, gzip.BadGzipFile, zlib.error):
            raise InputError("truncated or corrupt gzip data", location=Location(self.name, self.line)) from None


def iter_lines(stream: TextIO, name: str) -> Iterator[tuple[int, str]]:
    """(line number, text without its line break) for every line."""
    reader = _Reader(stream, name)
    pending = ""
    while True:
        chunk = reader.read()
        if not chunk:
            break
        pending += chunk
        *complete, pending = pending.split("\n")
        for text in complete:
            yield reader.line, text.removesuffix("\r")
            reader.line += 1
    if pending:
        yield reader.line, pending.removesuffix("\r")


def first_character(stream: TextIO, name: str) -> tuple[str, TextIO]:
    """The first non-blank character, and a stream that still starts at the beginning."""
    reader = _Reader(stream, name)
    seen = ""
    while True:
        chunk = reader.read()
        seen += chunk
        stripped = seen.lstrip()
        if stripped or not chunk:
            return stripped[:1], _Prefixed(seen, stream)


class _Prefixed(io.TextIOBase):
    """A text stream that replays what was already read, then continues with the rest."""

    def __init__(self, prefix: str, rest: TextIO):
        self._prefix = prefix
        self._rest = rest

    def read(self, size: int | None = -1) -> str:
        if self._prefix:
            text, self._prefix = self._prefix, ""
            return text
        return self._rest.read(size if size is not None else -1)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_NUMBER_CHARACTERS = frozenset("0123456789.eE+-")
_BLANK = re.compile(r"[ \t\r\n]*")


def iter_json_array(stream: TextIO, name: str) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each item of a top-level JSON array, read a chunk at a time."""
    return _ArrayScanner(stream, name).items()


class _ArrayScanner:
    def __init__(self, stream: TextIO, name: str):
        self.reader = _Reader(stream, name)
        self.name = name
        self.buffer = ""
        self.position = 0
        self.counted = 0  # newlines before this offset of the buffer are in reader.line
        self.column_base = 0  # characters of the current line already dropped from the buffer
        self.eof = False

    def fill(self) -> bool:
        """Drop what was consumed, append the next chunk; False at the end of the input."""
        self.line_at(self.position)
        newline = self.buffer.rfind("\n", 0, self.position)
        self.column_base = self.position - newline - 1 if newline >= 0 else self.column_base + self.position
        self.buffer = self.buffer[self.position :]
        self.position = self.counted = 0
        chunk = "" if self.eof else self.reader.read()
        self.eof = self.eof or not chunk
        self.buffer += chunk
        return bool(chunk)

    def line_at(self, offset: int) -> int:
        self.reader.line += self.buffer.count("\n", self.counted, offset)
        self.counted = offset
        return self.reader.line

    def skip_blank(self) -> None:
        while True:
            self.position = _BLANK.match(self.buffer, self.position).end()  # type: ignore[union-attr]
            if self.position < len(self.buffer) or not self.fill():
                return

    def fail(self, message: str) -> InputError:
        line = self.line_at(self.position)
        newline = self.buffer.rfind("\n", 0, self.position)
        column = self.position - newline if newline >= 0 else self.column_base + self.position + 1
        return InputError(f"JSON syntax error: {message}", location=Location(self.name, line, column))

    def decode(self) -> tuple[Any, int]:
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.position)
            except (json.JSONDecodeError, ValueError) as error:
                if not self.eof:
                    self.fill()
                    continue
                raise self.fail(json_error_reason(getattr(error, "msg", str(error)))) from None
            if not self.eof and (end == len(self.buffer) or self.buffer[end] in _NUMBER_CHARACTERS):
                self.fill()  # the value may go on in the next chunk
                continue
            return value, end

    def items(self) -> Iterator[tuple[int, Any]]:
        self.skip_blank()
        if self.buffer[self.position : self.position + 1] != "[":
            raise self.fail("expected a JSON array")
        self.position += 1
        expect_item = True
        first = True
        while True:
            self.skip_blank()
            if self.position >= len(self.buffer):
                raise self.fail("unexpected end of file (truncated?)")
            char = self.buffer[self.position]
            if char == "]" and (first or not expect_item):
                self.position += 1
                self.skip_blank()
                if self.position < len(self.buffer):
                    raise self.fail("extra data after the array")
                return
            if char == "]":
                raise self.fail("trailing comma")
            if not expect_item:
                if char != ",":
                    raise self.fail(f"expected ',' or ']', found {char!r}")
                self.position += 1
                expect_item = True
                continue
            value, end = self.decode()
            yield self.line_at(self.position), value
            self.position = end
            expect_item = False
            first = False
