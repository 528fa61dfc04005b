"""Errors that end a run, each carrying its exit code and a hint for the user.

The CLI maps these to exit codes in one place; the core raises them and never exits.
"""

from __future__ import annotations

from dataclasses import dataclass


class ExitCode:
    OK = 0
    FINDINGS = 1
    USAGE = 2
    AUTH = 3
    NETWORK = 4
    INTERNAL = 5
    INTERRUPTED = 130


@dataclass(frozen=True)
class Location:
    """Where in an input something went wrong; line and column are 1-based."""

    file: str
    line: int | None = None
    column: int | None = None

    def prefix(self) -> str:
        return place(self.file, self.line, self.column)


def place(file: str, line: int | None, column: int | None) -> str:
    """`file:line:column`, as compilers and editors write it; the parts that are known."""
    parts = [file]
    if line is not None:
        parts.append(str(line))
        if column is not None:
            parts.append(str(column))
    return ":".join(parts)


class AmpReplayError(Exception):
    """Base of every error the tool reports without a traceback."""

    exit_code = ExitCode.INTERNAL
    kind = "internal"

    def __init__(self, message: str, hint: str | None = None, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def one_line(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location.prefix()}: {self.message}"


class InputError(AmpReplayError):
    """An input file or stream cannot be read as what the command needs."""

    exit_code = ExitCode.USAGE
    kind = "input"


class UsageError(AmpReplayError):
    """The command line asks for something impossible."""

    exit_code = ExitCode.USAGE
    kind = "usage"


class AuthError(AmpReplayError):
    exit_code = ExitCode.AUTH
    kind = "auth"


class NetworkError(AmpReplayError):
    exit_code = ExitCode.NETWORK
    kind = "network"


class Interrupted(AmpReplayError):
    exit_code = ExitCode.INTERRUPTED
    kind = "interrupted"
