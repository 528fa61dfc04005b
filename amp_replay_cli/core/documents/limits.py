"""How much of an input the readers hold before they refuse it: every limit in one place.

Configuration files are read whole, so they have a size limit and a limit on the values they
hold. Measured with GNU time on generated valid configurations (`validate`, one file): peak
memory is about 20 MB plus 15 times the file's size for YAML (12 for JSON), and about 270 bytes
per value held. A 32 MiB file of a million 28-character block selectors peaks at 480 MB (YAML)
and 370 MB (JSON); a million one-letter values at 270 MB. Both limits can be raised from the
command line for a larger generated configuration.

Streamed inputs (recordings, Segment logs, session id files, exports) are read a line or a JSON
item at a time, so what bounds their memory is the longest line or item held: `ItemLimit`, one
per kind of input, each with the option that raises it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from amp_replay_cli.core.errors import InputError, Location
from amp_replay_cli.core.wording import format_bytes

MAX_FILE_SIZE_OPTION = "--max-file-size"
MAX_VALUES_OPTION = "--max-values"


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 32 * 1024 * 1024
    max_depth: int = 64
    # Counted after YAML aliases are expanded, so an alias bomb is refused before it is walked.
    max_values: int = 1_000_000

    def values_hint(self) -> str:
        return (
            f"validate {MAX_VALUES_OPTION} N raises the limit for a configuration meant to be "
            "this large (an alias bomb, aliases of aliases, is not)"
        )


DEFAULT_LIMITS = Limits()


def bytes_hint() -> str:
    return (
        f"validate {MAX_FILE_SIZE_OPTION} SIZE (e.g. 64MiB) raises the limit for a generated "
        "configuration; memory use is about 15 times the file's size"
    )


MIB = 1024 * 1024


@dataclass(frozen=True)
class ItemLimit:
    """The longest line or JSON item a streamed input may hold.

    Counted in characters of decoded text: a character is at least one byte in the file, so an
    item past the limit is at least that many bytes long. A gzip member is inflated only as far
    as the reader gets, so a bomb is refused once one item passes the limit, not after its size.
    """

    max_chars: int
    option: str  # the command-line option that raises it

    def with_max(self, max_chars: int | None) -> ItemLimit:
        return self if max_chars is None else replace(self, max_chars=max_chars)

    def exceeded(self, what: str, location: Location) -> LimitExceeded:
        return LimitExceeded(
            f"{what} longer than the {format_bytes(self.max_chars)} limit "
            f"({self.option} raises it)",
            location=location,
        )

    def out_of_memory(self, location: Location) -> LimitExceeded:
        return LimitExceeded(
            "ran out of memory reading this input "
            f"(it holds up to {format_bytes(self.max_chars)} a line or item; "
            f"{self.option} lowers that)",
            location=location,
        )


class LimitExceeded(InputError):
    """An input holds more than a reader keeps in memory: refused, not read to the end."""


# Recordings: the SDK refuses events over 9,000,000 bytes (spec/sdk/SPEC.md §4); the rest leaves
# room for pretty-printed JSON and escapes that shrink when the event is serialised.
RECORDING_ITEM = ItemLimit(16 * MIB, "--max-item-bytes")
# Segment logs, Amplitude exports, replay lists and session id files: Segment refuses events
# over 32 KB, so 64 MiB is room for any line or JSON array item a real log or export holds.
LOG_LINE = ItemLimit(64 * MIB, "--max-line-bytes")
