"""SQL expressions the link rules and the session table share, written from the Python names
they stand for (identity/events.py, core/wire.py), so the two engines cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable

from amp_replay_cli.core.identity.events import AMPLITUDE_EVENT_TYPES, ENRICHED_BY_WRAPPER
from amp_replay_cli.core.wire import BLOCKED_IDS

# Every character Python's str.strip() removes (str.isspace): U+3000, the ideographic space, is
# the last, so the search stops there (all of Unicode took a quarter of a second per run).
PYTHON_WHITESPACE = "".join(chr(point) for point in range(0x3001) if chr(point).isspace())
_UINT32 = 2**32
# Legacy sampling hashes String(sessionId); below 2**53 that is the integer's own digits.
_SAFE_DIGITS = 16


def quoted(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def listed(values: Iterable[str]) -> str:
    return "(" + ", ".join(quoted(value) for value in sorted(values)) + ")"


AMPLITUDE_TYPES = listed(AMPLITUDE_EVENT_TYPES)
ENRICHED_TYPES = listed(ENRICHED_BY_WRAPPER)

# Events the destination turns into Amplitude events of a session (the Tracker of
# tests/oracle/tracking.py).
AMPLITUDE_EVENT = (
    f"undelivered_code IS NULL AND type IN {AMPLITUDE_TYPES} AND dest_device IS NOT NULL"
)


def id_text(column: str) -> str:
    """The model's id_text (tests/oracle) of a JSON column: a string as it is, any other value
    as its JSON text."""
    return (
        f"(CASE WHEN json_type({column}) = 'VARCHAR' THEN json_extract_string({column}, '$') "
        f"ELSE CAST({column} AS VARCHAR) END)"
    )


def python_str(column: str) -> str:
    """Python's str() of a JSON column's value (an f-string): id_text, but True and False
    capitalised."""
    return (
        f"(CASE WHEN json_type({column}) = 'BOOLEAN' THEN "
        f"(CASE WHEN CAST({column} AS VARCHAR) = 'true' THEN 'True' ELSE 'False' END) "
        f"ELSE {id_text(column)} END)"
    )


def usable_id(text: str) -> str:
    """The oracle's tracking._usable_id of an id's text: long enough and not on Amplitude's
    blocked list (wire.is_blocked_id: compared stripped and without case, or all zeros and
    dashes)."""
    leading = f"regexp_replace({text}, '^[{PYTHON_WHITESPACE}]+', '')"
    stripped = f"lower(regexp_replace({leading}, '[{PYTHON_WHITESPACE}]+$', ''))"
    return (
        f"(length({text}) >= $min_id_length AND {stripped} NOT IN {listed(BLOCKED_IDS)} "
        f"AND NOT regexp_matches({stripped}, '^[0-]*0[0-]*$'))"
    )


def legacy_bucket(session: str) -> str:
    """sampling.bucket_of(java_hash_code(String(session)), LEGACY) of a BIGINT session id below
    2**53 in size, as arithmetic: String.hashCode sums each character's code times 31 to the
    power of its distance from the end, modulo 2**32; here the characters are the digits of
    |session| and a leading minus."""
    magnitude = f"abs({session})"
    terms = ["0"]
    for place in range(_SAFE_DIGITS):
        power = pow(31, place, _UINT32)
        digit = f"(48 + ({magnitude} // {10**place}) % 10) * {power}"
        terms.append(
            digit
            if place == 0
            else f"(CASE WHEN {magnitude} >= {10**place} THEN {digit} ELSE 0 END)"
        )
    # The minus sign sits one place beyond the last digit.
    minus = " ".join(
        f"WHEN {magnitude} < {10**digits} THEN {45 * pow(31, digits, _UINT32)}"
        for digits in range(1, _SAFE_DIGITS + 1)
    )
    terms.append(f"(CASE WHEN {session} >= 0 THEN 0 {minus} ELSE 0 END)")
    unsigned = f"(({' + '.join(terms)}) % {_UINT32})"
    # |signed 32-bit value| of the unsigned one.
    size = f"(CASE WHEN {unsigned} >= {2**31} THEN {_UINT32} - {unsigned} ELSE {unsigned} END)"
    return f"(({size} * 31) % 1000000)"


# xxHash32's primes (seed 0), for sampling.xxhash32.
_P1, _P2, _P3, _P4, _P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
_LONGEST = _SAFE_DIGITS + 1  # digits and a minus sign
_STRIPE = 16  # bytes: xxHash32 reads longer inputs 16 at a time, in four lanes


def _mul32(value: str, constant: int) -> str:
    """(value * constant) mod 2**32 for value < 2**32 without leaving 64-bit integers: the
    constant in two 16-bit halves."""
    low, high = constant % 65536, constant // 65536
    return f"(({value} * {low} + (({value} * {high}) % 65536) * 65536) % {_UINT32})"


def _rotl(value: str, bits: int) -> str:
    return f"((({value} * {2**bits}) % {_UINT32}) + {value} // {2 ** (32 - bits)})"


def _word(position: int) -> str:
    """The little-endian 32-bit word at a 1-based byte position."""
    return "(" + " + ".join(f"c{position + index} * {256**index}" for index in range(4)) + ")"


def _byte_at(position: str) -> str:
    return (
        f"(CASE {position} "
        + " ".join(f"WHEN {index} THEN c{index}" for index in range(1, _LONGEST + 1))
        + " END)"
    )


def modern_buckets(source: str, session: str, prefix: str) -> tuple[str, str]:
    """CTEs giving `bucket`, sampling.bucket_of(xxhash32(String(session)), MODERN), for each
    row of `source` (a BIGINT `session` below 2**53 in size), and the name of the last one.

    The session's text is at most 17 ASCII bytes, so the hash takes one of two shapes: 16 or
    17 bytes are one stripe of four lanes then at most one byte; shorter texts are up to three
    words then up to three bytes. Each step of the running hash is a CTE of its own that names
    its value, so the text of a step does not grow with the steps before it."""
    steps: list[str] = []  # h0, h1, ...: each from the one before, written `{h}`

    def mix(expression: str) -> None:
        steps.append(expression.replace("{h}", f"h{len(steps) - 1}"))

    lanes = []
    for lane, start in enumerate((_P1 + _P2, _P2, 0, _UINT32 - _P1)):
        accumulated = f"(({start} + {_mul32(_word(1 + 4 * lane), _P2)}) % {_UINT32})"
        lanes.append(_mul32(_rotl(accumulated, 13), _P1))
    merged = " + ".join(_rotl(lane, bits) for lane, bits in zip(lanes, (1, 7, 12, 18), strict=True))
    mix(f"((CASE WHEN n >= {_STRIPE} THEN {merged} ELSE {_P5} END + n) % {_UINT32})")
    for word in range(3):
        added = f"(({{h}} + {_mul32(_word(1 + 4 * word), _P3)}) % {_UINT32})"
        mixed = _mul32(_rotl(added, 17), _P4)
        mix(f"(CASE WHEN n < {_STRIPE} AND n >= {4 * (word + 1)} THEN {mixed} ELSE {{h}} END)")
    tail = f"(CASE WHEN n >= {_STRIPE} THEN {_STRIPE + 1} ELSE 4 * (n // 4) + 1 END)"
    for index in range(3):
        at = f"({tail} + {index})"
        mixed = _mul32(_rotl(f"(({{h}} + {_byte_at(at)} * {_P5}) % {_UINT32})", 11), _P1)
        mix(f"(CASE WHEN {at} <= n THEN {mixed} ELSE {{h}} END)")
    # The avalanche: h ^= h >> 15; h *= P2; h ^= h >> 13; h *= P3; h ^= h >> 16.
    mix(_mul32("xor({h}, {h} // 32768)", _P2))
    mix(_mul32("xor({h}, {h} // 8192)", _P3))
    last = f"h{len(steps) - 1}"
    digits = f"CAST({session} AS VARCHAR)"
    characters = ", ".join(
        f"CASE WHEN length({digits}) >= {index} THEN (CASE substr({digits}, {index}, 1) "
        f"WHEN '-' THEN 45 ELSE 48 + CAST(substr({digits}, {index}, 1) AS BIGINT) END) "
        f"ELSE 0 END AS c{index}"
        for index in range(1, _LONGEST + 1)
    )
    ctes = [f"{prefix} AS (SELECT *, length({digits}) AS n, {characters} FROM {source})"]
    previous = prefix
    for number, expression in enumerate(steps):
        ctes.append(f"{prefix}{number} AS (SELECT *, {expression} AS h{number} FROM {previous})")
        previous = f"{prefix}{number}"
    ctes.append(
        f"{prefix}_buckets AS (SELECT *, xor({last}, {last} // 65536) % 1000000 AS bucket "
        f"FROM {previous})"
    )
    return ",\n".join(ctes), f"{prefix}_buckets"
