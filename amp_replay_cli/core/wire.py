"""Amplitude's names and limits on the wire: the one place they are spelled.

The CLI, the diagnose rules and the emulator all import from here, so the tool and its own
test double cannot drift apart (spec/api/APIS.md, spec/sdk/SPEC.md §4).
"""

from __future__ import annotations

import re
from functools import lru_cache

# The event Amplitude creates server-side when a replay arrives, and the event property that
# links analytics events to a replay (`<device_id>/<session_id>`).
REPLAY_CAPTURED = "[Amplitude] Replay Captured"
REPLAY_ID_PROPERTY = "[Amplitude] Session Replay ID"
# What the replay SDK puts on events for debugging: JSON text holding the appHash of its key.
DEBUG_PROPERTY = "[Amplitude] Session Replay Debug"

# The replay SDK's serverZone: only these exact strings count ('eu' or 'Eu' goes to the US
# endpoint), and an unset one is US.
SERVER_ZONES = ("US", "EU", "STAGING")
DEFAULT_SERVER_ZONE = "US"

# A 200 from the track endpoint with this header means Amplitude dropped the batch on purpose.
SKIP_HEADER = "X-Session-Replay-Event-Skipped"

# Amplitude's WAF refuses compressed track bodies above 10 MB with a 413 whose body the SDK
# recognises by this pattern (it then splits the batch in halves).
WAF_LIMIT_BYTES = 10_000_000
WAF_REFUSAL = re.compile(r"payload.*exceed", re.IGNORECASE)

# The characters Amplitude allows in each part of a replay id (`<device>/<session>`).
REPLAY_ID_PART = re.compile(r"[A-Za-z0-9_\-.|@:=]+")

# The Dashboard REST API allows this many queries per hour and project (usersearch, useractivity,
# segmentation alike): `check --wait` spaces its polls to stay inside it.
REST_QUERIES_PER_HOUR = 360

# How long Amplitude keeps a replay: the Session Replay API reports `retention_in_days: 90`
# (spec/api/APIS.md §3.1); some plans keep less.
REPLAY_RETENTION_DAYS = 90

# Amplitude stores session ids as signed 64-bit integers (epoch milliseconds in practice).
MAX_SESSION_ID = 2**63 - 1


def parse_session_id(text: str) -> int | None:
    """A session id written as ASCII digits (an optional minus), within 64 bits; else None.
    (`str.isdigit` alone would take '²' and other digits `int()` refuses.)"""
    digits = text.strip().removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        return None
    number = int(text)
    return number if -MAX_SESSION_ID - 1 <= number <= MAX_SESSION_ID else None


# Ids Amplitude documents as invalid (HTTP V2 answers 400); compared without case.
BLOCKED_IDS = frozenset(
    {
        "anonymous",
        "nil",
        "none",
        "null",
        "n/a",
        "na",
        "undefined",
        "unknown",
        '""',
        "00000000-0000-0000-0000-000000000000",
        "{}",
        "lmy47d",
        "0",
        "-1",
    }
)


@lru_cache(maxsize=65536)
def is_blocked_id(value: str) -> bool:
    """On Amplitude's invalid-id list (compared without case), or all zeros like a zeroed UUID."""
    lowered = value.strip().lower()
    return lowered in BLOCKED_IDS or ("0" in lowered and not lowered.strip("0-"))
