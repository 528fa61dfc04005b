"""The replay SDK's sampling decision as the SDK writes it, one session at a time
(`isSessionInSample(sessionId, sampleRate)`, `bucket / 1e6 < sampleRate`): the specification
core/sampling.py's sample_limit, simulate's decisions and the SQL sampling of RPL_NOT_SAMPLED are
tested against. Part of the oracle (tests/oracle), never shipped."""

from __future__ import annotations

from typing import Any

from amp_replay_cli.core.jsvalues import js_string
from amp_replay_cli.core.sampling import BUCKETS, Algorithm, bucket_of, hash_of


def in_sample(bucket: int, sample_rate: float) -> bool:
    """The SDK's comparison: NaN and rates <= 0 select nothing, rates >= 1 everything."""
    return bucket / BUCKETS < sample_rate


def is_in_sample(
    session_id: Any, sample_rate: float, algorithm: Algorithm = Algorithm.MODERN
) -> bool:
    return in_sample(bucket_of(hash_of(js_string(session_id), algorithm), algorithm), sample_rate)
