"""A parsed YAML/JSON document that remembers where every key and value came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PathPart = str | int


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class Scalar:
    value: Any  # None, bool, int, float or str
    mark: Mark
    # Set when YAML 1.1 (PyYAML) and YAML 1.2 / JavaScript loaders read this text differently.
    ambiguity: str | None = None


@dataclass
class Entry:
    key: str
    key_mark: Mark
    value: Node


@dataclass
class Mapping:
    mark: Mark
    entries: dict[str, Entry] = field(default_factory=dict)

    def get(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return entry.value if entry else None


@dataclass
class Sequence:
    mark: Mark
    items: list[Node] = field(default_factory=list)


Node = Scalar | Mapping | Sequence


@dataclass(frozen=True)
class DuplicateKey:
    path: tuple[PathPart, ...]
    key: str
    first: Mark
    again: Mark


@dataclass
class Document:
    source: str  # the name shown to users: a path as given, or "<stdin>"
    root: Node
    duplicates: list[DuplicateKey] = field(default_factory=list)
    index: int = 0  # position in a multi-document YAML stream


def kind_name(node: Node) -> str:
    """The JavaScript-ish name of a node's type, for messages."""
    if isinstance(node, Mapping):
        return "an object"
    if isinstance(node, Sequence):
        return "an array"
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


def format_path(parts: tuple[PathPart, ...] | list[PathPart]) -> str:
    """`privacyConfig.urlMaskLevels[0].maskLevel`; odd keys are quoted: `a["b.c"]`."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier() or (part.startswith("$") and part[1:].isidentifier()):
            out.append(f".{part}" if out else part)
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


def to_plain(node: Node) -> Any:
    """The plain Python value of a node (mappings become dicts, sequences lists)."""
    if isinstance(node, Mapping):
        return {key: to_plain(entry.value) for key, entry in node.entries.items()}
    if isinstance(node, Sequence):
        return [to_plain(item) for item in node.items]
    return node.value
