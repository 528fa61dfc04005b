"""Project configuration: `[tool.amp-replay]` in pyproject.toml, or .amp-replay.toml /
amp-replay.toml, found by walking up from the working directory (the first one wins; the walk
stops at the git root). Secrets are never read from it."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amp_replay_cli.core.errors import InputError, Location

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

FILE_NAMES = ("pyproject.toml", ".amp-replay.toml", "amp-replay.toml")
_LISTS = ("select", "ignore", "exclude")
_SECRETS = ("api-key", "secret-key", "api_key", "secret_key")


@dataclass(frozen=True)
class ProjectSettings:
    source: Path | None = None  # the file read, None when there is none
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # globs, relative to the file's folder
    # glob (relative to the file's folder) -> codes or prefixes ignored in the files it matches
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()


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


def load_settings(start: Path) -> ProjectSettings:
    found = find_config(start)
    if found is None:
        return ProjectSettings()
    path, text, table = found
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = Location(str(path), _line_of(text, key))
        if key.lower() in _SECRETS:
            raise InputError(
                f"{key}: secrets are never read from the configuration",
                hint="set AMPLITUDE_API_KEY / AMPLITUDE_SECRET_KEY in the environment",
                location=where,
            )
        if key == "per-file-ignores":
            values["per_file_ignores"] = _per_file(value, where)
            continue
        if key not in _LISTS:
            raise InputError(
                f"unknown key {key!r} (known: {', '.join((*_LISTS, 'per-file-ignores'))})",
                location=where,
            )
        values[key] = _strings(key, value, where)
    return ProjectSettings(source=path, **values)


def _strings(key: str, value: Any, where: Location) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError(f"{key} must be a list of strings", location=where)
    return tuple(value)


def _per_file(value: Any, where: Location) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise InputError("per-file-ignores must be a table: glob = [codes]", location=where)
    return tuple(
        (glob, _strings(f"per-file-ignores.{glob}", codes, where)) for glob, codes in value.items()
    )


def _line_of(text: str, key: str) -> int | None:
    """tomllib gives no positions: the first line that assigns `key`."""
    pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None
