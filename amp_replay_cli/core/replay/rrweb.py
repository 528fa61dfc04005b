"""rrweb event helpers shared by the uploader and the emulator."""

from __future__ import annotations

import json
import zlib
from typing import Any

PACKER_MARK = "v1"


class PackedEventError(ValueError):
    """A string that is not an rrweb-packer "v1" event."""


def unpack(packed: str) -> dict[str, Any]:
    """An rrweb-packer event: a latin-1 string of zlib-deflated JSON that carries `"v": "v1"`.

    This is what SDK 1.13.6 (the Segment wrapper) sends as each event. Any other marker, or
    text that does not inflate to such JSON, is refused.
    """
    try:
        raw = zlib.decompress(packed.encode("latin-1"))
    except (UnicodeEncodeError, zlib.error) as error:
        raise PackedEventError(f"not zlib data in latin-1 ({error})") from None
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
