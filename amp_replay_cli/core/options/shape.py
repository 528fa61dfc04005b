"""Whether a file found by a directory scan or a glob holds Session Replay options.

A file named on the command line is always checked; a file a scan finds is checked only when
one of its documents is a mapping that

- has a `sessionReplayOptions` key, at the top level or one level down (a wrapper call's
  arguments under a name of their own; then that mapping is what a scan checks), or
- is a Segment wrapper call: `amplitudeApiKey` with `segmentInstance`, or
- is an options object: more than half of its keys (`$schema` aside) are options that some SDK
  line reads, and there are at least two of them or one is `sampleRate`.

Analytics settings Session Replay never reads (`apiKey`, `version`, `serverUrl`, `plan`, …) do
not count: package.json, compose files and Browser SDK init options use those names too.
"""

from __future__ import annotations

import re

from amp_replay_cli.core.documents.nodes import Mapping, Node
from amp_replay_cli.core.options.catalog import (
    FILE_METADATA_KEYS,
    SEGMENT_CALL_MARKERS,
    SESSION_REPLAY_OPTIONS,
    Effect,
    SdkLine,
)

OPTIONS_KEY = "sessionReplayOptions"
READ_OPTIONS = frozenset(
    name
    for name, spec in SESSION_REPLAY_OPTIONS.items()
    if any(spec.on(line).effect in (Effect.ACTIVE, Effect.DEPRECATED) for line in SdkLine)
)
_NAMES = re.compile("|".join(sorted(READ_OPTIONS | SEGMENT_CALL_MARKERS, key=len, reverse=True)))
# Files a scan finds that carry this in their name are meant as options: when they cannot be
# read, that is said, not skipped.
_REPLAY_NAME = re.compile(r"replay", re.IGNORECASE)


def may_hold_options(text: str) -> bool:
    """False when the text spells no option name, so it need not be parsed at all."""
    return _NAMES.search(text) is not None


def named_as_options(name: str) -> bool:
    return _REPLAY_NAME.search(name) is not None


def holds_options(root: Node) -> bool:
    """The shape test described in the module docstring, for one document."""
    return options_node(root) is not None


def options_node(root: Node) -> Mapping | None:
    """The mapping to check: the document itself, or the one a level down that has the
    `sessionReplayOptions` key; None when the document does not hold options."""
    if not isinstance(root, Mapping):
        return None
    keys = root.entries.keys()
    if OPTIONS_KEY in keys or {"amplitudeApiKey", "segmentInstance"} <= keys:
        return root
    for entry in root.entries.values():
        if isinstance(entry.value, Mapping) and OPTIONS_KEY in entry.value.entries:
            return entry.value
    counted = keys - FILE_METADATA_KEYS
    read = counted & READ_OPTIONS
    if 2 * len(read) > len(counted) and (len(read) >= 2 or "sampleRate" in read):
        return root
    return None
