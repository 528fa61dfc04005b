"""YAML documents with positions, built from PyYAML's event stream instead of its constructor.

Building the tree ourselves lets us do what PyYAML's loaders cannot:
- keep duplicate keys as findings (PyYAML silently keeps the last value);
- keep timestamps as the strings users wrote;
- note the scalars that YAML 1.1 (PyYAML) and YAML 1.2 / JavaScript loaders read differently
  (`1e-2`, `no`, `012`, `1_000`) and use the value the author evidently meant;
- count values after alias expansion and refuse alias bombs and runaway nesting early,
  without recursion (deep documents cannot overflow the stack).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import yaml
from yaml import events
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

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

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()

_TAG = "tag:yaml.org,2002:"
_NULL, _BOOL, _INT, _FLOAT, _STR = (_TAG + name for name in ("null", "bool", "int", "float", "str"))
_TIMESTAMP, _BINARY, _MERGE, _MAP, _SEQ = (
    _TAG + name for name in ("timestamp", "binary", "merge", "map", "seq")
)

# YAML 1.2 core-schema numbers that YAML 1.1's resolver leaves as strings (`1e-2`, `1e3`).
_YAML12_NUMBER = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_YAML11_OCTAL = re.compile(r"[-+]?0[0-7_]+")
# A `"\ud800"` escape: libyaml refuses it, PyYAML's pure-Python scanner lets it through.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = "YAML syntax error: found invalid Unicode character escape code"


@dataclass
class _Frame:
    node: Mapping | Sequence
    path: tuple[PathPart, ...]
    anchor: str | None
    weight: int = 1
    pending_key: tuple[str, Mark, bool] | None = None  # key, where, is a `<<` merge key
    merges: list[tuple[Node, Mark]] = field(default_factory=list)
    key_marks: dict[str, Mark] = field(default_factory=dict)


class _Composer:
    def __init__(self, name: str, limits: Limits):
        self.name = name
        self.limits = limits
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.duplicates: list[DuplicateKey] = []

    def fail(self, mark: Mark, message: str) -> InputError:
        return InputError(message, location=Location(self.name, mark.line, mark.column))

    def compose(self, event_stream: Iterable[events.Event]) -> list[Document]:
        documents: list[Document] = []
        stack: list[_Frame] = []
        root: Node | None = None
        for event in event_stream:
            if isinstance(event, events.DocumentStartEvent):
                self.anchors, self.duplicates, root = {}, [], None
                continue
            if isinstance(event, events.DocumentEndEvent):
                assert root is not None
                documents.append(Document(self.name, root, self.duplicates, index=len(documents)))
                continue
            if isinstance(event, (events.StreamStartEvent, events.StreamEndEvent)):
                continue
            mark = _mark(event)
            frame = stack[-1] if stack else None
            if frame is not None and isinstance(frame.node, Mapping) and frame.pending_key is None:
                if isinstance(event, events.MappingEndEvent):
                    finished = stack.pop()
                    self.finish_mapping(finished)
                    root = (
                        self.complete(stack, finished.node, finished.weight, finished.anchor)
                        or root
                    )
                    continue
                self.take_key(frame, event, mark)
                continue
            if isinstance(event, events.SequenceEndEvent):
                finished = stack.pop()
                root = self.complete(stack, finished.node, finished.weight, finished.anchor) or root
                continue
            if isinstance(event, (events.MappingStartEvent, events.SequenceStartEvent)):
                self.check_collection_tag(event, mark)
                if len(stack) >= self.limits.max_depth:
                    raise self.fail(mark, f"nested deeper than {self.limits.max_depth} levels")
                container: Mapping | Sequence = (
                    Mapping(mark) if isinstance(event, events.MappingStartEvent) else Sequence(mark)
                )
                path = (*frame.path, self.child_key(frame)) if frame else ()
                stack.append(_Frame(container, path, event.anchor))
                continue
            if isinstance(event, events.AliasEvent):
                node, weight = self.resolve_alias(event, mark, stack)
                root = self.complete(stack, node, weight, None) or root
                continue
            if isinstance(event, events.ScalarEvent):
                root = self.complete(stack, self.scalar(event, mark), 1, event.anchor) or root
        if not documents:
            raise InputError("empty file", location=Location(self.name))
        return documents

    def complete(
        self, stack: list[_Frame], node: Node, weight: int, anchor: str | None
    ) -> Node | None:
        """Attach a finished node to its parent; returns it when it is a document root."""
        if anchor is not None:
            self.anchors[anchor] = (node, weight)
        if not stack:
            if weight > self.limits.max_values:
                raise self.fail(node.mark, self.too_many())
            return node
        parent = stack[-1]
        parent.weight += weight
        if parent.weight > self.limits.max_values:
            raise self.fail(node.mark, self.too_many())
        if isinstance(parent.node, Sequence):
            parent.node.items.append(node)
            return None
        assert parent.pending_key is not None
        key, key_mark, is_merge = parent.pending_key
        parent.pending_key = None
        if is_merge:
            parent.merges.append((node, key_mark))
            return None
        first = parent.key_marks.get(key)
        if first is not None:
            self.duplicates.append(DuplicateKey(parent.path, key, first, key_mark))
        parent.key_marks[key] = key_mark
        parent.node.entries.pop(key, None)
        parent.node.entries[key] = Entry(key, key_mark, node)
        return None

    def too_many(self) -> str:
        return (
            f"more than {self.limits.max_values} values once aliases are expanded: "
            "too large for a configuration (an alias bomb?)"
        )

    def take_key(self, frame: _Frame, event: events.Event, mark: Mark) -> None:
        if not isinstance(event, events.ScalarEvent):
            raise self.fail(
                mark,
                "only plain or quoted text keys are supported (not aliases, lists or mappings)",
            )
        if _SURROGATE.search(event.value):
            raise self.fail(mark, _SURROGATE_ESCAPE)
        frame.pending_key = (event.value, mark, _is_merge_key(event))

    def child_key(self, frame: _Frame) -> PathPart:
        if isinstance(frame.node, Mapping):
            assert frame.pending_key is not None
            return frame.pending_key[0]
        return len(frame.node.items)

    def resolve_alias(
        self, event: events.AliasEvent, mark: Mark, stack: list[_Frame]
    ) -> tuple[Node, int]:
        if event.anchor in self.anchors:
            return self.anchors[event.anchor]
        if any(frame.anchor == event.anchor for frame in stack):
            raise self.fail(mark, f"recursive alias *{event.anchor}")
        raise self.fail(mark, f"alias *{event.anchor} refers to no anchor")

    def check_collection_tag(self, event: events.CollectionStartEvent, mark: Mark) -> None:
        if event.tag not in (None, "!", _MAP, _SEQ):
            raise self.fail(mark, f"unsupported YAML tag {event.tag}")

    def scalar(self, event: events.ScalarEvent, mark: Mark) -> Scalar:
        text = event.value
        if _SURROGATE.search(text):  # the same refusal with either loader
            raise self.fail(mark, _SURROGATE_ESCAPE)
        tag = event.tag
        if tag is None or tag == "!":
            tag = _RESOLVER.resolve(ScalarNode, text, event.implicit)
        plain = _is_plain(event)
        if tag in (_STR, _TIMESTAMP, _BINARY):
            if plain and tag == _STR and _YAML12_NUMBER.fullmatch(text):
                number = float(text)
                return Scalar(number, mark, _string_number_note(text, number))
            return Scalar(text, mark)
        if tag == _NULL:
            return Scalar(None, mark)
        try:
            return self.typed_scalar(tag, text, plain, mark)
        except (ValueError, KeyError, OverflowError):
            # An explicit tag on text it cannot hold: `!!int abc`, `!!bool maybe`, `!!float x`.
            raise self.fail(mark, f"{text!r} is not a valid {tag.rpartition(':')[2]}") from None

    def typed_scalar(self, tag: str, text: str, plain: bool, mark: Mark) -> Scalar:
        if tag == _BOOL:
            boolean = _CONSTRUCTOR.construct_yaml_bool(ScalarNode(tag, text))
            note = None
            if plain and text.lower() not in ("true", "false"):
                note = (
                    f"YAML 1.1 loaders (PyYAML) read `{text}` as {str(boolean).lower()}, "
                    f'YAML 1.2 loaders (js-yaml) read the string "{text}", '
                    f"which JavaScript treats as true; write {str(boolean).lower()}"
                )
            return Scalar(boolean, mark, note)
        if tag == _INT:
            return Scalar(_construct_int(text), mark, _int_note(text) if plain else None)
        if tag == _FLOAT:
            number = _CONSTRUCTOR.construct_yaml_float(ScalarNode(tag, text))
            note = None
            if plain and ("_" in text or ":" in text):
                note = f"YAML 1.1 and YAML 1.2 loaders read `{text}` differently; write {number!r}"
            return Scalar(number, mark, note)
        raise self.fail(mark, f"unsupported YAML tag {tag}")

    def finish_mapping(self, frame: _Frame) -> None:
        """Apply `<<` merge keys: explicit keys win, then earlier merges over later ones."""
        mapping = frame.node
        assert isinstance(mapping, Mapping)
        for source, key_mark in frame.merges:
            sources = source.items if isinstance(source, Sequence) else [source]
            for merged in sources:
                if not isinstance(merged, Mapping):
                    raise self.fail(
                        key_mark, "a << merge key needs a mapping or a list of mappings"
                    )
                for key, entry in merged.entries.items():
                    if key not in mapping.entries:
                        mapping.entries[key] = entry


def parse_yaml(text: str, name: str, limits: Limits) -> list[Document]:
    """Every document of a YAML stream (JSON is YAML too, but see json_parser for .json files)."""
    composer = _Composer(name, limits)
    try:
        return composer.compose(yaml.parse(text, Loader=_LOADER))
    except yaml.MarkedYAMLError as error:
        where = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        location = Location(name, where.line + 1, where.column + 1) if where else Location(name)
        raise InputError(f"YAML syntax error: {problem}", location=location) from None
    except yaml.YAMLError as error:
        # Reader errors (control characters) carry a character offset, not a mark.
        position = getattr(error, "position", None)
        location = (
            _location_of_offset(text, name, position) if position is not None else Location(name)
        )
        reason = getattr(error, "reason", None) or str(error).splitlines()[0]
        raise InputError(f"YAML error: {reason}", location=location) from None


def _location_of_offset(text: str, name: str, offset: int) -> Location:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(name, line, column)


def _mark(event: events.Event) -> Mark:
    start = event.start_mark
    assert start is not None  # the parser marks every event it emits
    return Mark(start.line + 1, start.column + 1)


def _is_plain(event: events.ScalarEvent) -> bool:
    # libyaml reports the plain style as "", the pure-Python parser as None.
    return event.tag is None and not event.style


def _is_merge_key(event: events.ScalarEvent) -> bool:
    return _is_plain(event) and event.value == "<<"


def _construct_int(text: str) -> int | float:
    try:
        return _CONSTRUCTOR.construct_yaml_int(ScalarNode(_INT, text))
    except ValueError:
        # More digits than Python's int() accepts: JavaScript would hold a double anyway.
        return float(text.replace("_", ""))


def _int_note(text: str) -> str | None:
    digits = text.lstrip("+-")
    if ":" in text:
        meaning = "a base-60 number"
    elif digits.startswith("0b"):
        meaning = "a binary number"
    elif _YAML11_OCTAL.fullmatch(text) and digits != "0":
        meaning = "an octal number"
    elif "_" in text:
        meaning = "a number with the underscores dropped"
    else:
        return None
    return (
        f"YAML 1.1 loaders (PyYAML) read `{text}` as {meaning} ({_construct_int(text)}), "
        "YAML 1.2 loaders read something else; write the decimal number"
    )


def _string_number_note(text: str, number: float) -> str:
    if number != number or abs(number) == float("inf"):
        decimal = text
    elif number.is_integer():
        decimal = str(int(number))
    else:
        decimal = format(Decimal(repr(number)), "f")
    return (
        f'YAML 1.1 loaders (PyYAML) read `{text}` as the string "{text}", not a number; '
        f"write {decimal} so every loader reads the number"
    )
