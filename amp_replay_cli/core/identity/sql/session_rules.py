"""The session rules (specified by tests/oracle/session_rules.py) as SQL over `events`.

The Python rules keep value runs per session and per browser while the events go by, and a
second pass puts lines that arrived out of order back in time; here every event is at hand, so
the runs come from window functions over each session's or browser's events in time order:
`order_ms`, then the line, then `seq` — the order the Python runs are sorted in (a stable sort
by time and line). The first and last event of a browser in a session are by time, then reading
order, as the tracker keeps them. Undelivered events belong to no session and no browser.
"""

from __future__ import annotations

from amp_replay_cli.core.identity.events import AMPLITUDE_EVENT_TYPES, NO_SESSION
from amp_replay_cli.core.identity.sql.expressions import id_text
from amp_replay_cli.core.identity.sql.rules import Rule

_AMPLITUDE_TYPES = ", ".join(f"'{kind}'" for kind in sorted(AMPLITUDE_EVENT_TYPES))

# A browser's events in a session: what the oracle's Tracker._browser_in_session keeps.
_BROWSER_EVENTS = f"""
    undelivered_code IS NULL AND is_browser AND anonymous_id IS NOT NULL
    AND dest_session <> {NO_SESSION}"""


def _first_in_session(only: str = "TRUE") -> str:
    """The first event of each browser (anonymousId) in each session id, by time then reading
    order; `only` narrows the events before they are ordered."""
    return f"""
    SELECT * FROM (
        SELECT dest_session, anonymous_id, order_ms, line, seq, file, message_id, user_id,
            page_url,
            ROW_NUMBER() OVER (
                PARTITION BY dest_session, anonymous_id ORDER BY order_ms, seq
            ) AS nth
        FROM events
        WHERE {_BROWSER_EVENTS} AND {only}
    ) AS browser_events
    WHERE nth = 1"""


_USER_TEXT = id_text("user_id")

SESSION_MISMATCH = f"""
WITH mismatches AS (
    SELECT *,
        CASE
            WHEN dest_session = {NO_SESSION} THEN 'event_no_session'
            WHEN rp_session < dest_session THEN 'replay_older'
            ELSE 'replay_newer'
        END AS subtype
    FROM events
    WHERE undelivered_code IS NULL AND rp_session IS NOT NULL AND rp_session <> dest_session
),
first_pages AS ({
    _first_in_session(
        "(dest_session, anonymous_id) IN "
        "(SELECT dest_session, anonymous_id FROM mismatches WHERE subtype = 'replay_older')"
    )
}),
worded AS (
    SELECT mismatches.*,
        first_pages.page_url AS first_url,
        subtype = 'replay_older' AND first_pages.page_url <> '' AND mismatches.page_url <> ''
            AND first_pages.page_url <> mismatches.page_url AS multi_tab
    FROM mismatches
    LEFT JOIN first_pages
        ON first_pages.dest_session = mismatches.dest_session
        AND first_pages.anonymous_id = mismatches.anonymous_id
)
SELECT 'RPL_SESSION_MISMATCH' AS code, 'error' AS severity, subtype AS variant, seq, file, line,
    message_id, dest_device AS device_id, dest_session AS session_id,
    CASE WHEN multi_tab
        THEN json_object(
            'replay_id', replay_value, 'subtype', subtype, 'multi_tab', true,
            'session_id', dest_session, '_replay', rp_session,
            '_page_url', page_url, '_first_url', first_url
        )
        ELSE json_object(
            'replay_id', replay_value, 'subtype', subtype,
            'session_id', dest_session, '_replay', rp_session, '_client_ms', client_ms
        )
    END AS details
FROM worded
"""


def _runs(keys: tuple[str, ...], value: str) -> str:
    """CTEs over a CTE `sightings` (the keys, the value, order_ms, line, seq) ending in
    `starts`: the first event of each run of one value, per key, in time order, with the value
    and the last time of the run before it (NULL for the first run).

    Where a key's values have time spans that neither overlap nor meet (the usual case), each
    value is one run and the spans give their order: grouped, not sorted event by event. The
    other keys are ordered event by event, as the Python rules' second pass does."""
    partition = ", ".join(keys)
    qualified = ", ".join(f"sightings.{key}" for key in keys)

    def same(other: str) -> str:
        return " AND ".join(f"{other}.{key} = sightings.{key}" for key in keys)

    columns = f"{partition}, {value}, order_ms, line, seq"
    return f"""
spans AS (
    SELECT {partition}, {value}, MIN(order_ms) AS first_ms, MAX(order_ms) AS last_ms
    FROM sightings
    GROUP BY {partition}, {value}
),
chained AS (
    SELECT *,
        LAG({value}) OVER by_start AS previous_value,
        LAG(last_ms) OVER by_start AS previous_ms
    FROM spans
    WINDOW by_start AS (PARTITION BY {partition} ORDER BY first_ms)
),
unsettled AS (
    SELECT DISTINCT {partition} FROM chained WHERE first_ms <= previous_ms
),
starts AS (
    SELECT {columns}, previous_value, previous_ms
    FROM (
        SELECT sightings.*, chained.previous_value, chained.previous_ms,
            ROW_NUMBER() OVER (
                PARTITION BY {qualified}, sightings.{value}
                ORDER BY sightings.line, sightings.seq
            ) AS nth
        FROM (  -- the events at the start of a span: a semi-join, hashing the spans
            SELECT * FROM sightings
            WHERE ({partition}, {value}, order_ms) IN (
                SELECT {partition}, {value}, first_ms FROM chained
            )
        ) AS sightings
        JOIN chained
            ON {same("chained")} AND chained.{value} = sightings.{value}
            AND chained.first_ms = sightings.order_ms
        LEFT JOIN unsettled ON {same("unsettled")}
        WHERE unsettled.{keys[0]} IS NULL
    ) AS settled
    WHERE nth = 1
    UNION ALL
    SELECT {columns}, previous_value, previous_ms
    FROM (
        SELECT sightings.*,
            LAG(sightings.{value}) OVER in_time AS previous_value,
            LAG(order_ms) OVER in_time AS previous_ms
        FROM sightings
        JOIN unsettled ON {same("unsettled")}
        WINDOW in_time AS (PARTITION BY {qualified} ORDER BY order_ms, line, seq)
    ) AS exact
    WHERE previous_value IS NULL OR previous_value <> {value}
)"""


def _located(relation: str) -> str:
    """File and messageId of the events of a small relation, by `seq`: carried to the end
    instead of through every ordering. A semi-join, which hashes the small side."""
    return f"SELECT seq, file, message_id FROM events WHERE seq IN (SELECT seq FROM {relation})"


_REPLAYED = f"""
    undelivered_code IS NULL AND type IN ({_AMPLITUDE_TYPES})
    AND dest_device IS NOT NULL AND replay_id IS NOT NULL"""

SESSION_KEY = ("dest_device", "dest_session")

DEVICE_SWITCH = f"""
WITH switching AS (  -- sessions under more than one replay device: the only ones to order
    SELECT dest_device AS switching_device, dest_session AS switching_session
    FROM events
    WHERE {_REPLAYED}
    GROUP BY dest_device, dest_session
    HAVING MIN(rp_device) <> MAX(rp_device)
),
sightings AS (
    SELECT dest_device, dest_session, rp_device, order_ms, line, seq
    FROM events
    JOIN switching ON switching_device = dest_device AND switching_session = dest_session
    WHERE {_REPLAYED}
),
{_runs(SESSION_KEY, "rp_device")},
runs AS (
    SELECT *,
        ROW_NUMBER() OVER (
            PARTITION BY dest_device, dest_session ORDER BY order_ms, line, seq
        ) AS run
    FROM starts
),
firsts AS (
    SELECT runs.*, located.file, located.message_id,
        MIN(run) OVER (PARTITION BY dest_device, dest_session, rp_device) AS device_first
    FROM runs
    JOIN ({_located("runs")}) AS located ON located.seq = runs.seq
),
switched AS (
    SELECT dest_device, dest_session,
        to_json(array_agg(rp_device ORDER BY run)
            FILTER (WHERE run = device_first)) AS replay_devices,
        to_json(array_agg(
            json_object('line', line, 'message_id', message_id, 'file', file) ORDER BY run
        ) FILTER (WHERE run > 1)) AS switch_points
    FROM firsts
    GROUP BY dest_device, dest_session
)
SELECT 'RPL_DEVICE_SWITCH_IN_SESSION' AS code, 'warning' AS severity, NULL AS variant,
    firsts.seq, firsts.file, firsts.line, firsts.message_id, firsts.dest_device AS device_id,
    firsts.dest_session AS session_id,
    json_object(
        'replay_devices', switched.replay_devices, 'switch_points', switched.switch_points,
        'device_id', firsts.dest_device, 'session_id', firsts.dest_session
    ) AS details
FROM switched
JOIN firsts
    ON firsts.dest_device = switched.dest_device AND firsts.dest_session = switched.dest_session
    AND firsts.run = 2
"""

ANONYMOUS_ID_CHANGE = f"""
WITH shared AS (  -- session ids of more than one browser: the only ones that can change
    SELECT dest_session AS shared_session
    FROM events
    WHERE {_BROWSER_EVENTS}
    GROUP BY dest_session
    HAVING MIN(anonymous_id) <> MAX(anonymous_id)
),
sightings AS (
    SELECT dest_session, anonymous_id, user_id, rp_device, network_key, order_ms, seq,
        line, file, message_id, page_url,
        ROW_NUMBER() OVER (
            PARTITION BY dest_session, anonymous_id ORDER BY order_ms, seq
        ) AS from_first,
        ROW_NUMBER() OVER (
            PARTITION BY dest_session, anonymous_id ORDER BY order_ms DESC, seq DESC
        ) AS from_last,
        MIN(seq) OVER (PARTITION BY dest_session, anonymous_id) AS arrival
    FROM events
    JOIN shared ON shared_session = dest_session
    WHERE {_BROWSER_EVENTS}
),
browsers AS (
    SELECT firsts.*, lasts.user_id AS last_user
    FROM sightings AS firsts
    JOIN sightings AS lasts
        ON lasts.dest_session = firsts.dest_session AND lasts.anonymous_id = firsts.anonymous_id
        AND lasts.from_last = 1
    WHERE firsts.from_first = 1
),
ranked AS (
    SELECT *,
        ROW_NUMBER() OVER in_session AS rank,
        LAG(anonymous_id) OVER in_session AS before_id,
        LAG(last_user) OVER in_session AS before_last_user
    FROM browsers
    WINDOW in_session AS (PARTITION BY dest_session ORDER BY order_ms, line, arrival)
),
-- What can tell two anonymousIds are one browser: a replay device, a user, a network.
marks AS (
    SELECT DISTINCT ranked.dest_session, ranked.rank, marked.kind, marked.mark
    FROM (
        SELECT dest_session, anonymous_id, 'replay_device' AS kind, rp_device AS mark
        FROM sightings WHERE rp_device IS NOT NULL
        UNION ALL
        SELECT dest_session, anonymous_id, 'user', {_USER_TEXT}
        FROM sightings WHERE user_id IS NOT NULL
        UNION ALL
        SELECT dest_session, anonymous_id, 'network', network_key
        FROM sightings WHERE network_key <> ''
    ) AS marked
    JOIN ranked
        ON ranked.dest_session = marked.dest_session AND ranked.anonymous_id = marked.anonymous_id
),
confirmed AS (
    SELECT DISTINCT after.dest_session, after.rank
    FROM marks AS after
    JOIN marks AS before
        ON before.dest_session = after.dest_session AND before.rank = after.rank - 1
        AND before.kind = after.kind AND before.mark = after.mark
)
SELECT 'ANON_ID_CHANGED_IN_SESSION' AS code, 'error' AS severity, NULL AS variant,
    ranked.seq, ranked.file, ranked.line, ranked.message_id, ranked.anonymous_id AS device_id,
    ranked.dest_session AS session_id,
    json_object(
        'from_anonymousId', ranked.before_id, 'to_anonymousId', ranked.anonymous_id,
        'session_id', ranked.dest_session,
        '_last_user', ranked.before_last_user, '_first_user', ranked.user_id
    ) AS details
FROM ranked
JOIN confirmed ON confirmed.dest_session = ranked.dest_session AND confirmed.rank = ranked.rank
"""

SESSION_SEQUENCES = f"""
WITH several AS (  -- browsers under more than one session id: the only ones to order
    SELECT anonymous_id AS browser
    FROM events
    WHERE {_BROWSER_EVENTS}
    GROUP BY anonymous_id
    HAVING MIN(dest_session) <> MAX(dest_session)
),
sightings AS (
    SELECT anonymous_id, dest_session, order_ms, line, seq
    FROM events
    JOIN several ON browser = anonymous_id
    WHERE {_BROWSER_EVENTS}
),
{_runs(("anonymous_id",), "dest_session")},
-- A run whose session id came before returns to it.
runs AS (
    SELECT *, MIN(run) OVER (PARTITION BY anonymous_id, dest_session) < run AS returns
    FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY order_ms, line, seq) AS run
        FROM starts
    ) AS numbered
),
browsers AS (
    SELECT anonymous_id,
        MIN(CASE WHEN returns THEN run END) AS first_return,
        to_json(array_agg(dest_session ORDER BY run) FILTER (WHERE NOT returns)) AS sessions
    FROM runs
    GROUP BY anonymous_id
),
found AS (
    SELECT 'SESSION_CHURN' AS code, runs.*,
        json_object(
            'anonymousId', anonymous_id, 'previous_session', previous_value,
            'gap_ms', order_ms - previous_ms,
            'session_id', dest_session, '_timeout_ms', $session_timeout_ms
        ) AS details
    FROM runs
    WHERE previous_value IS NOT NULL AND NOT returns
        AND order_ms - previous_ms >= 0 AND order_ms - previous_ms < $session_timeout_ms
    UNION ALL
    SELECT 'SESSION_INTERLEAVED', runs.*,
        json_object(
            'anonymousId', runs.anonymous_id, 'sessions', browsers.sessions,
            'session_id', runs.dest_session, '_previous', runs.previous_value
        )
    FROM runs
    JOIN browsers
        ON browsers.anonymous_id = runs.anonymous_id AND browsers.first_return = runs.run
)
SELECT code, 'warning' AS severity, NULL AS variant, found.seq, located.file, found.line,
    located.message_id, anonymous_id AS device_id, dest_session AS session_id, details
FROM found
JOIN ({_located("found")}) AS located ON located.seq = found.seq
"""

RULES = [
    Rule("session_mismatch", SESSION_MISMATCH),
    Rule("device_switch", DEVICE_SWITCH),
    Rule("anonymous_id_change", ANONYMOUS_ID_CHANGE),
    Rule("session_sequences", SESSION_SEQUENCES),
]
