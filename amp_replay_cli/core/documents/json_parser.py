"""A strict JSON parser that keeps the line and column of every key and value.

It is iterative (deep nesting cannot overflow the stack), stops at the configured depth and
value budget, records duplicate keys instead of silently keeping the last one, and refuses
what `JSON.parse` refuses (NaN, Infinity, comments, trailing commas).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from amp_replay_cli.core.documents.limits import Limits
from amp_replay_cli.core.documents.nodes import (
    Document,
    DuplicateKey,
    Entry,
    Mapping,
    Mark,
    Node,
    PathPart,
    Scalar,
    Sequence,
)
from amp_replay_cli.core.errors import InputError, Location

if TYPE_CHECKING:
    # json.decoder.scanstring is _json's C scanner when built (else a pure-Python one with the
    # same signature), but typeshed's json.decoder leaves it out: the checker reads _json's.
    from _json import scanstring
else:
    from json.decoder import scanstring

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS = (("true", True), ("false", False), ("null", None))
_NOT_JSON = (
    ("NaN", "NaN is not valid JSON"),
    ("Infinity", "Infinity is not valid JSON"),
    ("-Infinity", "-Infinity is not valid JSON"),
    ("//", "comments are not allowed in JSON"),
    ("/*", "comments are not allowed in JSON"),
    ("'", "strings must use double quotes in JSON"),
)
# Beyond this many digits Python's int() refuses; JavaScript would hold a double anyway.
_MAX_INT_DIGITS = 20


@dataclass
class _Frame:
    node: Mapping | Sequence
    path: tuple[PathPart, ...]
    pending_key: Entry | None = None
    children: int = 0
    keys_seen: dict[str, Mark] = field(default_factory=dict)


class _Parser:
    def __init__(self, text: str, name: str, limits: Limits):
        self.text = text
        self.name = name
        self.limits = limits
        self.newlines = [match.start() for match in re.finditer("\n", text)]
        self.values = 0
        self.duplicates: list[DuplicateKey] = []

    def mark(self, position: int) -> Mark:
        line_index = bisect.bisect_left(self.newlines, position)
        line_start = self.newlines[line_index - 1] + 1 if line_index else 0
        return Mark(line_index + 1, position - line_start + 1)

    def fail(self, position: int, message: str) -> InputError:
        mark = self.mark(position)
        return InputError(
            f"JSON syntax error: {message}", location=Location(self.name, mark.line, mark.column)
        )

    def skip(self, position: int) -> int:
        whitespace = _WHITESPACE.match(self.text, position)
        assert whitespace is not None  # `[ \t\n\r]*` matches, if only the empty string
        return whitespace.end()

    def parse(self) -> Node:
        text = self.text
        stack: list[_Frame] = []
        root: Node | None = None
        position = self.skip(0)
        if position == len(text):
            raise InputError("empty file", location=Location(self.name))
        expect_value = True
        while True:
            if expect_value:
                node, position = self.value(position, stack)
                if isinstance(node, (Mapping, Sequence)):
                    position = self.skip(position)
                    closer = "}" if isinstance(node, Mapping) else "]"
                    if text.startswith(closer, position):
                        position += 1
                    else:
                        stack[-1].node = node
                        if isinstance(node, Mapping):
                            position = self.key(position, stack[-1])
                        continue
                    stack.pop()
                if stack:
                    self.attach(stack[-1], node)
                else:
                    root = node
            position = self.skip(position)
            if not stack:
                break
            frame = stack[-1]
            closer = "}" if isinstance(frame.node, Mapping) else "]"
            if text.startswith(",", position):
                position = self.skip(position + 1)
                if text.startswith(closer, position):
                    raise self.fail(position, "trailing comma")
                if isinstance(frame.node, Mapping):
                    position = self.key(position, frame)
                expect_value = True
            elif text.startswith(closer, position):
                stack.pop()
                position += 1
                if stack:
                    self.attach(stack[-1], frame.node)
                else:
                    root = frame.node
                expect_value = False
            else:
                raise self.unexpected(position, f"expected ',' or '{closer}'")
        if position != len(text):
            raise self.fail(position, "extra data after the end of the document")
        assert root is not None
        return root

    def value(self, position: int, stack: list[_Frame]) -> tuple[Node, int]:
        """One value at `position`; a container is pushed on `stack` and returned empty."""
        text = self.text
        self.count(position)
        mark = self.mark(position)
        char = text[position : position + 1]
        if char in ("{", "["):
            if len(stack) >= self.limits.max_depth:
                raise self.fail(position, f"nested deeper than {self.limits.max_depth} levels")
            node: Mapping | Sequence = Mapping(mark) if char == "{" else Sequence(mark)
            path = (*stack[-1].path, self.child_key(stack[-1])) if stack else ()
            stack.append(_Frame(node, path))
            return node, position + 1
        if char == '"':
            value, end = self.string(position)
            return Scalar(value, mark), end
        number = _NUMBER.match(text, position)
        if number and number.end() > position:
            literal = number.group()
            if literal.lstrip("-").isdigit() and len(literal) <= _MAX_INT_DIGITS:
                return Scalar(int(literal), mark), number.end()
            return Scalar(float(literal), mark), number.end()
        for word, constant in _LITERALS:
            if text.startswith(word, position):
                return Scalar(constant, mark), position + len(word)
        raise self.unexpected(position, "expected a value")

    def key(self, position: int, frame: _Frame) -> int:
        text = self.text
        position = self.skip(position)
        if not text.startswith('"', position):
            raise self.unexpected(position, "expected a double-quoted key")
        key_mark = self.mark(position)
        key, position = self.string(position)
        position = self.skip(position)
        if not text.startswith(":", position):
            raise self.unexpected(position, "expected ':' after the key")
        first = frame.keys_seen.get(key)
        if first is not None:
            self.duplicates.append(DuplicateKey(frame.path, key, first, key_mark))
        else:
            frame.keys_seen[key] = key_mark
        frame.pending_key = Entry(key, key_mark, Scalar(None, key_mark))
        return self.skip(position + 1)

    def string(self, position: int) -> tuple[str, int]:
        try:
            return scanstring(self.text, position + 1, True)
        except json.JSONDecodeError as error:
            raise self.fail(error.pos, json_error_reason(error.msg)) from None

    def attach(self, frame: _Frame, node: Node) -> None:
        if isinstance(frame.node, Mapping):
            entry = frame.pending_key
            assert entry is not None
            entry.value = node
            frame.node.entries.pop(entry.key, None)  # the last one wins, in its own place
            frame.node.entries[entry.key] = entry
            frame.pending_key = None
        else:
            frame.node.items.append(node)
        frame.children += 1

    def child_key(self, frame: _Frame) -> PathPart:
        if isinstance(frame.node, Mapping):
            assert frame.pending_key is not None
            return frame.pending_key.key
        return frame.children

    def count(self, position: int) -> None:
        self.values += 1
        if self.values > self.limits.max_values:
            mark = self.mark(position)
            raise InputError(
                f"more than {self.limits.max_values:,} values: too large for a configuration",
                hint=self.limits.values_hint(),
                location=Location(self.name, mark.line, mark.column),
            )

    def unexpected(self, position: int, expected: str) -> InputError:
        if position >= len(self.text):
            return self.fail(position, f"unexpected end of file ({expected}; truncated?)")
        for prefix, message in _NOT_JSON:
            if self.text.startswith(prefix, position):
                return self.fail(position, message)
        found = self.text[position]
        shown = repr(found) if found.isprintable() else f"U+{ord(found):04X}"
        return self.fail(position, f"{expected}, found {shown}")


def json_error_reason(message: str) -> str:
    """The stdlib decoder's message, phrased like ours
    ("Unterminated string starting at" has no place)."""
    if message.startswith("Unterminated string"):
        return "unterminated string (truncated?)"
    if message == "Expecting value":
        return "expected a value"
    message = message.removesuffix(" at")
    return message[0].lower() + message[1:] if message[:2] != "Na" else message


def parse_json(text: str, name: str, limits: Limits) -> Document:
    parser = _Parser(text, name, limits)
    root = parser.parse()
    return Document(name, root, parser.duplicates)
