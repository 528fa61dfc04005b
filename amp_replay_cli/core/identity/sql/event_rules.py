"""The rules one event settles on its own (tests/oracle/event_rules.py), as SQL over `events`.

Each rule is one SELECT yielding FINDING_COLUMNS. Details are JSON objects written by
concatenating JSON texts, so a value reaches the evidence exactly as the events relation holds
it (DuckDB's json_object would print 0.30000000000000004 as 0.3). What only the message needs
goes under MESSAGE_ONLY; event_wordings.py words the rows.

The oracle's reporter reports a code once per event and id field, an event being its messageId
or, without one, its file and line (the events of one `{"batch": [...]}` line share it): each
rule keeps the first such finding in reading order (`_once_per_event`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from amp_replay_cli.core.identity.events import (
    AMPLITUDE_EVENT_TYPES,
    ID_SENDING_TYPES,
    NO_IDS,
    NO_SESSION,
    PRODUCT_PURCHASED,
    SECONDS_LIMIT,
    SESSION_REFUSED,
)
from amp_replay_cli.core.identity.messages import DEVICE_ID, REPLAY_DEVICE, USER_ID
from amp_replay_cli.core.identity.sql.expressions import PYTHON_WHITESPACE
from amp_replay_cli.core.identity.sql.findings import MESSAGE_ONLY, NOT_LISTED
from amp_replay_cli.core.identity.sql.relation import FINDING_COLUMNS
from amp_replay_cli.core.identity.sql.rules import Rule
from amp_replay_cli.core.wire import BLOCKED_IDS

# The calls whose missing session id is reported: those the session plugin enriches.
SESSION_ENRICHED_TYPES = ("track", "page", "identify")
# The variant of the finding about an event that never reaches Amplitude.
UNDELIVERED = "undelivered"
# Events that never reach Amplitude can be every line of a log: the first ones are listed.
MAX_UNDELIVERED_FINDINGS = 200


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(literal(value) for value in sorted(values)) + ")"


def json_object(*pairs: tuple[str, str]) -> str:
    """SQL building a JSON object's text from (key, SQL giving the value's JSON text): one
    concat() rather than a chain of ||, which sqlglot would nest as deep as it is long."""
    parts = []
    for index, (key, value) in enumerate(pairs):
        parts += [literal(("{" if index == 0 else ",") + json.dumps(key) + ":"), value]
    return f"concat({', '.join(parts)}, '}}')"


def json_of(column: str) -> str:
    """The JSON text of a JSON column, null when SQL NULL (as text: a warehouse's concat and
    coalesce want text, not DuckDB's JSON type)."""
    return f"coalesce(CAST({column} AS VARCHAR), 'null')"


# What json.dumps(text, ensure_ascii=False) escapes, with the escape: the backslash first, so
# that the escapes written after it are not escaped again.
_JSON_ESCAPES = [(char, json.dumps(char)[1:-1]) for char in ["\\", '"', *map(chr, range(32))]]


def _character(char: str) -> str:
    """A one-character SQL string; chr(0) for NUL, which no literal can hold."""
    return "chr(0)" if char == "\0" else literal(char)


def json_of_text(expression: str) -> str:
    """The JSON text of a VARCHAR, as json.dumps writes it (replace() everywhere: to_json has
    no Trino form)."""
    text = expression
    for char, escape in _JSON_ESCAPES:
        text = f"replace({text}, {_character(char)}, {literal(escape)})"
    return f"coalesce('\"' || {text} || '\"', 'null')"


def json_of_printed(expression: str) -> str:
    """The JSON text of a VARCHAR that is JSON text itself (no control character is raw in it):
    only its quotes and backslashes need escaping."""
    escaped = f"replace(replace({expression}, '\\', '\\\\'), '\"', '\\\"')"
    return f"('\"' || {escaped} || '\"')"


def json_of_name(expression: str) -> str:
    """The JSON text of a VARCHAR known to need no escape (a code, a field name)."""
    return f"('\"' || {expression} || '\"')"


def json_of_number(expression: str) -> str:
    return f"coalesce(CAST({expression} AS VARCHAR), 'null')"


def json_of_boolean(expression: str) -> str:
    return f"CASE WHEN {expression} THEN 'true' ELSE 'false' END"


def _is_string(column: str) -> str:
    return f"starts_with({column}, '\"')"


def id_text(column: str) -> str:
    """The model's id_text (tests/oracle) of a JSON column: a string as it is, another value as
    its JSON text (NULL stays NULL)."""
    return (
        f"CASE WHEN {_is_string(column)} THEN json_extract_string({column}, '$') "
        f"ELSE CAST({column} AS VARCHAR) END"
    )


def id_text_json(column: str) -> str:
    """The JSON text of id_text(column): a string's JSON text as it is, another value's JSON
    text quoted (digits, a sign, a point, true or false: nothing to escape)."""
    return f"CASE WHEN {_is_string(column)} THEN {column} ELSE '\"' || {column} || '\"' END"


def _is_fraction(column: str) -> str:
    """A JSON number written with a fraction or an exponent: a float to the Python model."""
    return f"regexp_matches({column}, '^-?[0-9]+([.][0-9]+|([.][0-9]+)?[eE][+-]?[0-9]+)$')"


def _show(column: str) -> str:
    """jsvalues.show of a JSON number or boolean: an integral float without its .0 (below 1e18:
    BIGINT is what every engine can print), cut at 60 characters."""
    number = f"TRY_CAST({column} AS DOUBLE)"
    shown = (
        f"CASE WHEN {_is_fraction(column)} AND {number} = floor({number}) "
        f"AND abs({number}) < 1e18 THEN CAST(CAST({number} AS BIGINT) AS VARCHAR) "
        f"ELSE CAST({column} AS VARCHAR) END"
    )
    return f"CASE WHEN length({shown}) <= 60 THEN {shown} ELSE substr({shown}, 1, 57) || '...' END"


WHERE_COLUMNS = (
    "e.seq, e.file, e.line, e.message_id, "
    "CASE WHEN e.undelivered_code IS NULL THEN e.dest_device END AS device_id, "
    "CASE WHEN e.undelivered_code IS NULL THEN e.dest_session END AS session_id"
)
_COLUMNS = ", ".join(FINDING_COLUMNS)


def _once_per_event(candidates: str, shared: str = "") -> str:
    """The rule's statement: `candidates` (a query yielding FINDING_COLUMNS and `field`, over
    events and the common table expressions `shared`), each code and field reported once per
    event. A messageId is one event's (duplicates are gone from `events`), so only events
    without one need the window. `candidates` is written twice rather than as a common table
    expression: DuckDB would materialise it, and the copy for events without messageId costs
    next to nothing once the filter is pushed into its scans."""
    return (
        (f"WITH {shared} " if shared else "")
        + f"SELECT {_COLUMNS} FROM ({candidates}) AS candidates WHERE message_id IS NOT NULL "
        f"UNION ALL SELECT {_COLUMNS} FROM (SELECT *, row_number() OVER (PARTITION BY code, "
        f"field, file, line ORDER BY seq) AS nth FROM ({candidates}) AS candidates "
        "WHERE message_id IS NULL) AS numbered WHERE nth = 1"
    )


def _details(evidence: Iterable[tuple[str, str]], message_only: Iterable[tuple[str, str]]) -> str:
    pairs = list(evidence)
    words = list(message_only)
    if words:
        pairs.append((MESSAGE_ONLY, json_object(*words)))
    return json_object(*pairs)


def _blocked(text: str) -> str:
    """wire.is_blocked_id in SQL, the list made from BLOCKED_IDS: one pattern with str.strip()'s
    whitespace around the lowered id (trim() with these characters is far slower; no inline
    (?i): Snowflake's patterns have none)."""
    space = f"[{PYTHON_WHITESPACE}]*"
    words = "|".join(re.escape(word) for word in sorted(BLOCKED_IDS))
    pattern = f"^{space}(?:{words}|[0-]*0[0-]*){space}$"
    return f"regexp_matches(lower({text}), {literal(pattern)})"


# Each id field: its value (as text), the value's id text and the JSON text of that, and when
# the field is checked.
_CHECKED_IDS = [
    (
        DEVICE_ID,
        "CAST(e.dest_device AS VARCHAR)",
        id_text("value"),
        id_text_json("value"),
        "e.dest_device IS NOT NULL",
    ),
    (
        USER_ID,
        "CAST(e.dest_user AS VARCHAR)",
        id_text("value"),
        id_text_json("value"),
        "e.dest_user IS NOT NULL",
    ),
    (REPLAY_DEVICE, "e.rp_device", "value", json_of_text("value"), "e.replay_id IS NOT NULL"),
]
_SENDS_IDS = f"e.undelivered_code IS NULL AND e.type IN {_in_list(ID_SENDING_TYPES)}"
_ID_SEVERITY = " ".join(
    f"WHEN {literal(field.name)} THEN {literal(field.short_severity.value)}"
    for field, *_ in _CHECKED_IDS
)
# An id repeats on every event of its browser: each distinct value is judged once, and the
# few bad ones are joined back to their events.
_BAD_IDS = (
    f"SELECT * FROM (SELECT field, value, text, text_json, {_blocked('text')} AS blocked FROM ("
    + " UNION ALL ".join(
        f"SELECT {literal(field.name)} AS field, value, {text} AS text, {text_json} AS text_json "
        f"FROM (SELECT DISTINCT {value} AS value FROM events AS e WHERE {_SENDS_IDS} "
        f"AND {condition}) AS distinct_ids"
        for field, value, text, text_json, condition in _CHECKED_IDS
    )
    + ") AS judged) AS bad WHERE blocked OR length(text) < $min_id_length"
)

IDS = Rule(
    "ids",
    _once_per_event(
        "SELECT CASE WHEN blocked THEN 'ID_BLOCKED' ELSE 'ID_TOO_SHORT' END AS code, "
        f"CASE WHEN blocked THEN 'error' ELSE CASE field {_ID_SEVERITY} END END AS severity, "
        "field AS variant, seq, file, line, message_id, device_id, session_id, "
        + _details(
            [("field", json_of_name("field")), ("value", "text_json")],
            [("min_id_length", "CAST($min_id_length AS VARCHAR)")],
        )
        + " AS details, field FROM ("
        + " UNION ALL ".join(
            f"SELECT {WHERE_COLUMNS}, b.field, b.text, b.text_json, b.blocked FROM events AS e "
            f"JOIN bad_ids AS b ON b.field = {literal(field.name)} AND b.value = {value} "
            f"WHERE {_SENDS_IDS} AND {condition}"
            for field, value, _, _, condition in _CHECKED_IDS
        )
        + ") AS found",
        f"bad_ids AS ({_BAD_IDS})",
    ),
)


CONTEXT_DEVICE = Rule(
    "context_device",
    _once_per_event(
        "SELECT 'CONTEXT_DEVICE_ID_OVERRIDE' AS code, 'error' AS severity, variant, seq, file, "
        "line, message_id, device_id, session_id, "
        + _details(
            [("context_device_id", json_of("context_device_id"))],
            [
                ("user_id", json_of("user_id")),
                ("anonymous_id", json_of("anonymous_id")),
                ("replay_id", json_of("replay_value")),  # the replay device id's, when it parsed
            ],
        )
        + " AS details, '' AS field FROM ("
        f"SELECT {WHERE_COLUMNS}, e.context_device_id, e.user_id, e.anonymous_id, "
        "e.replay_value, CASE WHEN e.context_device_id = '\"\"' THEN 'empty' "
        "WHEN e.replay_id IS NOT NULL THEN 'replay' ELSE 'anonymous' END AS variant, "
        "CASE WHEN e.context_device_id = '\"\"' THEN true "
        f"WHEN e.replay_id IS NOT NULL THEN NOT {_is_string('e.context_device_id')} "
        "OR json_extract_string(e.context_device_id, '$') <> e.rp_device "
        "ELSE e.context_device_id IS DISTINCT FROM e.anonymous_id END AS overridden "
        "FROM events AS e WHERE e.undelivered_code IS NULL "
        f"AND e.type IN {_in_list(ID_SENDING_TYPES)} AND e.is_browser "
        "AND e.has_context_device_id) AS checked WHERE overridden"
    ),
)

_BROWSER_ID = (
    f"(coalesce({id_text('e.anonymous_id')} = e.rp_device, false) "
    f"OR coalesce({id_text('e.context_device_id')} = e.rp_device, false))"
)
_USER_TEXT = id_text("e.user_id")

REPLAY_PROPERTY = Rule(
    "replay_property",
    _once_per_event(
        "SELECT code, 'error' AS severity, variant, seq, file, line, message_id, device_id, "
        "session_id, details, '' AS field FROM ("
        "SELECT 'RPL_PROPERTY_MALFORMED' AS code, e.replay_problem AS variant, "
        f"{WHERE_COLUMNS}, "
        + _details(
            [
                (
                    "value",
                    "CASE WHEN e.replay_value IS NULL OR "
                    f"{_is_string('e.replay_value')} THEN {json_of('e.replay_value')} "
                    f"ELSE {json_of_printed(_show('e.replay_value'))} END",
                )
            ],
            [],
        )
        + " AS details FROM events AS e "
        "WHERE e.has_replay_property AND e.replay_problem IS NOT NULL "
        "UNION ALL "
        f"SELECT CASE WHEN {_USER_TEXT} = e.rp_device THEN 'RPL_DEVICE_IS_USERID' "
        "ELSE 'RPL_DEVICE_STALE' END AS code, NULL AS variant, "
        f"{WHERE_COLUMNS}, "
        + _details(
            [("replay_id", json_of("e.replay_value"))],  # the text that parsed: replay_id
            [
                ("dest_device", json_of("e.dest_device")),
                ("user_id", json_of("e.user_id")),
                ("anonymous_id", json_of("e.anonymous_id")),
            ],
        )
        + " AS details FROM events AS e "
        "WHERE e.has_replay_property AND e.replay_problem IS NULL AND ("
        f"({_USER_TEXT} = e.rp_device AND e.rp_device <> coalesce({id_text('e.dest_device')}, "
        "'null')) "
        f"OR (({_USER_TEXT} IS NULL OR {_USER_TEXT} <> e.rp_device) AND NOT {_BROWSER_ID}))"
        ") AS found"
    ),
)

_RAW = "e.session_raw"
# session_ids.format_problem says nothing: an explicit "no session", or epoch milliseconds the
# destination sends unchanged.
# (The raw id's JSON text is the sent number's text only when it is that integer.)
_WELL_FORMED = (
    f"(CAST({_RAW} AS VARCHAR) = '{NO_SESSION}' OR (e.dest_session >= {SECONDS_LIMIT} "
    f"AND CAST({_RAW} AS VARCHAR) = CAST(e.dest_session AS VARCHAR)))"
)
_BAD_FORMAT = (
    f"NOT {_WELL_FORMED} AND (e.dest_session = {NO_SESSION} OR e.dest_session < {SECONDS_LIMIT} "
    f"OR starts_with({_RAW}, '[') OR ({_is_fraction(_RAW)}) "
    f"OR ({_is_string(_RAW)} AND NOT regexp_matches({_RAW}, '^\"[0-9]+\"$')))"
)
# round((session - time) / 1000, 1) as Python rounds the double: an exact tie to even, else by
# which side of the decimal the double falls (the remainder of the scaled mantissa, mod 1000).
_AHEAD = "(e.dest_session - e.timestamp_ms)"
_SECONDS = (
    f"CAST(CASE WHEN {_AHEAD} % 100 < 50 THEN {_AHEAD} // 100 "
    f"WHEN {_AHEAD} % 100 > 50 THEN {_AHEAD} // 100 + 1 "
    f"WHEN {_AHEAD} % 125 = 0 THEN {_AHEAD} // 100 + ({_AHEAD} // 100) % 2 "
    f"WHEN ({_AHEAD} % 1000) * (CAST(power(2, 52 - floor(log2(CAST({_AHEAD} AS DOUBLE) / 1000))) "
    "AS BIGINT) "
    f"% 1000) % 1000 > 500 THEN {_AHEAD} // 100 + 1 ELSE {_AHEAD} // 100 END AS DOUBLE) / 10"
)

SESSION_ID = Rule(
    "session_id",
    _once_per_event(
        "SELECT code, severity, NULL AS variant, seq, file, line, message_id, device_id, "
        "session_id, details, '' AS field FROM ("
        f"SELECT 'SESSION_ID_MISSING' AS code, 'error' AS severity, {WHERE_COLUMNS}, "
        + _details(
            [],
            [
                ("library_version", json_of_text("e.library_version")),
                ("integrations_all_false", json_of_boolean("e.integrations_all_false")),
            ],
        )
        + " AS details FROM events AS e WHERE e.undelivered_code IS NULL AND NOT e.has_session "
        f"AND e.is_browser AND e.type IN {_in_list(SESSION_ENRICHED_TYPES)} "
        "UNION ALL "
        f"SELECT 'SESSION_ID_BAD_FORMAT', 'error', {WHERE_COLUMNS}, "
        + _details(
            [("session_id_raw", json_of(_RAW))], [("sent", json_of_number("e.dest_session"))]
        )
        + f" FROM events AS e WHERE e.undelivered_code IS NULL AND e.has_session AND {_BAD_FORMAT} "
        "UNION ALL "
        f"SELECT 'EVENT_BEFORE_SESSION_START', 'warning', {WHERE_COLUMNS}, "
        + _details(
            [("seconds", json_of_number(_SECONDS))],
            [("session", json_of_number("e.dest_session"))],
        )
        # CASE: the format is looked at only for the few events dated before their session
        + " FROM events AS e WHERE CASE WHEN e.undelivered_code IS NULL AND e.has_session "
        f"AND e.type IN {_in_list(AMPLITUDE_EVENT_TYPES)} "
        f"AND e.timestamp_ms IS NOT NULL AND e.dest_session <> {NO_SESSION} "
        "AND e.timestamp_ms < e.dest_session - $session_start_tolerance_ms "
        f"THEN NOT ({_BAD_FORMAT}) ELSE false END"
        ") AS found"
    ),
)

TIMING = Rule(
    "timing",
    _once_per_event(
        "SELECT code, severity, NULL AS variant, seq, file, line, message_id, device_id, "
        "session_id, details, '' AS field FROM ("
        f"SELECT 'CLOCK_SKEW' AS code, 'warning' AS severity, {WHERE_COLUMNS}, "
        + _details([("skew_ms", json_of_number("e.sent_ms - e.received_ms"))], [])
        + " AS details FROM events AS e WHERE abs(e.sent_ms - e.received_ms) > $skew_threshold_ms "
        "UNION ALL "
        f"SELECT 'LATE_DELIVERY', 'info', {WHERE_COLUMNS}, "
        + _details([("delay_ms", json_of_number("e.sent_ms - e.client_ms"))], [])
        + " FROM events AS e WHERE e.sent_ms - e.client_ms > $late_delivery_ms"
        ") AS found"
    ),
)

_UNDELIVERED_DETAILS = (
    f"CASE e.undelivered_code WHEN {literal(SESSION_REFUSED.code)} THEN "
    + json_object(("session_id_raw", json_of(_RAW)), ("delivered", "'false'"))
    + " ELSE "
    + json_object(("context_device_id", json_of("e.context_device_id")), ("delivered", "'false'"))
    + " END"
)
assert {SESSION_REFUSED.code, NO_IDS.code} == {
    "SESSION_ID_BAD_FORMAT",
    "CONTEXT_DEVICE_ID_OVERRIDE",
}

# Every event that never reaches Amplitude, not only once per event: the first
# MAX_UNDELIVERED_FINDINGS of each code in reading order, then one row counting the rest.
UNDELIVERED_EVENTS = Rule(
    "undelivered",
    f"WITH undelivered AS (SELECT e.undelivered_code AS code, {WHERE_COLUMNS}, "
    f"{_UNDELIVERED_DETAILS} AS details, "
    "row_number() OVER (PARTITION BY e.undelivered_code ORDER BY e.seq) AS nth, "
    "count(*) OVER (PARTITION BY e.undelivered_code) AS total "
    "FROM events AS e WHERE e.undelivered_code IS NOT NULL) "
    f"SELECT code, 'error' AS severity, {literal(UNDELIVERED)} AS variant, seq, file, line, "
    "message_id, device_id, session_id, details FROM undelivered "
    f"WHERE nth <= {MAX_UNDELIVERED_FINDINGS} "
    f"UNION ALL SELECT code, 'info', {literal(NOT_LISTED)}, NULL, NULL, NULL, NULL, NULL, NULL, "
    + _details(
        [],
        [
            ("code", json_of_name("code")),
            ("more", json_of_number(f"total - {MAX_UNDELIVERED_FINDINGS}")),
        ],
    )
    + f" FROM undelivered WHERE nth = 1 AND total > {MAX_UNDELIVERED_FINDINGS}",
)

# The export: the first row (by line) of each (event type, time, user), and of each replay id.
_EXPORT_KEYS = (
    "SELECT * FROM (SELECT x.*, row_number() OVER (PARTITION BY x.event_type, x.time_ms, "
    "x.user_id ORDER BY x.line) AS nth FROM export_rows AS x WHERE x.keyed) AS k WHERE nth = 1"
)
_EXPORT_REPLAYS = (
    "SELECT * FROM (SELECT x.*, row_number() OVER (PARTITION BY x.replay_id ORDER BY x.line) "
    "AS nth FROM export_rows AS x WHERE x.replay_id IS NOT NULL) AS r WHERE nth = 1"
)


def _key_join(alias: str, event_type: str) -> str:
    return (
        f"{alias}.event_type IS NOT DISTINCT FROM {event_type} "
        f"AND {alias}.time_ms = e.timestamp_ms AND {alias}.user_id IS NOT DISTINCT FROM e.dest_user"
    )


def _export_columns(prefix: str) -> str:
    """The matched export row of the main event type: by key, else by replay id."""
    return ", ".join(
        f"CASE WHEN k.line IS NOT NULL THEN k.{column} ELSE r.{column} END AS {prefix}{column}"
        for column in ("file", "line", "device_id", "has_replay_property")
    )


_EXPORT_MATCHES = (
    f"by_key AS ({_EXPORT_KEYS}), by_replay AS ({_EXPORT_REPLAYS}), matched AS ("
    f"SELECT {WHERE_COLUMNS}, e.dest_device, e.has_replay_property, "
    f"{_export_columns('main_')}, "
    "p.line AS product_line, p.device_id AS product_device_id "
    "FROM events AS e "
    f"LEFT JOIN by_key AS k ON {_key_join('k', 'e.amplitude_event_type')} "
    "LEFT JOIN by_replay AS r ON r.replay_id = e.replay_id AND e.replay_id <> '' "
    f"LEFT JOIN by_key AS p ON e.products > 0 AND {_key_join('p', literal(PRODUCT_PURCHASED))} "
    f"WHERE e.undelivered_code IS NULL AND e.type IN {_in_list(AMPLITUDE_EVENT_TYPES)} "
    "AND (k.line IS NOT NULL OR r.line IS NOT NULL OR p.line IS NOT NULL)), "
    # Which export row shows another device: the main event's, else a product's.
    "customized AS (SELECT *, "
    "CASE WHEN main_line IS NOT NULL AND main_device_id IS DISTINCT FROM dest_device "
    "THEN 'main' WHEN product_line IS NOT NULL AND product_device_id IS DISTINCT FROM "
    "dest_device THEN 'product' END AS which FROM matched)"
)

AGAINST_EXPORT = Rule(
    "against_export",
    _once_per_event(
        "SELECT 'DEVICE_MAPPING_CUSTOMIZED' AS code, 'error' AS severity, NULL AS variant, seq, "
        "file, line, message_id, device_id, session_id, "
        + _details(
            [
                (
                    "export_line",
                    json_of_number("CASE which WHEN 'main' THEN main_line ELSE product_line END"),
                ),
                (
                    "export_device_id",
                    json_of(
                        "CASE which WHEN 'main' THEN main_device_id ELSE product_device_id END"
                    ),
                ),
            ],
            [("dest_device", json_of("dest_device"))],
        )
        + " AS details, '' AS field FROM customized WHERE which IS NOT NULL "
        "UNION ALL SELECT 'RPL_PROPERTY_DROPPED', 'error', NULL, seq, file, line, message_id, "
        "device_id, session_id, "
        + _details(
            [("export_line", json_of_number("main_line"))],
            [("export_file", json_of_text("main_file"))],
        )
        + ", '' FROM matched WHERE main_line IS NOT NULL AND has_replay_property "
        "AND NOT main_has_replay_property",
        _EXPORT_MATCHES,
    ),
)

# The rules over `events` alone; AGAINST_EXPORT also needs `export_rows` (export_input.py).
RULES = [IDS, CONTEXT_DEVICE, REPLAY_PROPERTY, SESSION_ID, TIMING, UNDELIVERED_EVENTS]
