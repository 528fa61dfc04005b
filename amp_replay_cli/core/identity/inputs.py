"""The optional inputs of `diagnose`: an Amplitude export, a replay list, and the set-up."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from amp_replay_cli.core import fastjson
from amp_replay_cli.core.documents import load_documents
from amp_replay_cli.core.documents.json_parser import json_error_reason
from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.nodes import Mapping, Node, to_plain
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.documents.streams import (
    first_character,
    iter_json_array,
    iter_lines,
    open_text,
    whole_document,
)
from amp_replay_cli.core.errors import InputError, Location
from amp_replay_cli.core.identity.events import NO_SESSION, coerce_session_id, parse_time
from amp_replay_cli.core.sampling import Algorithm
from amp_replay_cli.core.wire import REPLAY_ID_PROPERTY

JoinKey = tuple[Any, int, Any]  # (event_type, time in ms, user_id)


@dataclass
class ExportRow:
    file: str
    line: int
    device_id: Any
    has_replay_property: bool


@dataclass
class AmplitudeExport:
    """Export API rows, indexed the way a Segment event can be matched to its Amplitude event."""

    name: str
    by_key: dict[JoinKey, ExportRow] = field(default_factory=dict)
    by_replay_id: dict[str, ExportRow] = field(default_factory=dict)
    pairs: set[tuple[Any, Any]] = field(default_factory=set)


def read_export(
    source: Source, stdin: BinaryIO | None = None, limit: ItemLimit = LOG_LINE
) -> AmplitudeExport:
    export = AmplitudeExport(source.name)
    for line, row in _json_records(source, stdin, limit):
        if not isinstance(row, dict):
            continue
        properties = row.get("event_properties")
        if not isinstance(properties, dict):
            properties = {}
        session = coerce_session_id(row.get("session_id"))
        device_id = key_text(row.get("device_id"))
        record = ExportRow(source.name, line, device_id, REPLAY_ID_PROPERTY in properties)
        export.pairs.add((device_id, NO_SESSION if session is None else session))
        time_ms = parse_time(row.get("event_time"))
        if time_ms is not None:
            key = (key_text(row.get("event_type")), time_ms, key_text(row.get("user_id")))
            export.by_key.setdefault(key, record)
        replay_id = properties.get(REPLAY_ID_PROPERTY)
        if isinstance(replay_id, str):
            export.by_replay_id.setdefault(replay_id, record)
    return export


def key_text(value: Any) -> Any:
    """A field of an export row, or an event's, as an index key: a list or an object (which no
    Amplitude id or event type is, and which cannot be a key) as its JSON text."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


@dataclass
class ReplayList:
    name: str
    replay_ids: set[str] = field(default_factory=set)
    first_line: dict[str, int] = field(default_factory=dict)

    def line_of(self, replay_id: str) -> int:
        """The line that first lists the replay id (1 when not known)."""
        return self.first_line.get(replay_id, 1)


def read_replays(
    source: Source, stdin: BinaryIO | None = None, limit: ItemLimit = LOG_LINE
) -> ReplayList:
    """Session Replay API responses (`{"session_replays": [...]}`, one page per line, or a bare
    list)."""
    replays = ReplayList(source.name)
    for line, record in _json_records(source, stdin, limit):
        items = (
            record.get("session_replays", record.get("replays"))
            if isinstance(record, dict)
            else None
        )
        for item in items if isinstance(items, list) else [record]:
            replay_id = _replay_id(item)
            if replay_id is not None:
                replays.replay_ids.add(replay_id)
                replays.first_line.setdefault(replay_id, line)
    return replays


def _replay_id(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("replay_id"), str):
        return item["replay_id"]
    if item.get("device_id") is not None and item.get("session_id") is not None:
        return f"{item['device_id']}/{item['session_id']}"
    return None


def _json_records(
    source: Source, stdin: BinaryIO | None, limit: ItemLimit
) -> Iterator[tuple[int, Any]]:
    """Records of a JSON array, of NDJSON, or the single document of a pretty-printed JSON file,
    read a line or an item at a time."""
    with open_text(source, stdin, limit) as stream:
        first, stream = first_character(stream, source.name, limit)
        if first == "[":
            yield from iter_json_array(stream, source.name, limit=limit)
            return
        lines = iter_lines(stream, source.name, limit)
        records = 0
        for line, text in lines:
            if not text.strip():
                continue
            try:
                record = fastjson.loads(text)
            except json.JSONDecodeError as error:
                if records:
                    raise InputError(
                        f"not JSON or NDJSON ({json_error_reason(error.msg)})",
                        location=Location(source.name, line, error.colno),
                    ) from None
                yield line, whole_document((line, text), lines, source.name, limit)
                return
            records += 1
            yield line, record


# -- the set-up -------------------------------------------------------------------------------
@dataclass
class Setup:
    """What `--config` says about the destination, the replay SDK and the project."""

    name: str
    destination_api_key: str | None = None
    endpoint: str | None = None  # north_america | europe
    device_mapping: Any = None
    min_id_length: int | None = None
    session_length_ms: int | None = None  # the session plugin's sessionLength mapping
    replay_api_key: str | None = None
    server_zone: str | None = None  # None: not set, the SDK uses US
    sample_rate: Any = None
    has_sample_rate: bool = False
    algorithm: Algorithm = Algorithm.LEGACY
    region: str | None = None
    lines: dict[str, int] = field(default_factory=dict)  # where each setting was written

    @property
    def secrets(self) -> set[str]:
        return {key for key in (self.destination_api_key, self.replay_api_key) if key}

    def first_line(self, *settings: str) -> int:
        """The line of the first of `settings` the config file has, else its first line."""
        return next((self.lines[name] for name in settings if self.lines.get(name)), 1)


def read_setup(source: Source, stdin: BinaryIO | None = None) -> Setup:
    """Reads `{segment_destination: {settings, mappings}, replay: {...}, amplitude_project:
    {region}}`."""
    root = load_documents(source, stdin=stdin)[0].root
    if not isinstance(root, Mapping):
        raise InputError(
            "not a mapping: expected segment_destination, replay and amplitude_project",
            location=Location(source.name),
        )
    setup = Setup(source.name)
    destination = _section(root, "segment_destination", "destination")
    settings = _section(destination, "settings")
    setup.destination_api_key = _text(settings, "apiKey", setup, "destination.apiKey")
    setup.endpoint = _text(settings, "endpoint", setup, "destination.endpoint")
    mapping = _section(_section(destination, "mappings"), "logEventV2")
    device = mapping.get("device_id") if mapping else None
    if device is not None:
        setup.device_mapping = to_plain(device)
        setup.lines["destination.device_id"] = device.mark.line
    min_length = mapping.get("min_id_length") if mapping else None
    if (
        min_length is not None
        and isinstance(to_plain(min_length), int)
        and to_plain(min_length) > 0
    ):
        setup.min_id_length = to_plain(min_length)
    setup.session_length_ms = _session_length(_section(destination, "mappings"))
    replay = _section(root, "replay")
    setup.replay_api_key = _text(replay, "amplitudeApiKey", setup, "replay.apiKey") or _text(
        replay, "apiKey", setup, "replay.apiKey"
    )
    options = _section(replay, "sessionReplayOptions", "options")
    setup.server_zone = _text(options, "serverZone", setup, "replay.serverZone")
    if options is not None and "sampleRate" in options.entries:
        setup.has_sample_rate = True
        setup.sample_rate = to_plain(options.entries["sampleRate"].value)
        setup.lines["replay.sampleRate"] = options.entries["sampleRate"].key_mark.line
    setup.algorithm = _algorithm(to_plain(replay) if replay is not None else {})
    project = _section(root, "amplitude_project", "project")
    region = _text(project, "region", setup, "project.region")
    setup.region = region.upper() if region else None
    return setup


def _session_length(mappings: Mapping | None) -> int | None:
    """The Browser Session Tracking (sessionId) mapping's sessionLength in ms, when it is a
    positive number; unset (or null) leaves the plugin's default of 30 min."""
    plugin = _section(mappings, "sessionId")
    node = plugin.get("sessionLength") if plugin is not None else None
    value = to_plain(node) if node is not None else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if 0 < value < math.inf else None


def _section(node: Node | None, *names: str) -> Mapping | None:
    if not isinstance(node, Mapping):
        return None
    for name in names:
        found = node.get(name)
        if isinstance(found, Mapping):
            return found
    return None


def _text(node: Mapping | None, key: str, setup: Setup, label: str) -> str | None:
    if node is None or key not in node.entries:
        return None
    entry = node.entries[key]
    value = to_plain(entry.value)
    setup.lines[label] = entry.key_mark.line
    return value if isinstance(value, str) else None


def _algorithm(replay: dict) -> Algorithm:
    """The wrapper runs SDK 1.13.6 (legacy hash); session-replay-browser and the plugin from
    1.35.0 on are modern."""
    package = str(replay.get("package", ""))
    version = str(replay.get("session_replay_browser_version") or replay.get("version") or "")
    if "segment-session-replay-wrapper" in package or not package:
        sdk_version = str(replay.get("session_replay_browser_version") or "1.13.6")
        return _hash_of_version(sdk_version)
    if "plugin-session-replay-browser" in package:
        return Algorithm.MODERN
    return _hash_of_version(version) if version else Algorithm.MODERN


def _hash_of_version(version: str) -> Algorithm:
    parts = [int(part) for part in version.split(".")[:2] if part.isdigit()]
    return Algorithm.MODERN if len(parts) == 2 and tuple(parts) >= (1, 35) else Algorithm.LEGACY
