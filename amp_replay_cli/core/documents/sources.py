"""Turning command-line paths into readable inputs: globs, directories, stdin, encodings."""

from __future__ import annotations

import codecs
import glob
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from amp_replay_cli.core.documents.discovery import ExcludePatterns, git_visible_files, walk_order
from amp_replay_cli.core.documents.limits import bytes_hint
from amp_replay_cli.core.errors import InputError, Location
from amp_replay_cli.core.wording import format_bytes

STDIN_NAME = "<stdin>"
GLOB_CHARACTERS = frozenset("*?[")
SKIPPED_DIRECTORIES = frozenset({"node_modules", "__pycache__"})

_BOMS = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Source:
    name: str  # as shown to the user
    path: Path | None  # None for stdin
    # The directory or glob argument that found this file; None when it was named itself.
    scan: str | None = None

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower() if self.path else ""

    @classmethod
    def of_option(cls, path: Path | None) -> Source | None:
        """The input a file option names: None when it was not given, stdin for `-`."""
        if path is None:
            return None
        return cls(STDIN_NAME, None) if str(path) == "-" else cls(str(path), path)


Expanded = Source | InputError


def expand_paths(
    arguments: list[str], suffixes: tuple[str, ...], exclude: ExcludePatterns | None = None
) -> list[Expanded]:
    """Each argument as files to read, in order, with an error in place of what cannot be found.

    Globs are expanded here too so that quoted patterns work in CI and on Windows. Files found
    in a directory or by a glob leave out what `exclude` matches; directory scans also leave
    out what git ignores. A file named itself is always read.
    """
    seen: set[str] = set()
    expanded: list[Expanded] = []
    for argument in arguments:
        for item in _expand_one(argument, suffixes, exclude or ExcludePatterns()):
            if isinstance(item, Source):
                key = _identity(item.path) if item.path else STDIN_NAME
                if key in seen:
                    continue
                seen.add(key)
            expanded.append(item)
    return expanded


def _identity(path: Path) -> str:
    """The file a path names, to read it once however it is written; a symlink loop is its own
    name (opening it then fails with a clear error)."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):  # RuntimeError: Python < 3.13 on a symlink loop
        return str(path)


def _expand_one(
    argument: str, suffixes: tuple[str, ...], exclude: ExcludePatterns
) -> list[Expanded]:
    if argument == "-":
        return [Source(STDIN_NAME, None)]
    path = Path(argument)
    if path.is_dir():
        return _files_in_directory(path, suffixes, exclude, argument)
    if path.exists() or not GLOB_CHARACTERS.intersection(argument):
        return [Source(argument, path)]
    matches = sorted(glob.glob(argument, recursive=True))
    if not matches:
        return [
            InputError(
                "no file matches this pattern",
                location=Location(argument),
                hint="check the pattern, or quote it so the shell leaves it to amp-replay",
            )
        ]
    results: list[Expanded] = []
    for match in matches:
        match_path = Path(match)
        if match_path.is_dir():
            results.extend(_files_in_directory(match_path, suffixes, exclude, argument))
        elif not exclude.excludes(match_path):
            results.append(Source(match, match_path, scan=argument))
    return results


def _files_in_directory(
    directory: Path, suffixes: tuple[str, ...], exclude: ExcludePatterns, scan: str
) -> list[Expanded]:
    candidates = [
        relative
        for relative in _listed_files(directory)
        if relative.suffix.lower() in suffixes and not _in_skipped_folder(relative)
    ]
    found: list[Expanded] = []
    for relative in candidates:
        if not exclude.excludes(directory / relative):
            found.append(Source(os.path.join(directory, relative), directory / relative, scan))
    if not found:
        listed = ", ".join(suffixes)
        left_out = " that --exclude leaves" if candidates else ""
        return [
            InputError(
                f"no {listed} files in this directory{left_out}",
                location=Location(str(directory)),
            )
        ]
    return found


def _listed_files(directory: Path) -> list[Path]:
    """Every file under `directory`, relative to it and in os.walk order: the ones git does
    not ignore inside a work tree, all of them elsewhere."""
    visible = git_visible_files(directory)
    if visible is not None:
        present = [relative for relative in visible if (directory / relative).is_file()]
        return sorted(present, key=walk_order)
    listed: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not _skipped_folder(d))
        base = Path(root).relative_to(directory)
        listed.extend(base / name for name in sorted(files))
    return listed


def _skipped_folder(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_DIRECTORIES


def _in_skipped_folder(relative: Path) -> bool:
    return any(_skipped_folder(part) for part in relative.parts[:-1])


def open_binary(source: Source, stdin: BinaryIO | None = None) -> BinaryIO:
    """The input's bytes: the file opened, or stdin. Opening errors become one-line input errors."""
    if source.path is None:
        return stdin if stdin is not None else sys.stdin.buffer
    try:
        return source.path.open("rb")
    except OSError as error:
        raise read_error(error, source.name) from None


def read_error(error: OSError, name: str) -> InputError:
    """An operating-system error on an input, said in a few words."""
    where = Location(name)
    if isinstance(error, FileNotFoundError):
        return InputError("no such file", location=where)
    if isinstance(error, IsADirectoryError):
        return InputError("is a directory", location=where)
    if isinstance(error, PermissionError):
        return InputError("permission denied", location=where)
    return InputError(f"cannot read: {error.strerror or error}", location=where)


def read_bytes(source: Source, max_bytes: int, stdin: BinaryIO | None = None) -> bytes:
    """The raw content, refusing anything larger than `max_bytes` without reading it all."""
    stream = open_binary(source, stdin)
    try:
        data = stream.read(max_bytes + 1)
    except OSError as error:
        raise read_error(error, source.name) from None
    finally:
        if source.path is not None:
            stream.close()
    if len(data) > max_bytes:
        raise InputError(
            f"larger than the {format_bytes(max_bytes)} limit of a configuration file",
            location=Location(source.name),
            hint=bytes_hint(),
        )
    return data


# NUL bytes this early mean UTF-16/32 without a BOM or a binary file (a device such as /dev/zero,
# a sparse file): refused before reading on.
NUL_SNIFF_BYTES = 4096


class NotText(InputError):
    """Bytes that are no text at all (a device, a sparse or binary file): refused at once."""


def binary_input(name: str) -> NotText:
    return NotText(
        "contains NUL bytes: not UTF-8 text "
        "(UTF-16 or UTF-32 without a byte-order mark, or a binary file)",
        location=Location(name),
        hint="save the file as UTF-8",
    )


def decode_text(data: bytes, name: str) -> str:
    """Text from UTF-8 (BOM optional) or BOM-marked UTF-16/32; anything else is an input error."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise InputError(
                    f"invalid {encoding.upper()} at byte {error.start}", location=Location(name)
                ) from None
    if b"\x00" in data[:NUL_SNIFF_BYTES]:
        raise binary_input(name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
        raise InputError(
            f"invalid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})",
            location=Location(name, line, column),
            hint="save the file as UTF-8",
        ) from None
