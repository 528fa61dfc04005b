"""rrweb event helpers shared by the uploader and the emulator."""

from __future__ import annotations

import json
import zlib
from typing import Any

PACKER_MARK = "v1"


class PackedEventError(ValueError):
    """A string that is not an rrweb-packer "v1" event."""


class PackedEventTooLarge(PackedEventError):
    """A packed event that inflates past the limit: a zlib bomb is stopped there."""


# The SDK sends no event over 9,000,000 bytes; twice that leaves room for the packer's JSON.
MAX_UNPACKED_BYTES = 18_000_000


def unpack(packed: str, max_bytes: int = MAX_UNPACKED_BYTES) -> dict[str, Any]:
    """An rrweb-packer event: a latin-1 string of zlib-deflated JSON that carries `"v": "v1"`.

    This is what SDK 1.13.6 (the Segment wrapper) sends as each event. Any other marker, or
    text that does not inflate to such JSON, is refused; inflating stops after `max_bytes`.
    """
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed.encode("latin-1"), max_bytes)
    except (UnicodeEncodeError, zlib.error) as error:
        raise PackedEventError(f"not zlib data in latin-1 ({error})") from None
    if inflater.unconsumed_tail:
        raise PackedEventTooLarge(f"inflates to more than {max_bytes:,} bytes")
    if not inflater.eof:
        raise PackedEventError("not zlib data in latin-1 (incomplete or truncated stream)")
    try:
        event = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PackedEventError(f"inflates to something that is not JSON ({error})") from None
    if not isinstance(event, dict):
        raise PackedEventError("inflates to JSON that is not an object")
    marker = event.pop("v", None)
    if marker != PACKER_MARK:
        raise PackedEventError(f"packer marker is {marker!r}, not {PACKER_MARK!r}")
    return event


def pack(event: dict[str, Any]) -> str:
    """The inverse of `unpack`, as rrweb's packer writes it."""
    return zlib.compress(
        json.dumps({**event, "v": PACKER_MARK}, separators=(",", ":")).encode()
    ).decode("latin-1")
