"""The second pass, for lines that arrived so out of order that the first pass cannot restore
their time order: it re-reads the inputs for just those sessions and browsers, and replaces
their runs with exact ones. Part of the oracle (tests/oracle), never shipped."""

from __future__ import annotations

from typing import Any

from amp_replay_cli.core.identity.events import AMPLITUDE_EVENT_TYPES, NO_SESSION
from tests.oracle.model import Event, SessionKey
from tests.oracle.runs import Runs, Sighting
from tests.oracle.tracking import Tracker


class Recheck:
    def __init__(self, tracker: Tracker):
        self._tracker = tracker
        self._sessions: dict[SessionKey, list[Sighting]] = {
            key: [] for key, state in tracker.sessions.items() if not state.replay_devices.settled()
        }
        self._browsers: dict[Any, list[Sighting]] = {
            anonymous: []
            for anonymous, runs in tracker.sessions_by_browser.items()
            if not runs.settled()
        }
        self._seen_messages: set[str] = set()

    def needed(self) -> bool:
        return bool(self._sessions or self._browsers)

    def add(self, event: Event) -> None:
        """Keep every sighting of the unsettled sessions and browsers."""
        if event.message_id is not None:
            if event.message_id in self._seen_messages:
                return
            self._seen_messages.add(event.message_id)
        if event.undelivered is not None:
            return  # the tracker kept it out of every session and browser too
        where = event.where
        sightings = self._sessions.get(event.session_key)
        if (
            sightings is not None
            and event.replay_id is not None
            and event.type in AMPLITUDE_EVENT_TYPES
        ):
            sightings.append(Sighting(event.order_ms, where, event.rp_device))
        sightings = self._browsers.get(event.anonymous_id)
        if sightings is not None and event.is_browser and event.dest_session != NO_SESSION:
            sightings.append(Sighting(event.order_ms, where, event.dest_session))

    def apply(self) -> None:
        for key, sightings in self._sessions.items():
            self._tracker.sessions[key].replay_devices = Runs.of(sightings)
        for anonymous, sightings in self._browsers.items():
            self._tracker.sessions_by_browser[anonymous] = Runs.of(sightings)
