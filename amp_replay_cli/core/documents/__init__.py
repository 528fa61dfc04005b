"""Reading YAML and JSON inputs into position-aware documents."""

from __future__ import annotations

from typing import BinaryIO

from amp_replay_cli.core.documents.json_parser import parse_json
from amp_replay_cli.core.documents.limits import DEFAULT_LIMITS, Limits
from amp_replay_cli.core.documents.nodes import Document
from amp_replay_cli.core.documents.sources import Source, decode_text, read_bytes
from amp_replay_cli.core.documents.yaml_parser import parse_yaml
from amp_replay_cli.core.errors import InputError, Location

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
CONFIG_SUFFIXES = YAML_SUFFIXES + JSON_SUFFIXES


def load_documents(
    source: Source, limits: Limits = DEFAULT_LIMITS, stdin: BinaryIO | None = None
) -> list[Document]:
    """The documents in one input; raises InputError naming the file and the place."""
    text = decode_text(read_bytes(source, limits.max_bytes, stdin), source.name)
    return parse_documents(text, source.name, source.suffix, limits)


def parse_documents(
    text: str, name: str, suffix: str = "", limits: Limits = DEFAULT_LIMITS
) -> list[Document]:
    if not text.strip():
        raise InputError("empty file", location=Location(name))
    if suffix in JSON_SUFFIXES:
        return [parse_json(text, name, limits)]
    if suffix in YAML_SUFFIXES:
        return parse_yaml(text, name, limits)
    # Unknown suffix or stdin: JSON when it looks like JSON, else YAML.
    if text.lstrip()[:1] in ("{", "["):
        try:
            return [parse_json(text, name, limits)]
        except InputError as json_error:
            try:
                return parse_yaml(text, name, limits)
            except InputError:
                raise json_error from None
    return parse_yaml(text, name, limits)
