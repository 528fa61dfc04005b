"""Requests exactly as @amplitude/session-replay-browser 1.51.6 sends them (spec/sdk/SPEC.md §4).

`POST {base}?device_id=…&session_id=…&type=replay`, the SDK's headers in its order, and a gzip
body `{"version":1,"events":[…]}` whose elements are
`JSON.stringify({type, timestamp, delay?, data})` of each rrweb event, batched at most
`max_batch_bytes` raw bytes.
"""

from __future__ import annotations

import json
import json.encoder
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any
from urllib.parse import quote, urlencode

from zlib_ng import zlib_ng

from amp_replay_cli import __version__
from amp_replay_cli.core.jsvalues import js_string

SDK_PROTOCOL_VERSION = "1.51.6"  # the SDK whose wire format this mirrors
CLIENT_LIBRARY = f"amp-replay/{__version__}"
MAX_URL_LENGTH = 1000
DEFAULT_MAX_BATCH_BYTES = 6_000_000
MIN_BATCH_BYTES, MAX_BATCH_BYTES = 1000, 8_000_000
MAX_EVENT_BYTES = 9_000_000
GZIP_LEVEL = 6  # CompressionStream('gzip') in browsers: zlib's default level

# Python and JavaScript write some numbers differently: floats (1e-05 / 0.00001, 2.0 / 2, 1e+16 /
# 10000000000000000) and integers beyond 2**53, which JavaScript rounds. An event whose fast
# serialisation shows one is serialised again the slow, exact way.
_SUSPECT_FLOAT = re.compile(r"[0-9]e[-+]|[0-9]\.0(?=[,\]}])")
_LONG_INTEGER = re.compile(r"[0-9]{16}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _no_default(value: Any) -> Any:
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _make_compact_encoder() -> Callable[[Any], str]:
    """JSONEncoder.encode builds its C encoder anew on every call; build it once (a third
    faster)."""
    # CPython's C encoder: not in the type stubs, and None where the C accelerator is missing.
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:
        return _ENCODER.encode
    chunks = c_make_encoder(
        None, _no_default, encode_basestring, None, ":", ",", False, False, False
    )

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


_encode = _make_compact_encoder()


def event_string(event: dict[str, Any], unusual_numbers: bool = True) -> str:
    """`JSON.stringify({type, timestamp, delay?, data})`, byte for byte as the SDK's compressor
    writes it.

    `unusual_numbers=False` promises that the event holds no float and no integer of 16 digits or
    more, which spares a scan for numbers that Python writes differently.
    """
    shaped = {"type": event["type"], "timestamp": event["timestamp"]}
    if "delay" in event:
        shaped["delay"] = event["delay"]
    shaped["data"] = event.get("data")
    try:
        text = _encode(shaped)
    except ValueError:  # an infinite number, which JSON.stringify writes as null
        return js_stringify(shaped)
    if (
        unusual_numbers and (_SUSPECT_FLOAT.search(text) or _LONG_INTEGER.search(text))
    ) or not _is_well_formed(text):
        text = js_stringify(shaped)
    return text


def event_literal(event: dict[str, Any], unusual_numbers: bool = True) -> tuple[str, int]:
    """The event's SDK string as the JSON string literal the body holds, and the string's UTF-8
    size."""
    text = event_string(event, unusual_numbers)
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    return encode_basestring(text), size


def literal_size(literal: bytes) -> int:
    """Bytes a literal adds to a body: its UTF-8 and a comma."""
    return len(literal) + 1


def _is_well_formed(text: str) -> bool:
    """False when the text holds a lone surrogate, which JSON.stringify writes as an escape."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def js_stringify(value: Any) -> str:
    """JSON.stringify: JavaScript's number formatting, lone surrogates escaped as \\uXXXX."""
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{_js_string_literal(str(key))}:{js_stringify(item)}"
                for key, item in value.items()
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(js_stringify(item) for item in value) + "]"
    if isinstance(value, str):
        return _js_string_literal(value)
    if value is None or isinstance(value, bool):
        return _ENCODER.encode(value)
    if isinstance(value, (int, float)):
        text = js_string(value)
        return "null" if text in ("NaN", "Infinity", "-Infinity") else text
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _js_string_literal(text: str) -> str:
    return _LONE_SURROGATE.sub(
        lambda match: f"\\u{ord(match.group()):04x}", encode_basestring(text)
    )


_BODY_START, _BODY_END = b'{"version":1,"events":[', b"]}"
BODY_OVERHEAD = len(_BODY_START + _BODY_END)


@dataclass
class Batch:
    """One request's worth of events, as JSON string literals (UTF-8) ready for the body."""

    index: int
    first_event: int  # index of its first event in the recording
    literals: list[bytes] = field(default_factory=list)

    @property
    def raw_body(self) -> bytes:
        literals = self.literals
        if len(literals) < 2:
            return b"".join((_BODY_START, *literals, _BODY_END))
        # The events copied once: the body's start and end go on the first and last literal,
        # where joining the events and then wrapping them copies every byte twice.
        first, last = _BODY_START + literals[0], literals[-1] + _BODY_END
        return b",".join((first, *literals[1:-1], last))

    def split(self) -> tuple[Batch, Batch]:
        """Halves, as the SDK splits a batch the WAF refused."""
        middle = len(self.literals) // 2
        return (
            Batch(self.index, self.first_event, self.literals[:middle]),
            Batch(self.index, self.first_event + middle, self.literals[middle:]),
        )


def clamp_batch_bytes(max_bytes: int) -> int:
    """The SDK's clamp of maxPersistedEventsSizeBytes."""
    return min(MAX_BATCH_BYTES, max(MIN_BATCH_BYTES, max_bytes))


class BatchPlanner:
    """Where batches end: a new one starts when the next event would take the body over the
    limit."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BATCH_BYTES):
        self.max_bytes = clamp_batch_bytes(max_bytes)
        self.count = 0
        self._size = 0

    def starts_batch(self, added: int) -> bool:
        """Count an event of `added` body bytes; True when it opens a new batch."""
        if self.count and self._size + added <= self.max_bytes:
            self._size += added
            return False
        self.count += 1
        self._size = BODY_OVERHEAD + added
        return True


def batches(
    literals: Iterable[tuple[int, bytes]], max_bytes: int = DEFAULT_MAX_BATCH_BYTES
) -> Iterator[Batch]:
    """Events `(index, literal)` cut into batches of at most `max_bytes` raw body bytes (one
    event at least)."""
    planner = BatchPlanner(max_bytes)
    current: Batch | None = None
    for index, literal in literals:
        if planner.starts_batch(literal_size(literal)):
            if current is not None:
                yield current
            current = Batch(planner.count - 1, index)
        assert current is not None  # the first event always starts a batch
        current.literals.append(literal)
    if current is not None:
        yield current


def well_formed(text: str) -> str:
    """`text` as a browser puts it in a URL (URLSearchParams, location.href): UTF-8, with each
    lone surrogate, which UTF-8 cannot encode, as U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def header_safe(text: str) -> str:
    """A URL as a browser's location.href gives it: printable ASCII, anything else
    percent-encoded."""
    return quote(well_formed(text), safe="".join(chr(code) for code in range(0x21, 0x7F)))


@dataclass(frozen=True)
class TrackRequest:
    url: str
    headers: list[tuple[str, str]]
    body: bytes  # gzip
    raw_bytes: int


def build_request(
    track_url: str,
    api_key: str,
    device_id: str,
    session_id: Any,
    raw: bytes,
    page_url: str = "",
    sample_rate: str = "1",
    body: bytes | None = None,
) -> TrackRequest:
    """The request the SDK would send for a batch's raw body, gzip-compressed as with
    enableTransportCompression (`body`: compressed already)."""
    # The SDK builds the query with URLSearchParams, which sends a lone surrogate as U+FFFD.
    query = urlencode(
        {
            "device_id": well_formed(device_id),
            "session_id": well_formed(js_string(session_id)),
            "type": "replay",
        }
    )
    headers = [
        ("Content-Type", "application/json"),
        ("Accept", "*/*"),
        ("Authorization", f"Bearer {api_key}"),
        ("X-Client-Version", SDK_PROTOCOL_VERSION),
        ("X-Client-Library", CLIENT_LIBRARY),
        ("X-Client-Url", header_safe(page_url[:MAX_URL_LENGTH])),
        ("X-Client-Sample-Rate", sample_rate),
        ("X-Sampling-Hash-Alg", "xxhash32"),
        ("Content-Encoding", "gzip"),
    ]
    if body is None:
        body = gzip_body(raw)
    return TrackRequest(f"{track_url}?{query}", headers, body, len(raw))


def gzip_body(raw: bytes) -> bytes:
    """gzip at the SDK's level, by zlib-ng: the same level and format as zlib, about 1.5 times
    as fast and a little smaller (the raw bytes are what must be identical, not the deflate)."""
    compressor = zlib_ng.compressobj(GZIP_LEVEL, zlib_ng.DEFLATED, 31)
    return compressor.compress(raw) + compressor.flush()


def crc32(raw: bytes) -> int:
    """CRC-32 as gzip's trailer holds it."""
    return int(zlib_ng.crc32(raw))
