"""The link rules (tests/oracle/link_rules.py) and the set-up rules (tests/oracle/setup_rules.py)
as SQL over `events` and the input tables of sql/link_inputs.py.

Values a message needs but the evidence does not carry travel in `details` under names that
begin with "_"; the wordings (sql/link_wordings.py) take them out.
"""

from __future__ import annotations

from amp_replay_cli.core.identity.events import NO_SESSION
from amp_replay_cli.core.identity.sql.expressions import (
    AMPLITUDE_EVENT,
    AMPLITUDE_TYPES,
    ENRICHED_TYPES,
    id_text,
    legacy_bucket,
    listed,
    modern_buckets,
    quoted,
    usable_id,
)
from amp_replay_cli.core.identity.sql.rules import Rule
from amp_replay_cli.core.jsvalues import SAFE_INTEGER_BOUND
from amp_replay_cli.core.sampling import Algorithm
from amp_replay_cli.core.wire import DEFAULT_SERVER_ZONE, SERVER_ZONES

MISSING_EXAMPLES = 50  # events without the replay property listed per session
# The region each value of the destination's endpoint setting sends to.
ENDPOINT_REGIONS = {"north_america": "US", "europe": "EU"}

# An Amplitude event of a browser without the property (the oracle's
# Tracker._amplitude_event): a session with one is a browser session.
_LACKS_PROPERTY = (
    f"(replay_id IS NULL AND type IN {ENRICHED_TYPES} AND is_browser AND NOT has_replay_property)"
)

# The sampling bucket of the sessions whose sampling decides (the SDK's isSessionInSample,
# tests/oracle/sampling.py).
_MODERN_CTES, _MODERN_LAST = modern_buckets("candidates", "session", "modern")

# RPL_PROPERTY_MISSING for browser sessions whose track/page events lack the replay property;
# RPL_NOT_SAMPLED instead when none has it and the set-up's sample leaves the session out.
# Without a set-up sample rate no session is left out by sampling: the same query without the
# hashing, which costs DuckDB about 0.15 s to plan (every diagnose of a small log paid it).
_SAMPLED_VERDICTS = f"""
{_MODERN_CTES},
buckets AS (
    SELECT m.session,
        CASE WHEN setup.algorithm = {quoted(Algorithm.LEGACY.value)}
            THEN {legacy_bucket("m.session")} ELSE m.bucket END AS bucket
    FROM {_MODERN_LAST} AS m
    CROSS JOIN setup
),
verdicts AS (
    SELECT e.*, s.with_property, s.without_property, setup.sample_reason, setup.algorithm,
        COALESCE(b.bucket >= setup.sample_limit, FALSE) AS not_sampled
    FROM examples AS e
    JOIN sessions AS s ON s.dest_device = e.dest_device AND s.dest_session = e.dest_session
    LEFT JOIN setup ON TRUE
    LEFT JOIN buckets AS b ON b.session = s.dest_session AND s.with_property = 0
)"""
_UNSAMPLED_VERDICTS = """
verdicts AS (
    SELECT e.*, s.with_property, s.without_property, CAST(NULL AS VARCHAR) AS sample_reason,
        CAST(NULL AS VARCHAR) AS algorithm, FALSE AS not_sampled
    FROM examples AS e
    JOIN sessions AS s ON s.dest_device = e.dest_device AND s.dest_session = e.dest_session
)"""


def replay_properties(sampled: bool) -> str:
    verdicts = _SAMPLED_VERDICTS if sampled else _UNSAMPLED_VERDICTS
    return f"""
WITH sessions AS (
    SELECT dest_device, dest_session, bool_or(is_browser) AS browser,
        count(replay_id) AS with_property,
        sum(CASE WHEN {_LACKS_PROPERTY} THEN 1 ELSE 0 END) AS without_property
    FROM events
    WHERE {AMPLITUDE_EVENT}
    GROUP BY dest_device, dest_session
),
numbered AS (
    SELECT dest_device, dest_session, seq,
        row_number() OVER (PARTITION BY dest_device, dest_session ORDER BY seq) AS n
    FROM events
    WHERE {AMPLITUDE_EVENT} AND {_LACKS_PROPERTY}
),
examples AS (
    SELECT m.dest_device, m.dest_session,
        '[' || string_agg(
            CAST(json_object('line', e.line, 'message_id', e.message_id, 'file', e.file)
                AS VARCHAR),
            ',' ORDER BY m.seq
        ) || ']' AS listed,
        min(m.seq) AS seq,
        max(CASE WHEN m.n = 1 THEN e.file END) AS file,
        max(CASE WHEN m.n = 1 THEN e.line END) AS line,
        max(CASE WHEN m.n = 1 THEN e.message_id END) AS message_id
    FROM numbered AS m
    JOIN events AS e ON e.seq = m.seq
    WHERE m.n <= {MISSING_EXAMPLES}
    GROUP BY m.dest_device, m.dest_session
),
candidates AS (
    SELECT DISTINCT dest_session AS session
    FROM sessions
    WHERE without_property > 0 AND with_property = 0 AND dest_session <> {NO_SESSION}
        AND abs(dest_session) < {SAFE_INTEGER_BOUND}
),
{verdicts}
SELECT
    CASE WHEN v.not_sampled THEN 'RPL_NOT_SAMPLED' ELSE 'RPL_PROPERTY_MISSING' END AS code,
    CASE
        WHEN v.not_sampled OR v.with_property > 0 THEN 'info'
        WHEN v.dest_session = {NO_SESSION} THEN 'warning'
        ELSE 'error'
    END AS severity,
    CAST(NULL AS VARCHAR) AS variant,
    v.seq, v.file, v.line, v.message_id, v.dest_device AS device_id,
    v.dest_session AS session_id,
    CASE WHEN v.not_sampled
        THEN json_object('events', CAST(v.listed AS JSON), '_session', v.dest_session,
            '_reason', v.sample_reason, '_algorithm', v.algorithm)
        ELSE json_object('events', CAST(v.listed AS JSON), '_without', v.without_property,
            '_with', v.with_property)
    END AS details
FROM verdicts AS v
"""


REPLAY_PROPERTIES = replay_properties(sampled=True)


# The replay-id part after its last "/" and before it, as str.rpartition splits it.
_LISTED_DEVICE = r"regexp_extract(r.replay_id, '^([\s\S]*)/', 1)"
_LISTED_SESSION = "regexp_extract(r.replay_id, '([^/]*)$', 1)"

# RPL_ORPHANED for a replay id no event reaching Amplitude carries as its own device and
# session, RPL_NOT_FOUND for one the replay list lacks, RPL_ORPHANED for a listed replay no
# event names or reaches. A replay id counts from its first sighting, delivered or not.
REPLAY_IDS = f"""
WITH sightings AS (
    SELECT replay_id, seq, file, line, message_id, rp_device, rp_session,
        CASE WHEN undelivered_code IS NULL THEN dest_device END AS device_id,
        CASE WHEN undelivered_code IS NULL THEN dest_session END AS session_id,
        row_number() OVER (PARTITION BY replay_id ORDER BY seq) AS n
    FROM events
    WHERE replay_id IS NOT NULL
),
firsts AS (
    SELECT * FROM sightings WHERE n = 1
),
sessions AS (
    SELECT dest_device, dest_session
    FROM events
    WHERE {AMPLITUDE_EVENT}
    GROUP BY dest_device, dest_session
),
texts AS (
    SELECT {id_text("dest_device")} AS device, dest_session AS session FROM sessions
),
reached AS (
    SELECT device, session FROM texts WHERE {usable_id("device")}
    UNION
    SELECT device_id, session_id FROM export_pairs
),
listed_ids AS (
    SELECT r.replay_id, r.line, {_LISTED_DEVICE} AS device,
        CASE WHEN regexp_matches({_LISTED_SESSION}, '^-?[0-9]+$')
            THEN TRY_CAST({_LISTED_SESSION} AS BIGINT) END AS session
    FROM replays AS r
)
SELECT 'RPL_ORPHANED' AS code, 'error' AS severity, 'referenced' AS variant,
    f.seq, f.file, f.line, f.message_id, f.device_id, f.session_id,
    json_object('replay_id', f.replay_id, 'device_id', f.rp_device, 'session_id', f.rp_session)
        AS details
FROM firsts AS f
LEFT JOIN reached AS x ON x.device = f.rp_device AND x.session = f.rp_session
WHERE x.device IS NULL
UNION ALL
SELECT 'RPL_NOT_FOUND', 'warning', NULL,
    f.seq, f.file, f.line, f.message_id, f.device_id, f.session_id,
    json_object('replay_id', f.replay_id)
FROM firsts AS f
CROSS JOIN replay_list
LEFT JOIN replays AS r ON r.replay_id = f.replay_id
WHERE r.replay_id IS NULL
UNION ALL
SELECT 'RPL_ORPHANED', 'error', 'listed',
    NULL, l.name, i.line, NULL, NULL, NULL,
    json_object('replay_id', i.replay_id)
FROM listed_ids AS i
CROSS JOIN replay_list AS l
LEFT JOIN firsts AS f ON f.replay_id = i.replay_id
LEFT JOIN reached AS x ON x.device = i.device AND x.session = i.session
WHERE f.replay_id IS NULL AND x.device IS NULL
"""

# NON_BROWSER_SOURCE: a server or mobile event of a known user, without the browser's ids,
# inside one of that user's web sessions (first event to last + the session timeout); the
# session first seen wins when several hold it.
NON_BROWSER_SOURCES = f"""
WITH amplitude AS (
    SELECT dest_device, dest_session, seq, order_ms, is_browser, user_id
    FROM events
    WHERE {AMPLITUDE_EVENT}
),
sessions AS (
    SELECT dest_device, dest_session, min(seq) AS first_seq, min(order_ms) AS first_ms,
        max(order_ms) AS last_ms
    FROM amplitude
    GROUP BY dest_device, dest_session
    HAVING bool_or(is_browser) AND dest_session <> {NO_SESSION}
),
users AS (
    SELECT dest_device, dest_session, {id_text("user_id")} AS user_text
    FROM amplitude
    WHERE user_id IS NOT NULL
    GROUP BY dest_device, dest_session, user_text
),
windows AS (
    SELECT u.user_text, s.dest_session, s.first_seq, s.first_ms,
        s.last_ms + $session_timeout_ms AS end_ms
    FROM users AS u
    JOIN sessions AS s ON s.dest_device = u.dest_device AND s.dest_session = u.dest_session
),
outside AS (
    SELECT seq, file, line, message_id, order_ms, {id_text("user_id")} AS user_text
    FROM events
    WHERE undelivered_code IS NULL AND NOT is_browser AND user_id IS NOT NULL
        AND type IN {AMPLITUDE_TYPES}
        AND (anonymous_id IS NULL OR dest_session = {NO_SESSION})
),
inside AS (
    SELECT o.seq, o.file, o.line, o.message_id, o.user_text, w.dest_session,
        row_number() OVER (PARTITION BY o.seq ORDER BY w.first_seq) AS n
    FROM outside AS o
    JOIN windows AS w
        ON w.user_text = o.user_text AND o.order_ms BETWEEN w.first_ms AND w.end_ms
)
SELECT 'NON_BROWSER_SOURCE' AS code, 'info' AS severity, CAST(NULL AS VARCHAR) AS variant,
    seq, file, line, message_id, CAST(NULL AS JSON) AS device_id,
    CAST(NULL AS BIGINT) AS session_id,
    json_object('user_id', user_text, 'web_session_id', dest_session) AS details
FROM inside
WHERE n = 1
"""

_ZONES = listed(SERVER_ZONES)
_ENDPOINT_REGION = (
    "CASE lower(endpoint) "
    + " ".join(
        f"WHEN {quoted(name)} THEN {quoted(region)}" for name, region in ENDPOINT_REGIONS.items()
    )
    + " END"
)

# The [Amplitude] Session Replay Debug property is JSON text; its appHash as Python's str()
# writes a JSON string, integer or boolean. The validity test sits inside the expression: the
# engine may evaluate it before a WHERE clause has dropped invalid texts.
_DEBUG_TEXT = "json_extract_string(debug_value, '$')"
_APP_HASH = f"""CASE WHEN json_valid({_DEBUG_TEXT}) THEN
            CASE json_type({_DEBUG_TEXT}, '$.appHash')
                WHEN 'NULL' THEN NULL
                WHEN 'BOOLEAN' THEN
                    CASE WHEN json_extract_string({_DEBUG_TEXT}, '$.appHash') = 'true'
                        THEN 'True' ELSE 'False' END
                ELSE json_extract_string({_DEBUG_TEXT}, '$.appHash')
            END
        END"""

# SERVER_ZONE_MISMATCH, API_KEY_MISMATCH and DEVICE_MAPPING_CUSTOMIZED from the set-up, the
# appHash of every replay debug property checked against the destination's key.
SETUP = f"""
WITH zoned AS (
    SELECT *,
        CASE WHEN server_zone IN {_ZONES} THEN server_zone ELSE {quoted(DEFAULT_SERVER_ZONE)} END
            AS zone,
        {_ENDPOINT_REGION} AS endpoint_region
    FROM setup
),
hashes AS (
    SELECT app_hash, min(seq) AS first_seq
    FROM (
        SELECT seq, {_APP_HASH} AS app_hash
        FROM events
        WHERE undelivered_code IS NULL AND json_type(debug_value) = 'VARCHAR'
    ) AS debug
    WHERE app_hash IS NOT NULL
    GROUP BY app_hash
),
foreign_hashes AS (
    SELECT '[' || string_agg(CAST(to_json(h.app_hash) AS VARCHAR), ',' ORDER BY h.first_seq)
        || ']' AS listed
    FROM hashes AS h
    JOIN setup AS s ON h.app_hash <> s.key_hash
)
SELECT 'SERVER_ZONE_MISMATCH' AS code, 'error' AS severity, CAST(NULL AS VARCHAR) AS variant,
    CAST(NULL AS BIGINT) AS seq, name AS file, zone_line AS line,
    CAST(NULL AS VARCHAR) AS message_id, CAST(NULL AS JSON) AS device_id,
    CAST(NULL AS BIGINT) AS session_id,
    json_object('replay_zone', zone, 'project_region', region,
        'destination_endpoint', endpoint, '_server_zone', server_zone) AS details
FROM zoned
WHERE (region IS NOT NULL AND region <> zone)
    OR (endpoint_region IS NOT NULL AND endpoint_region <> zone)
UNION ALL
SELECT 'API_KEY_MISMATCH', 'error', NULL, NULL, s.name, s.key_line, NULL, NULL, NULL,
    json_object('_keys_differ', s.keys_differ, '_expected_hash', s.key_hash,
        '_app_hashes', CAST(COALESCE(f.listed, '[]') AS JSON))
FROM setup AS s
CROSS JOIN foreign_hashes AS f
WHERE s.keys_differ OR f.listed IS NOT NULL
UNION ALL
SELECT 'DEVICE_MAPPING_CUSTOMIZED', 'error', 'setup', NULL, name, mapping_line, NULL, NULL,
    NULL, json_object('mapping', device_mapping)
FROM setup
WHERE device_mapping IS NOT NULL AND CAST(device_mapping AS VARCHAR) <> '"default"'
"""

LINK_RULES = [
    Rule("replay_properties", REPLAY_PROPERTIES),
    Rule("replay_ids", REPLAY_IDS),
    Rule("non_browser_sources", NON_BROWSER_SOURCES),
    Rule("setup", SETUP),
]
# The rule in LINK_RULES's place when no set-up gives a sample rate (and in the warehouse, which
# has no set-up): the same findings, as no session can be left out by sampling.
WITHOUT_SAMPLING = Rule("replay_properties", replay_properties(sampled=False))
