"""Project configuration: `[tool.amp-replay]` in pyproject.toml, or .amp-replay.toml /
amp-replay.toml, found by walking up from the working directory (the first one wins; the walk
stops at the git root). Secrets are never read from it.

What the file may hold is one description, a ConfigSpec: the keys of its own (select, ignore,
exclude, per-file-ignores), the keys shared by several commands (strict, env, sdk) and a table
per command with that command's options. The command line builds the spec from its options
(cli/configuration.py); the loader here validates against it and config_schema() turns it into
the JSON Schema that `amp-replay schema config` publishes, so the two cannot disagree.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amp_replay_cli.core.errors import InputError, Location

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

FILE_NAMES = ("pyproject.toml", ".amp-replay.toml", "amp-replay.toml")
# Keys refused wherever they are written, with a word on where secrets go instead.
SECRETS = ("api-key", "secret-key", "secret-key-file", "api_key", "secret_key", "secret_key_file")
SECRETS_HINT = "set AMPLITUDE_API_KEY / AMPLITUDE_SECRET_KEY in the environment"


class Kind(str, enum.Enum):
    """The TOML (and JSON Schema) type of a key's value."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    # per-file-ignores: a table of glob -> list of strings
    GLOB_TABLE = "object"


@dataclass(frozen=True)
class Key:
    """One key of the configuration, as the file spells it (`server-zone`)."""

    name: str
    kind: Kind
    description: str = ""
    many: bool = False  # a list of values of `kind`
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    # The parameter the value fills, for command options (`server_zone`).
    target: str = ""
    # A file path: relative to the configuration's folder, as the other paths in it are.
    path: bool = False
    # The command's own conversion of a value; raises ValueError with the reason it refuses it.
    convert: Callable[[Any], object] | None = field(default=None, compare=False)


_CODES_HELP = "codes or code prefixes, e.g. AR14 for AR140-AR145"
OWN_KEYS = (
    Key("select", Kind.STRING, f"Report only these {_CODES_HELP}; --select replaces it.", True),
    Key("ignore", Kind.STRING, f"Never report these {_CODES_HELP}; --ignore replaces it.", True),
    Key(
        "exclude",
        Kind.STRING,
        "Globs (relative to this file's folder) that validate's scans leave out, added to "
        "--exclude.",
        True,
    ),
    Key(
        "per-file-ignores",
        Kind.GLOB_TABLE,
        "Glob (relative to this file's folder) -> codes or code prefixes never reported in the "
        "files it matches.",
    ),
)


@dataclass(frozen=True)
class ConfigSpec:
    """Every key a configuration may hold."""

    # Top-level keys that set the option of that name in each command listed.
    shared: tuple[tuple[Key, tuple[str, ...]], ...] = ()
    # command -> its options, a table `[tool.amp-replay.COMMAND]`
    commands: Mapping[str, tuple[Key, ...]] = field(default_factory=dict)

    def top_level(self) -> tuple[Key, ...]:
        return (*OWN_KEYS, *(key for key, _ in self.shared))


@dataclass(frozen=True)
class ProjectSettings:
    source: Path | None = None  # the file read, None when there is none
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # globs, relative to the file's folder
    # glob (relative to the file's folder) -> codes or prefixes ignored in the files it matches
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # command -> {parameter: value}: the options the file sets for it (its table over the
    # shared keys); the command line wins over them.
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def find_config(start: Path) -> tuple[Path, str, dict[str, Any]] | None:
    """The first configuration upward from `start`, its text and its amp-replay table."""
    for folder in (start, *start.parents):
        for name in FILE_NAMES:
            path = folder / name
            if not path.is_file():
                continue
            text = _text(path)
            table = _table(path, name, text)
            if table is not None:
                return path, text, table
        if (folder / ".git").exists():
            return None
    return None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"invalid TOML: {error}", location=Location(str(path))) from None


def _table(path: Path, name: str, text: str) -> dict[str, Any] | None:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"invalid TOML: {error}", location=Location(str(path))) from None
    if name == "pyproject.toml":
        found = document.get("tool", {}).get("amp-replay")
        return found if isinstance(found, dict) else None
    return document


def load_settings(start: Path, spec: ConfigSpec) -> ProjectSettings:
    """The configuration found upward from `start`, every key checked against `spec`."""
    found = find_config(start)
    if found is None:
        return ProjectSettings()
    path, text, table = found
    reader = _Reader(path, text, spec)
    top = reader.read(table, spec.top_level(), (), extra=tuple(spec.commands))
    options: dict[str, dict[str, Any]] = {}
    for key, commands in spec.shared:
        if key.name in top:
            for command in commands:
                options.setdefault(command, {})[key.target] = top[key.name]
    for command, keys in spec.commands.items():
        if command in table:
            where = reader.where(command, ())
            if not isinstance(table[command], dict):
                raise InputError(f"{command} must be a table of its options", location=where)
            values = reader.read(table[command], keys, (command,))
            values.update(
                (key.name, _beside(path, values[key.name]))
                for key in keys
                if key.path and key.name in values
            )
            options.setdefault(command, {}).update(
                (key.target, values[key.name]) for key in keys if key.name in values
            )
    return ProjectSettings(
        source=path,
        select=top.get("select", ()),
        ignore=top.get("ignore", ()),
        exclude=top.get("exclude", ()),
        per_file_ignores=top.get("per-file-ignores", ()),
        options=options,
    )


def _beside(config: Path, value: str) -> str:
    """A path from the configuration, relative to its folder; `-` (stdin) stays as it is."""
    return value if value == "-" else str(config.parent / Path(value).expanduser())


@dataclass(frozen=True)
class _Reader:
    path: Path
    text: str
    spec: ConfigSpec

    def where(self, key: str, tables: tuple[str, ...]) -> Location:
        return Location(str(self.path), _line_of(self.text, key, tables))

    def elsewhere(self, name: str, tables: tuple[str, ...]) -> str | None:
        """Where a key unknown here belongs: the tables of the commands that have it."""
        owners = [
            f"[{command}]"
            for command, keys in self.spec.commands.items()
            if (command,) != tables and any(key.name == name for key in keys)
        ]
        if tables and any(key.name == name for key in self.spec.top_level()):
            owners.insert(0, "the top level")
        return f"{name} belongs in {' or '.join(owners)}" if owners else None

    def read(
        self,
        table: Mapping[str, Any],
        keys: tuple[Key, ...],
        tables: tuple[str, ...],
        extra: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Each value of `table` checked against its key; `extra` names sub-tables read apart."""
        known = {key.name: key for key in keys}
        values: dict[str, Any] = {}
        for name, value in table.items():
            if name in extra:
                continue
            where = self.where(name, tables)
            dotted = ".".join((*tables, name))
            if name.lower() in SECRETS:
                raise InputError(
                    f"{dotted}: secrets are never read from the configuration",
                    hint=SECRETS_HINT,
                    location=where,
                )
            key = known.get(name)
            if key is None:
                raise InputError(
                    f"unknown key {dotted!r} (known: {', '.join((*known, *extra))})",
                    location=where,
                    hint=self.elsewhere(name, tables),
                )
            values[name] = _value(key, value, dotted, where)
        return values


def _value(key: Key, value: Any, dotted: str, where: Location) -> Any:
    if key.kind is Kind.GLOB_TABLE:
        if not isinstance(value, dict):
            raise InputError(f"{dotted} must be a table: glob = [codes]", location=where)
        codes = Key(key.name, Kind.STRING)
        return tuple(
            (glob, _list(codes, globbed, f"{dotted}.{glob}", where))
            for glob, globbed in value.items()
        )
    if key.many:
        return _list(key, value, dotted, where)
    return _scalar(key, value, dotted, where)


def _list(key: Key, value: Any, dotted: str, where: Location) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise InputError(f"{dotted} must be a list of {_plural(key)}", location=where)
    return tuple(_scalar(key, item, dotted, where, in_list=True) for item in value)


def _scalar(key: Key, value: Any, dotted: str, where: Location, in_list: bool = False) -> Any:
    if not _has_kind(value, key.kind):
        wanted = f"a list of {_plural(key)}" if in_list else _article(key)
        raise InputError(f"{dotted} must be {wanted}", location=where)
    if key.choices and value not in key.choices:
        raise InputError(f"{dotted} must be one of {', '.join(key.choices)}", location=where)
    if (key.minimum is not None and value < key.minimum) or (
        key.maximum is not None and value > key.maximum
    ):
        raise InputError(f"{dotted} must be {_range(key)}", location=where)
    if key.convert is not None:
        try:
            key.convert(value)
        except ValueError as error:
            raise InputError(f"{dotted}: {error}", location=where) from None
    return value


def _has_kind(value: Any, kind: Kind) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, never to TOML
        return kind is Kind.BOOLEAN
    if kind is Kind.INTEGER:  # 2.0 is an integer to JSON Schema too
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind is Kind.NUMBER:
        return isinstance(value, (int, float))
    return kind is Kind.STRING and isinstance(value, str)


# How messages name a kind of value: one of them, and a list of them.
_KIND_WORDS = {
    Kind.STRING: ("a string", "strings"),
    Kind.INTEGER: ("an integer", "integers"),
    Kind.NUMBER: ("a number", "numbers"),
    Kind.BOOLEAN: ("true or false", "booleans"),
}


def _article(key: Key) -> str:
    return _KIND_WORDS[key.kind][0]


def _plural(key: Key) -> str:
    return _KIND_WORDS[key.kind][1]


def _range(key: Key) -> str:
    if key.maximum is None:
        return f"at least {key.minimum:g}"
    if key.minimum is None:
        return f"at most {key.maximum:g}"
    return f"between {key.minimum:g} and {key.maximum:g}"


def _line_of(text: str, key: str, tables: tuple[str, ...]) -> int | None:
    """tomllib gives no positions: the first line that assigns `key`, after the header of the
    table it is in (`[tool.amp-replay.check]` or `[check]`) when it is in one."""
    start = 0
    if tables:
        dotted = r"\.".join(re.escape(table) for table in tables)
        header = re.compile(rf"^[ \t]*\[[ \t]*(?:tool\.amp-replay\.)?{dotted}[ \t]*\]", re.M)
        found = header.search(text)
        start = found.end() if found else 0
    pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.M)
    match = pattern.search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else None


def config_schema(spec: ConfigSpec) -> dict[str, Any]:
    """The JSON Schema of the configuration: `[tool.amp-replay]` or a whole .amp-replay.toml."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "amp-replay configuration ([tool.amp-replay] in pyproject.toml, or "
        ".amp-replay.toml / amp-replay.toml)",
        "description": "Command-line flags win over these values. Secrets (API key, secret "
        f"key) are never read from it: {SECRETS_HINT}.",
        "type": "object",
        "properties": {
            **{key.name: _key_schema(key) for key in spec.top_level()},
            **{
                command: {
                    "description": f"Options of `amp-replay {command}`, as its flags name them.",
                    "type": "object",
                    "properties": {key.name: _key_schema(key) for key in keys},
                    "additionalProperties": False,
                }
                for command, keys in spec.commands.items()
            },
        },
        "additionalProperties": False,
    }


def _key_schema(key: Key) -> dict[str, Any]:
    if key.kind is Kind.GLOB_TABLE:
        return {
            "description": key.description,
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    value: dict[str, Any] = {"type": key.kind.value}
    if key.choices:
        value["enum"] = list(key.choices)
    if key.minimum is not None:
        value["minimum"] = key.minimum
    if key.maximum is not None:
        value["maximum"] = key.maximum
    if key.many:
        value = {"type": "array", "items": value}
    where = " A path relative to this file's folder." if key.path else ""
    return {"description": key.description + where, **value}
