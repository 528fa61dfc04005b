"""Which files a directory scan sees: what git does not ignore, minus `--exclude` patterns."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

# Set by git when amp-replay runs inside a git hook; they point at the hook's repository and
# index, relative to its working directory, so `git -C DIR` would misread them.
_GIT_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
GIT_TIMEOUT_SECONDS = 60


def git_visible_files(directory: Path) -> list[Path] | None:
    """Files under `directory` that git does not ignore, relative to it (tracked files, and
    untracked ones no .gitignore, .git/info/exclude or global excludes file matches).

    None when git is not installed, `directory` is not inside a work tree, or it is ignored
    itself (named on the command line, it is wanted all the same): the caller then walks the
    directory itself.
    """
    listing = _git(directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if listing is None or listing.returncode != 0:
        return None
    listed = [Path(os.fsdecode(raw)) for raw in listing.stdout.split(b"\0") if raw]
    if not listed:
        ignored = _git(directory, "check-ignore", "-q", ".")
        if ignored is None or ignored.returncode == 0:
            return None
    return listed


def _git(directory: Path, *arguments: str) -> subprocess.CompletedProcess[bytes] | None:
    """git run in `directory`; None when it cannot be run at all."""
    environment = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARIABLES}
    try:
        return subprocess.run(
            ["git", "-C", str(directory), *arguments],
            capture_output=True,
            check=False,
            env=environment,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def walk_order(relative: Path) -> tuple[tuple[int, str], ...]:
    """The sort key that lists files as os.walk with sorted names does: a folder's files, then
    its subfolders, depth first."""
    parts = relative.parts
    return (*((1, part) for part in parts[:-1]), (0, parts[-1]))


class ExcludePatterns:
    """`--exclude GLOB` patterns, gitignore-like, and which of them excluded something.

    A pattern is matched against the path relative to the working directory and each folder
    above the file (so `build` or `apps/*/dist` exclude whole folders); a pattern without `/`
    also matches any single name in the path (`*.generated.json`, `fixtures`). `*` and `?` stay
    within one name, `**` crosses folders, `[abc]` is a character class, a leading `./` or `/`
    and a trailing `/` are ignored. Patterns added with a `base` folder (a project
    configuration's) are matched against paths relative to that folder instead.
    """

    def __init__(self, patterns: Iterable[str] = (), base: Path | None = None):
        self.patterns: list[str] = []
        self._compiled: list[tuple[re.Pattern[str], bool, Path | None]] = []
        self._used: set[str] = set()
        self.add(patterns, base)

    def add(self, patterns: Iterable[str], base: Path | None = None) -> None:
        for pattern in patterns:
            if pattern:
                self.patterns.append(pattern)
                self._compiled.append((*_compile(pattern), base))

    def excludes(self, path: Path) -> bool:
        matched = False
        for pattern, (regex, anchored, base) in zip(self.patterns, self._compiled, strict=True):
            parts = _relative_posix(path, base).split("/")
            prefixes = ["/".join(parts[: count + 1]) for count in range(len(parts))]
            candidates = prefixes if anchored else prefixes + parts
            if any(regex.fullmatch(candidate) for candidate in candidates):
                self._used.add(pattern)
                matched = True
        return matched

    def unused(self) -> list[str]:
        """The patterns that excluded no file, in the order given."""
        return [pattern for pattern in dict.fromkeys(self.patterns) if pattern not in self._used]


def _relative_posix(path: Path, base: Path | None) -> str:
    try:
        relative = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        relative = str(path)
    return Path(relative).as_posix()


def _compile(pattern: str) -> tuple[re.Pattern[str], bool]:
    """The pattern as a regular expression, and whether it names a path (has a `/`)."""
    body = pattern.removeprefix("./").strip("/")
    return re.compile(_translate(body)), "/" in body


def _translate(glob: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif glob.startswith("**", index):
            out.append(".*")
            index += 2
        elif glob[index] == "*":
            out.append("[^/]*")
            index += 1
        elif glob[index] == "?":
            out.append("[^/]")
            index += 1
        elif glob[index] == "[" and (end := glob.find("]", index + 2)) != -1:
            inside = glob[index + 1 : end].replace("\\", "\\\\")
            out.append("[^" + inside[1:] + "]" if inside.startswith("!") else f"[{inside}]")
            index = end + 1
        else:
            out.append(re.escape(glob[index]))
            index += 1
    return "".join(out)
