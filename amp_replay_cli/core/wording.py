"""Numbers in the words every command uses for them."""

from __future__ import annotations


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


def format_percent(share: float) -> str:
    """`30%`, `33.3333%`, `0.0001%`: a share to the SDK's sampling step (0.000001 is 0.0001 %),
    without trailing zeros, so that every percentage reads the same way."""
    return f"{share * 100:.4f}".rstrip("0").removesuffix(".") + "%"
