"""How much input a configuration may hold before it is refused: limits that protect memory.

Measured with GNU time on generated valid configurations (`validate`, one file): peak memory is
about 20 MB plus 15 times the file's size for YAML (12 for JSON), and about 270 bytes per value
held. A 32 MiB file of a million 28-character block selectors peaks at 480 MB (YAML) and
370 MB (JSON); a million one-letter values at 270 MB. Both limits can be raised from the
command line for a larger generated configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

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
