"""Numbers in the words every command uses for them."""

from __future__ import annotations

import re


def format_bytes(count: int) -> str:
    """`512 B`, `83.8 KiB`, `5 MiB`: binary units, one decimal, none when it is zero."""
    if count < 1024:
        return f"{count} B"
    value, unit = count / 1024, "KiB"
    for larger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


_SIZE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[KMG]i?B?|B)?", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
_UNITS |= {f"{letter}IB": factor for letter, factor in _UNITS.items() if letter not in ("", "B")}
_UNITS |= {"KB": 1000, "MB": 1000**2, "GB": 1000**3}


def parse_size(text: str) -> int | None:
    """Bytes from `64MiB`, `64M` (binary, as format_bytes writes), `64MB` (decimal) or `1048576`;
    None when the text is none of these."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        return None
    return int(float(match["number"]) * _UNITS[(match["unit"] or "").upper()])


def format_percent(share: float) -> str:
    """`30%`, `33.3333%`, `0.0001%`: a share to the SDK's sampling step (0.000001 is 0.0001 %),
    without trailing zeros, so that every percentage reads the same way."""
    return f"{share * 100:.4f}".rstrip("0").removesuffix(".") + "%"


def count_of(number: int, noun: str) -> str:
    """`1 event`, `1,234 events`: a count and its noun, plural when it is not one."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
