"""Session Replay's sampling decision, bit for bit as the SDK computes it.

Modern SDKs (1.35.0 and later) hash `String(sessionId)` as UTF-8 with xxHash32 (seed 0) and
keep `hash % 1000000`. SDK 1.34.3 and earlier, including the 1.13.6 that the Segment wrapper
runs, use Java's String.hashCode over UTF-16 code units and keep `(|hash| * 31) % 1000000`.
Either way a session is in the sample when `bucket / 1000000 < sampleRate`, an IEEE double
division and a strict comparison.
"""

from __future__ import annotations

import enum
import math
from array import array
from operator import mul

import xxhash

BUCKETS = 1_000_000
_UINT32 = 0xFFFFFFFF


class Algorithm(str, enum.Enum):
    MODERN = "modern"  # xxHash32, SDK 1.35.0+
    LEGACY = "legacy"  # Java hashCode, SDK <= 1.34.3 (Segment wrapper: 1.13.6)

    @property
    def label(self) -> str:
        if self is Algorithm.MODERN:
            return "xxHash32 of the UTF-8 bytes (SDK 1.35.0 and later)"
        return (
            "Java String.hashCode of the UTF-16 code units "
            "(SDK 1.34.3 and earlier, Segment wrapper 0.4.0)"
        )


# -- the hashes -------------------------------------------------------------------------------
def utf8(text: str) -> bytes:
    """UTF-8 as TextEncoder-free JS code paths produce it: a lone surrogate becomes 3 bytes."""
    return text.encode("utf-8", "surrogatepass")


def xxhash32(text: str) -> int:
    return xxhash.xxh32_intdigest(utf8(text))


_POWERS_OF_31: dict[int, list[int]] = {}


def java_hash_code(text: str) -> int:
    """Java's String.hashCode (h = 31*h + unit over UTF-16 code units), as a signed 32-bit int."""
    units = array("H", text.encode("utf-16-le", "surrogatepass"))
    powers = _POWERS_OF_31.get(len(units))
    if powers is None:
        powers = [pow(31, len(units) - 1 - index, 2**32) for index in range(len(units))]
        _POWERS_OF_31[len(units)] = powers
    value = sum(map(mul, units, powers)) & _UINT32
    return value - 2**32 if value >= 2**31 else value


def hash_of(id_string: str, algorithm: Algorithm) -> int:
    return xxhash32(id_string) if algorithm is Algorithm.MODERN else java_hash_code(id_string)


def bucket_of(hash_value: int, algorithm: Algorithm) -> int:
    if algorithm is Algorithm.MODERN:
        return hash_value % BUCKETS
    return (abs(hash_value) * 31) % BUCKETS


def sample_limit(sample_rate: float) -> int:
    """K such that the SDK's `bucket / 1e6 < sample_rate` is exactly `bucket < K`.

    The division is correctly rounded, so it never decreases as the bucket grows: the buckets
    it selects are 0 to K - 1, and K is found once per rate instead of a division per session.
    NaN and rates <= 0 select nothing, rates >= 1 everything.
    """
    if not sample_rate > 0:
        return 0
    if sample_rate >= 1:
        return BUCKETS
    buckets = min(BUCKETS, math.ceil(sample_rate * BUCKETS))
    while buckets > 0 and (buckets - 1) / BUCKETS >= sample_rate:
        buckets -= 1
    while buckets < BUCKETS and buckets / BUCKETS < sample_rate:
        buckets += 1
    return buckets


def effective_rate(sample_rate: float) -> float:
    """The share of the 1,000,000 buckets that the SDK's `bucket / 1e6 < sample_rate` selects."""
    return sample_limit(sample_rate) / BUCKETS


def min_rate(bucket: int) -> float:
    """The smallest sampleRate in the SDK's 0.000001 steps that records this bucket."""
    return (bucket + 1) / BUCKETS
