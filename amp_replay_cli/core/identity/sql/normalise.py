"""Segment events as SQL: from the lines of the inputs (`raw_lines`) to the `events` relation of
relation.py, exactly as `events.from_segment` maps one event, and the lines that are not events.

`items_sql(source)` is ONE SELECT over `raw_lines(input, file, line, text)` (`input`: the
input's position in reading order, `line`: 1-based, `text`: the line without its line break).
It parses each line as JSON in SQL, unwraps `{"batch": [...]}` lines and yields one row per
item: an event's columns, or the `problem` that makes it no event (the AR501 message; '' for a
blank line). `EVENTS_SQL` then drops duplicate messageIds (the first in reading order wins) and
numbers the events. `events_query(source)` is both in one statement, for the warehouse.
`line_values_sql` and `items_from_line_values_sql` are items_sql in two halves (one row per
line, then its items), for a reader that knows the line numbers only once the first half is in
a table.

The common values (strings, integers, Segment's `...T10:15:02.121Z` timestamps) are mapped in
SQL. Exotic ones go to Python functions registered on the connection (`UDFS`), called only for
the rows that need them (CASE on the value's JSON type): JSON that DuckDB's parser reads
differently from Python's (trailing commas, NaN, lone surrogates), floats and containers kept as
JSON text, session ids that are not integers, dates in other forms.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import duckdb

from amp_replay_cli.core import fastjson
from amp_replay_cli.core.documents.json_parser import json_error_reason
from amp_replay_cli.core.identity.events import (
    AMPLITUDE_EVENT_TYPES,
    BROWSER_LIBRARY,
    ID_SENDING_TYPES,
    NO_IDS,
    NO_SESSION,
    ORDER_COMPLETED,
    SESSION_REFUSED,
    coerce_session_id,
    parse_time,
    template_text,
)
from amp_replay_cli.core.identity.inputs import key_text
from amp_replay_cli.core.identity.js_dates import MAX_TIME_MS
from amp_replay_cli.core.identity.segment import ACTIONS_AMPLITUDE
from amp_replay_cli.core.identity.sql.relation import EVENT_COLUMNS, json_text
from amp_replay_cli.core.identity.sql.rules import UdfFallback
from amp_replay_cli.core.wire import DEBUG_PROPERTY, REPLAY_ID_PROPERTY


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _key(name: str) -> str:
    """A JSONPath member: quoted when it is not a plain name."""
    return name if name.isidentifier() else '"' + name + '"'


# Every value of an event the mapping reads, extracted in one parse of the line.
_PATHS = {
    "type": "$.type",
    "batch": "$.batch",
    "events": "$.events",
    "data": "$.data",
    "message_id": "$.messageId",
    "anonymous_id": "$.anonymousId",
    "user_id": "$.userId",
    "event": "$.event",
    "name": "$.name",
    "device_id": "$.context.device.id",
    "library_name": "$.context.library.name",
    "library_version": "$.context.library.version",
    "page_url": "$.context.page.url",
    "ip": "$.context.ip",
    "agent": "$.context.userAgent",
    "session": f"$.integrations.{_key(ACTIONS_AMPLITUDE)}.session_id",
    "all": "$.integrations.All",
    "replay": f"$.properties.{_key(REPLAY_ID_PROPERTY)}",
    "debug": f"$.properties.{_key(DEBUG_PROPERTY)}",
    "products": "$.properties.products",
    "original_timestamp": "$.originalTimestamp",
    "timestamp": "$.timestamp",
    "sent_at": "$.sentAt",
    "received_at": "$.receivedAt",
}
_EXTRACT = "[" + ", ".join(_quoted(path) for path in _PATHS.values()) + "]"
_WRAPPER_KEYS = ("batch", "events", "data")  # segment._WRAPPER_KEYS, in its order


def _g(name: str) -> str:
    """The JSON text of one extracted value (SQL NULL: absent)."""
    return f"v_{name}"


# The extracted values as columns, taken out of their list once rather than at each of their
# fifty uses.
_VALUES = ", ".join(_g(name) for name in _PATHS)


def _unpacked(values: str) -> str:
    """The columns of `_VALUES` from a list of extracted values (`is_object`: it is a list)."""
    return f"{values} IS NOT NULL AS is_object, " + ", ".join(
        f"{values}[{index}] AS {_g(name)}" for index, name in enumerate(_PATHS, 1)
    )


def _string(value: str) -> str:
    return f"json_extract_string({value}, '$')"


def _is_string(value: str) -> str:
    return f"left({value}, 1) = '\"'"


def _is_integer(value: str) -> str:
    return f"json_type({value}) IN ('BIGINT', 'UBIGINT')"


def _python_type(kind: str) -> str:
    """type(value).__name__ of a value Python reads, from its json_type (beyond 64 bits an
    integer is a double, as orjson and JavaScript read it)."""
    return (
        f"CASE {kind} WHEN 'ARRAY' THEN 'list' WHEN 'OBJECT' THEN 'dict' "
        "WHEN 'VARCHAR' THEN 'str' WHEN 'BIGINT' THEN 'int' WHEN 'UBIGINT' THEN 'int' "
        "WHEN 'DOUBLE' THEN 'float' WHEN 'BOOLEAN' THEN 'bool' ELSE 'NoneType' END"
    )


def _json_column(value: str) -> str:
    """relation.json_text of the value: NULL for null or absent; DuckDB writes strings and
    integers as Python does, except control characters (\\u001F, not \\u001f)."""
    return (
        f"CASE WHEN {value} IS NULL OR {value} = 'null' THEN NULL "
        f"WHEN {_is_string(value)} AND strpos({value}, '\\u00') = 0 THEN {value} "
        f"WHEN {value} IN ('true', 'false') THEN {value} "
        f"WHEN {_is_integer(value)} THEN {value} "
        f"ELSE ar_json_text({value}) END"
    )


# Segment's own form, `2025-03-04T10:15:02.121Z` (as JSON text): read by DuckDB's cast, which
# refuses the dates fromisoformat refuses (day 30 of February); year 0 and hour 24 never get here.
_SEGMENT_TIME = (
    '^"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9][.][0-9]{3}Z"$'
)


def _time(value: str) -> str:
    """events.parse_time."""
    return (
        f"CASE WHEN {value} IS NULL OR {value} = 'null' THEN NULL "
        f"WHEN regexp_matches({value}, {_quoted(_SEGMENT_TIME)}) "
        f"THEN epoch_ms(TRY_CAST(substr({value}, 2, 24) AS TIMESTAMPTZ)) "
        f"WHEN json_type({value}) = 'BIGINT' THEN CASE WHEN CAST({value} AS BIGINT) "
        f"BETWEEN {-int(MAX_TIME_MS)} AND {int(MAX_TIME_MS)} THEN CAST({value} AS BIGINT) END "
        f"ELSE ar_parse_time({value}) END"
    )


def _in(column: str, values: frozenset[str]) -> str:
    return f"{column} IN ({', '.join(_quoted(value) for value in sorted(values))})"


# Lines DuckDB's JSON parser reads but Python refuses: trailing commas, NaN and Infinity in any
# case. Matching inside a string too only costs a look by Python.
_LENIENT = r",[ \t\n\r]*[\]}]|(^|[:\[,])[ \t\n\r]*-?(?i:nan|inf)"
# The same test as four expressions that each begin with one character (or at the start), which
# the regular expression engine skips to: 0.4 of the time of the one alternation.
_LENIENT_PARTS = (
    r",[ \t\n\r]*(?:[\]}]|-?(?i:nan|inf))",
    r":[ \t\n\r]*-?(?i:nan|inf)",
    r"\[[ \t\n\r]*-?(?i:nan|inf)",
    r"^[ \t\n\r]*-?(?i:nan|inf)",
)
_LENIENT_TEST = (
    "CASE "
    + " ".join(f"WHEN regexp_matches(text, {_quoted(part)}) THEN TRUE" for part in _LENIENT_PARTS)
    + " ELSE FALSE END"
)
_JSON_BLANK = " \t\n\r"
_OBJECT_START = (
    f"CASE WHEN left(doc, 1) = '{{' THEN TRUE "
    f"ELSE left(ltrim(doc, {_quoted(_JSON_BLANK)}), 1) = '{{' END"
)

# From each line, one row (`line_values`): its problem, or its JSON type and extracted values,
# and the array it wraps.
_LINE_CTES = f"""
extracted_lines AS (
    SELECT input, file, line, text, {{parsed}} AS parsed
    FROM raw_lines
),
checked AS (
    SELECT input, file, line, text, parsed,
        CASE WHEN parsed IS NOT NULL OR json_valid(text) THEN NOT ({_LENIENT_TEST})
            ELSE FALSE END AS plain
    FROM extracted_lines
),
docs AS (
    SELECT input, file, line,
        CASE WHEN NOT plain THEN ar_json_problem(text) END AS problem,
        CASE WHEN plain THEN text
            WHEN ar_json_problem(text) IS NULL THEN ar_json_repair(text) END AS doc,
        CASE WHEN plain THEN parsed END AS parsed
    FROM checked
),
starts AS (
    SELECT input, file, line, problem, doc, parsed, {_OBJECT_START} AS starts_object
    FROM docs
),
objects AS (
    SELECT input, file, line, problem, kind, {_unpacked("f")}
    FROM (
        SELECT input, file, line, problem,
            CASE WHEN parsed IS NOT NULL THEN parsed
                WHEN starts_object THEN CAST(json_extract(doc, {_EXTRACT}) AS VARCHAR[]) END AS f,
            CASE WHEN NOT starts_object THEN json_type(doc) END AS kind
        FROM starts
    ) AS extracted
),
line_values AS {{materialized}}(
    SELECT *, CASE WHEN is_object AND {_g("type")} IS NULL THEN
        CASE {" ".join(f"WHEN left({_g(key)}, 1) = '[' THEN {_g(key)}" for key in _WRAPPER_KEYS)}
        END END AS wrapped
    FROM objects
)"""
# From the line values, one row per item (the items of a batch are numbered by `part`).
_ITEM_CTES = f"""
elements AS (
    SELECT input, file, line, unnest(elements) AS item,
        unnest(range(1, len(elements) + 1)) AS part
    FROM (
        SELECT input, file, line, CAST(CAST(wrapped AS JSON) AS VARCHAR[]) AS elements
        FROM line_values WHERE wrapped IS NOT NULL
    ) AS wrapped_lines
),
items AS (
    SELECT input, file, line, 0 AS part, problem, kind, is_object, {_VALUES}
    FROM line_values WHERE wrapped IS NULL
    UNION ALL
    SELECT input, file, line, part, NULL AS problem, kind, {_unpacked("f")}
    FROM (
        SELECT input, file, line, part,
            CASE WHEN left(item, 1) <> '{{' THEN json_type(item) END AS kind,
            CASE WHEN left(item, 1) = '{{'
                THEN CAST(json_extract(item, {_EXTRACT}) AS VARCHAR[]) END AS f
        FROM elements
    ) AS extracted_items
),
judged AS (
    SELECT input, file, line, part, is_object, {_VALUES},
        COALESCE(problem,
            CASE WHEN NOT is_object
                THEN 'not a Segment event (a JSON ' || {_python_type("kind")} || '); skipped'
            {
    " ".join(
        f"WHEN left({_g(name)}, 1) IN ('{{', '[') THEN '{label} is a JSON ' || "
        f"CASE left({_g(name)}, 1) WHEN '{{' THEN 'object' ELSE 'array' END "
        "|| ', not an id; skipped'"
        for name, label in (
            ("anonymous_id", "anonymousId"),
            ("user_id", "userId"),
            ("message_id", "messageId"),
            ("device_id", "context.device.id"),
        )
    )
}
            END) AS problem
    FROM items
),
fields AS (
    SELECT input, file, line, part, problem, {_VALUES},
        CASE WHEN {_is_string(_g("type"))} THEN {_string(_g("type"))} ELSE '' END AS type,
        {_g("device_id")} IS NOT NULL AND {_g("device_id")} <> 'null' AS has_context_device_id,
        CASE WHEN {_g("session")} IS NULL OR {_g("session")} IN ('null', '""')
                THEN {NO_SESSION}
            WHEN {_is_integer(_g("session"))} THEN
                CASE WHEN TRY_CAST({_g("session")} AS BIGINT) BETWEEN {-int(MAX_TIME_MS)}
                    AND {int(MAX_TIME_MS)} AND {_g("session")} <> '0'
                THEN CAST({_g("session")} AS BIGINT) ELSE {NO_SESSION} END
            ELSE ar_coerce_session({_g("session")}) END AS session,
        CASE WHEN {_g("user_id")} = '""' THEN NULL ELSE {_g("user_id")} END AS user_sent,
        CASE WHEN {_g("replay")} IS NULL OR NOT {_is_string(_g("replay"))} THEN NULL
            ELSE {_string(_g("replay"))} END AS replay_text
    FROM judged
),
replays AS (
    SELECT *,
        length(replay_text) - length(replace(replay_text, '/', '')) AS slashes,
        substr(replay_text, 1, strpos(replay_text, '/') - 1) AS replay_device,
        substr(replay_text, strpos(replay_text, '/') + 1) AS replay_session
    FROM fields
),
mapped AS (
    SELECT input, file, line, part, problem,
        CASE WHEN {_is_string(_g("message_id"))} THEN {_string(_g("message_id"))}
            END AS message_id,
        type,
        {_json_column(f"CASE WHEN type = 'track' THEN {_g('event')} ELSE {_g('name')} END")}
            AS name,
        {_json_column(_g("user_id"))} AS user_id,
        {_json_column(_g("anonymous_id"))} AS anonymous_id,
        {_json_column(_g("device_id"))} AS context_device_id,
        has_context_device_id,
        {_json_column(_g("session"))} AS session_raw,
        {_g("session")} IS NOT NULL AND {_g("session")} <> 'null' AS has_session,
        COALESCE({_g("all")} = 'false', FALSE) AS integrations_all_false,
        COALESCE({_g("library_name")} = {_quoted(json.dumps(BROWSER_LIBRARY))}, FALSE)
            AS is_browser,
        CASE WHEN {_g("library_version")} IS NULL OR {_g("library_version")} = 'null' THEN NULL
            WHEN {_is_string(_g("library_version"))} THEN {_string(_g("library_version"))}
            WHEN {_is_integer(_g("library_version"))} THEN {_g("library_version")}
            ELSE ar_python_str({_g("library_version")}) END AS library_version,
        CASE WHEN {_is_string(_g("page_url"))} THEN {_string(_g("page_url"))} END AS page_url,
        {_time(_g("original_timestamp"))} AS client_ms,
        {_time(_g("timestamp"))} AS timestamp_ms,
        {_time(_g("sent_at"))} AS sent_ms,
        {_time(_g("received_at"))} AS received_ms,
        CASE WHEN {_g("ip")} IS NULL OR {_g("agent")} IS NULL THEN NULL
            WHEN {_is_string(_g("ip"))} AND {_is_string(_g("agent"))} THEN
                CASE WHEN {_g("ip")} <> '""' AND {_g("agent")} <> '""'
                THEN {_string(_g("ip"))} || '|' || {_string(_g("agent"))} END
            ELSE ar_network_key({_g("ip")}, {_g("agent")}) END AS network_key,
        {_g("replay")} IS NOT NULL AS has_replay_property,
        {_json_column(_g("replay"))} AS replay_value,
        {_json_column(_g("debug"))} AS debug_value,
        {
    _json_column(
        f"CASE WHEN has_context_device_id THEN {_g('device_id')} ELSE {_g('anonymous_id')} END"
    )
} AS dest_device_any,
        {_json_column("user_sent")} AS dest_user,
        COALESCE(session, {NO_SESSION}) AS dest_session,
        CASE WHEN slashes = 1 THEN replay_device END AS rp_device,
        CASE WHEN slashes = 1 AND regexp_matches(replay_session, '^-?[0-9]+$')
            THEN TRY_CAST(replay_session AS HUGEINT) END AS rp_session,
        CASE WHEN {_g("replay")} IS NULL THEN NULL
            WHEN {_g("replay")} = 'null' THEN 'null'
            WHEN replay_text IS NULL
                THEN 'not a string (' || {_python_type(f"json_type({_g('replay')})")} || ')'
            WHEN slashes = 0 THEN 'no ''/'' between device id and session id'
            WHEN slashes > 1 THEN 'more than one ''/'''
            WHEN NOT regexp_matches(replay_session, '^-?[0-9]+$')
                THEN 'the session part is not a number'
            END AS replay_problem,
        replay_text,
        CASE WHEN type = 'track' AND {_g("event")} = {_quoted(json.dumps(ORDER_COMPLETED))}
                AND left({_g("products")}, 1) = '['
            THEN CAST(json_array_length({_g("products")}) AS INTEGER) ELSE 0 END AS products,
        CASE WHEN {_in("type", AMPLITUDE_EVENT_TYPES)} AND session IS NULL
                THEN {_quoted(SESSION_REFUSED.code)}
            WHEN {_in("type", ID_SENDING_TYPES)} AND {_g("device_id")} = '""'
                AND (user_sent IS NULL OR user_sent = 'null')
                THEN {_quoted(NO_IDS.code)} END AS undelivered_code,
        CASE WHEN type = 'track' THEN
                CASE WHEN {_g("event")} IS NULL OR {_g("event")} = 'null' THEN NULL
                    WHEN {_is_string(_g("event"))} THEN {_string(_g("event"))}
                    WHEN {_g("event")} IN ('true', 'false') OR {_is_integer(_g("event"))}
                        THEN {_g("event")}
                    WHEN json_type({_g("event")}) = 'DOUBLE'
                        THEN CAST(CAST({_g("event")} AS DOUBLE) AS VARCHAR)
                    ELSE ar_varchar({_g("event")}) END
            WHEN type IN ('page', 'screen') THEN 'Viewed ' ||
                CASE WHEN {_g("name")} IS NULL OR {_g("name")} = 'null' THEN ''
                    WHEN {_is_string(_g("name"))} THEN {_string(_g("name"))}
                    ELSE ar_template_text({_g("name")}) END
            END AS amplitude_event_type
    FROM replays
)"""
_ITEM_COLUMNS = f"""
SELECT input, file, line, part, problem, message_id, type, name, user_id, anonymous_id,
    context_device_id, has_context_device_id, session_raw, has_session, integrations_all_false,
    is_browser, library_version, page_url, client_ms, timestamp_ms, sent_ms, received_ms,
    network_key, has_replay_property, replay_value, debug_value,
    CASE WHEN dest_device_any = '""' THEN NULL ELSE dest_device_any END AS dest_device,
    dest_user, dest_session, rp_device, rp_session, replay_problem,
    CASE WHEN replay_problem IS NULL AND has_replay_property THEN replay_text END AS replay_id,
    products, undelivered_code,
    CASE undelivered_code WHEN {_quoted(SESSION_REFUSED.code)} THEN {
    _quoted(SESSION_REFUSED.reason)
}
        WHEN {_quoted(NO_IDS.code)} THEN {_quoted(NO_IDS.reason)} END AS undelivered_reason,
    COALESCE(client_ms, timestamp_ms, received_ms, 0) AS order_ms,
    amplitude_event_type
FROM mapped
"""

_ORDER = "input, line, part"
_EVENT_VALUES = ", ".join(column for column in EVENT_COLUMNS if column != "seq")

# From the items, the `events` relation: each messageId once (the first in reading order).
EVENTS_SQL = f"""
SELECT row_number() OVER (ORDER BY {_ORDER}) - 1 AS seq, {_EVENT_VALUES}
FROM (
    SELECT *, row_number() OVER (PARTITION BY message_id ORDER BY {_ORDER}) AS delivery
    FROM items WHERE problem IS NULL
) AS delivered
WHERE message_id IS NULL OR delivery = 1
"""
# The same in two steps, for DuckDB: the windows sort only the keys (`kept`: which item
# becomes which event), then the events are the items joined to them. Sorting whole rows of a
# million events would spill them to disk.
KEPT_SQL = f"""
SELECT item, row_number() OVER (ORDER BY {_ORDER}) - 1 AS seq
FROM (
    SELECT rowid AS item, input, line, part, message_id,
        row_number() OVER (PARTITION BY message_id ORDER BY {_ORDER}) AS delivery
    FROM items WHERE problem IS NULL
) AS delivered
WHERE message_id IS NULL OR delivery = 1
"""
EVENTS_FROM_KEPT_SQL = f"""
SELECT kept.seq, {", ".join(f"items.{column}" for column in EVENT_COLUMNS if column != "seq")}
FROM items JOIN kept ON items.rowid = kept.item
"""

# The items that are no events, with the AR501 message, in reading order.
MALFORMED_SQL = f"SELECT file, line, problem FROM items WHERE problem <> '' ORDER BY {_ORDER}"


# A line that begins an object has its values extracted in the same parse that proves it JSON
# (json_valid then json_extract parse it twice: 0.6 s of a million lines). `try` is DuckDB's:
# the portable form, which the warehouse runs, leaves `parsed` NULL and extracts after checking.
_PARSED_AT_ONCE = (
    "CASE WHEN left(text, 1) = '{' "
    f"THEN try(CAST(json_extract(text, {_EXTRACT}) AS VARCHAR[])) END"
)
_PARSED_AFTER = "CAST(NULL AS VARCHAR[])"


def _over(raw_lines: str, materialized: str, parsed: str = _PARSED_AFTER) -> str:
    """The line CTEs over `raw_lines`; `line_values` materialized when items_sql reads it twice."""
    return (
        _LINE_CTES.replace("FROM raw_lines", f"FROM {raw_lines} AS raw_lines", 1)
        .replace("{materialized}", materialized, 1)
        .replace("{parsed}", parsed, 1)
    )


def items_sql(raw_lines: str = "raw_lines") -> str:
    """The normalisation over a relation of lines: a table name, or a parenthesised query."""
    return f"WITH {_over(raw_lines, 'MATERIALIZED ')},{_ITEM_CTES}{_ITEM_COLUMNS}"


def line_values_sql(raw_lines: str) -> str:
    """The first half of items_sql, on DuckDB: one row per line of `raw_lines`, in its order."""
    return f"WITH {_over(raw_lines, '', _PARSED_AT_ONCE)}\nSELECT * FROM line_values"


def items_from_line_values_sql(line_values: str) -> str:
    """The second half: the items of the rows line_values_sql made."""
    # Not materialized: both branches scan the table; buffering it for them took 1.4 s of a
    # million lines.
    return (
        f"WITH line_values AS NOT MATERIALIZED (SELECT * FROM {line_values}),"
        f"{_ITEM_CTES}{_ITEM_COLUMNS}"
    )


def events_query(raw_lines: str = "raw_lines") -> str:
    """Lines to `events` in one statement: the form the warehouse runs."""
    return f"WITH items AS ({items_sql(raw_lines)})\n{EVENTS_SQL}"


# -- the Python functions for exotic values -----------------------------------------------------


def _value(text: str) -> Any:
    """A JSON value as Python reads it (fastjson: integers beyond 64 bits are doubles); the
    Infinity DuckDB writes for 1e400 too."""
    try:
        return fastjson.loads(text)
    except json.JSONDecodeError:
        return json.loads(text)


def json_problem(text: str) -> str | None:
    """Why a line is no JSON, as segment.read_events words it; '' for a blank line (skipped),
    None when Python reads it."""
    if not text.strip():
        return ""
    try:
        fastjson.loads(text)
    except json.JSONDecodeError as error:
        return f"not JSON ({json_error_reason(error.msg)} at column {error.colno}); skipped"
    return None


def json_repair(text: str) -> str:
    """A line Python reads and DuckDB does not (a lone surrogate), or reads differently: Python's
    value written again. A lone surrogate becomes U+FFFD, as no SQL string can hold it."""
    written = json.dumps(fastjson.loads(text), ensure_ascii=False)
    return _without_lone_surrogates(written)


def _without_lone_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def json_column_text(text: str) -> str | None:
    return json_text(_value(text))


def python_str(text: str) -> str:
    """str() of a value, as from_segment writes a library version that is no string."""
    return _without_lone_surrogates(str(_value(text)))


def parse_time_value(text: str) -> int | None:
    return parse_time(_value(text))


def network_key(ip: str, agent: str) -> str | None:
    ip_value, agent_value = _value(ip), _value(agent)
    if ip_value and agent_value:
        return _without_lone_surrogates(f"{ip_value}|{agent_value}")
    return None


def coerce_session(text: str) -> int | None:
    return coerce_session_id(_value(text))


def template_value(text: str) -> str:
    return _without_lone_surrogates(template_text(_value(text)))


def varchar_value(text: str) -> str:
    """A track's event name that is a JSON array or object, as a VARCHAR column holds it: as
    the export is keyed, so the two still match."""
    return _without_lone_surrogates(key_text(_value(text)))


class Udf(NamedTuple):
    """A Python function the normalisation calls by name; every parameter is JSON text."""

    name: str
    function: Callable[..., Any]
    parameters: int
    returns: Literal["varchar", "bigint"]


UDFS = (
    Udf("ar_json_problem", json_problem, 1, "varchar"),
    Udf("ar_json_repair", json_repair, 1, "varchar"),
    Udf("ar_json_text", json_column_text, 1, "varchar"),
    Udf("ar_python_str", python_str, 1, "varchar"),
    Udf("ar_parse_time", parse_time_value, 1, "bigint"),
    Udf("ar_network_key", network_key, 2, "varchar"),
    Udf("ar_coerce_session", coerce_session, 1, "bigint"),
    Udf("ar_template_text", template_value, 1, "varchar"),
    Udf("ar_varchar", varchar_value, 1, "varchar"),
)


# What the warehouse runs instead of each UDF (--emit-sql): plain SQL over the JSON text, right
# for the common forms; `covers` goes into the query's comment. Only the lines the UDFs are
# called for (see the CASEs above) differ from the local engine.
UDF_FALLBACKS = (
    UdfFallback("ar_json_problem", "'not valid JSON'", "malformed lines say only 'not valid JSON'"),
    UdfFallback("ar_json_repair", "{0}", "NaN and Infinity are read as the warehouse reads them"),
    UdfFallback("ar_json_text", "{0}", "values with escapes or fractions keep the text they had"),
    UdfFallback("ar_python_str", "{0}", "a library version that is not text keeps its JSON text"),
    UdfFallback(
        "ar_parse_time",
        "epoch_ms(TRY_CAST(json_extract_string({0}, '$') AS TIMESTAMPTZ))",
        "times other than Segment's own ISO 8601 form as the warehouse reads them",
    ),
    UdfFallback(
        "ar_network_key",
        "{0} || '|' || {1}",
        "an ip or user agent that is not text is compared as its JSON text",
    ),
    UdfFallback(
        "ar_coerce_session",
        f"COALESCE(TRY_CAST(json_extract_string({{0}}, '$') AS BIGINT), {NO_SESSION})",
        "session ids that are digit strings read as numbers; dates, fractions and other values "
        "as no session (the local engine also reads dates and refuses booleans and objects)",
    ),
    UdfFallback(
        "ar_template_text",
        "CASE WHEN left({0}, 1) = '{{' THEN '[object Object]' "
        "ELSE COALESCE(json_extract_string({0}, '$'), {0}) END",
        "a page name that is an array keeps its JSON text",
    ),
    UdfFallback(
        "ar_varchar", "{0}", "an event name that is an array or object keeps its JSON text"
    ),
)


def register_udfs(connection: duckdb.DuckDBPyConnection) -> None:
    for udf in UDFS:
        connection.create_function(  # type: ignore[call-overload]
            udf.name,
            udf.function,
            ["varchar"] * udf.parameters,
            udf.returns,
            # A name every duckdb version takes (the enum moved from duckdb.functional to
            # duckdb.func in 2.0). Special: the functions return NULL where the value is none.
            null_handling="special",
            side_effects=False,
        )
