"""The replay SDK's `isSessionInSample(sessionId, sampleRate)`, one session at a time: the
specification simulate's decisions over many sessions and the SQL sampling of RPL_NOT_SAMPLED
are tested against. Part of the oracle (tests/oracle), never shipped."""

from __future__ import annotations

from typing import Any

from amp_replay_cli.core.jsvalues import js_string
from amp_replay_cli.core.sampling import Algorithm, bucket_of, hash_of, in_sample


def is_in_sample(
    session_id: Any, sample_rate: float, algorithm: Algorithm = Algorithm.MODERN
) -> bool:
    return in_sample(bucket_of(hash_of(js_string(session_id), algorithm), algorithm), sample_rate)
