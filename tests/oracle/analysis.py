"""One small rule per mismatch code of spec/identity/IDENTITY.md §5, over a stream of Segment
events.

Events are read in file order. Per-event rules (event_rules) report at once; rules about a
session, a browser or a replay (session_rules, link_rules) read the small summaries the tracker
keeps (value runs, first and last sightings) when the stream ends. When lines arrived so out of
order that the runs overlap in time, a second pass (recheck) re-reads the inputs for just those
sessions and browsers. Memory grows with sessions, findings and the messageIds seen.

Part of the oracle (tests/oracle): the specification the SQL rules are tested against, never
shipped.
"""

from __future__ import annotations

from typing import Any

from amp_replay_cli.core.findings import Finding
from amp_replay_cli.core.identity.inputs import AmplitudeExport, ReplayList, Setup
from amp_replay_cli.core.identity.thresholds import Thresholds
from tests.oracle import link_rules, session_rules
from tests.oracle.event_rules import EventRules
from tests.oracle.model import Event
from tests.oracle.recheck import Recheck
from tests.oracle.reporter import Reporter
from tests.oracle.session_rows import session_rows
from tests.oracle.setup_rules import check_setup
from tests.oracle.tracking import Tracker


class Analysis:
    """Feed it every event (`add`); if `second_pass()` returns a recheck, feed that every event
    again; then call `finish()`. `findings` and `session_rows()` are the outcome."""

    def __init__(
        self,
        thresholds: Thresholds,
        setup: Setup | None = None,
        export: AmplitudeExport | None = None,
        replays: ReplayList | None = None,
    ):
        self._thresholds = thresholds
        self._setup = setup
        self._export = export
        self._replays = replays
        self.events = 0
        self.duplicates = 0
        self._seen_messages: set[str] = set()
        self._tracker = Tracker(thresholds.min_id_length)
        self._reporter = Reporter(self._tracker.sessions)
        self._event_rules = EventRules(thresholds, self._reporter, export)
        self._recheck: Recheck | None = None

    @property
    def findings(self) -> list[Finding]:
        return self._reporter.findings

    def add(self, event: Event) -> None:
        if event.message_id is not None:
            if event.message_id in self._seen_messages:
                self.duplicates += 1
                return
            self._seen_messages.add(event.message_id)
        self.events += 1
        # The tracker first: findings about the event count towards its session's row.
        self._tracker.collect(event, event.where)
        self._event_rules.check(event)

    def second_pass(self) -> Recheck | None:
        """The recheck that must see every event again, when some lines arrived too far out of
        order; None when the first pass was enough."""
        recheck = Recheck(self._tracker)
        self._recheck = recheck if recheck.needed() else None
        return self._recheck

    def finish(self) -> None:
        if self._recheck is not None:
            self._recheck.apply()
        tracker, reporter = self._tracker, self._reporter
        timeout_ms = self._thresholds.session_timeout_ms
        session_rules.replay_session_mismatches(
            tracker.mismatches, tracker.browsers_by_session, reporter
        )
        session_rules.replay_device_switches(tracker.sessions, reporter)
        session_rules.anonymous_id_changes(tracker.browsers_by_session, reporter)
        session_rules.session_sequences(tracker.sessions_by_browser, timeout_ms, reporter)
        link_rules.missing_replay_properties(tracker.sessions, self._setup, reporter)
        reached = tracker.reached | (self._export.pairs if self._export else set())
        link_rules.referenced_replays(tracker.replay_first, reached, self._replays, reporter)
        if self._replays is not None:
            link_rules.listed_replays(self._replays, tracker.replay_first, reached, reporter)
        link_rules.non_browser_sources(tracker.non_browser, tracker.sessions, timeout_ms, reporter)
        if self._setup is not None:
            check_setup(self._setup, tracker.app_hashes, reporter)
        reporter.close()

    @property
    def undelivered(self) -> int:
        """Events that never reach Amplitude, so are in no session."""
        return self._reporter.undelivered

    def session_rows(self) -> list[dict[str, Any]]:
        return session_rows(self._tracker.sessions.values(), self._replays)
