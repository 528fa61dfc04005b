"""Checking one document against the option catalog of one SDK line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from amp_replay_cli.core.documents.nodes import (
    Document,
    Entry,
    Mapping,
    Mark,
    Node,
    PathPart,
    Scalar,
    Sequence,
    format_path,
    kind_name,
)
from amp_replay_cli.core.errors import InputError, Location
from amp_replay_cli.core.findings import Finding, Severity
from amp_replay_cli.core.jsvalues import show
from amp_replay_cli.core.options import rules
from amp_replay_cli.core.options.catalog import (
    FILE_METADATA_KEYS,
    PLUGIN_ONLY_MARKERS,
    REMOTE_CONFIG_KEYS,
    SEGMENT_CALL_MARKERS,
    SEGMENT_CALL_OPTIONS,
    SESSION_REPLAY_OPTIONS,
    Effect,
    Option,
    SdkLine,
    all_option_paths,
)

_EFFECT_CODES = {
    Effect.NO_EFFECT: "AR111",
    Effect.IGNORED: "AR112",
    Effect.DEPRECATED: "AR113",
    Effect.UNSUPPORTED: "AR114",
}
_SECRET_KEY_NAMES = frozenset({"secretkey", "amplitudesecretkey", "apisecret", "secret"})


def infer_sdk_line(root: Node) -> SdkLine:
    """The SDK line a document's shape points to: a Segment wrapper call, plugin or standalone."""
    if not isinstance(root, Mapping):
        return SdkLine.STANDALONE
    keys = root.entries.keys()
    if SEGMENT_CALL_MARKERS.intersection(keys):
        return SdkLine.SEGMENT_WRAPPER
    if PLUGIN_ONLY_MARKERS.intersection(keys):
        return SdkLine.PLUGIN
    return SdkLine.STANDALONE


@dataclass
class Checker:
    """Walks one document and collects findings; rules in `rules.py` report through `emit`."""

    document: Document
    sdk_line: SdkLine
    production: bool
    findings: list[Finding] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    prefix: tuple[PathPart, ...] = ()
    api_key: str | None = None

    # -- reporting ---------------------------------------------------------------------------
    def emit(
        self,
        code: str,
        severity: Severity,
        message: str,
        where: Node | Mark,
        path: tuple[PathPart, ...] | None,
        hint: str | None = None,
    ) -> None:
        """Record a finding; `path` is relative to the options object, None for the whole file."""
        mark = where if isinstance(where, Mark) else where.mark
        full_path = None if path is None else self.prefix + path
        self.findings.append(
            Finding(
                code=code,
                severity=severity,
                message=message,
                file=self.document.source,
                line=mark.line,
                column=mark.column,
                path=format_path(full_path) if full_path else None,
                hint=hint,
            )
        )

    def name(self, path: tuple[PathPart, ...]) -> str:
        return format_path(path)

    # -- the document ------------------------------------------------------------------------
    def run(self) -> None:
        root = self.document.root
        if not isinstance(root, Mapping):
            raise InputError(
                f"not a mapping: the top level is {kind_name(root)}",
                location=Location(self.document.source, root.mark.line, root.mark.column),
                hint="a config file holds sessionReplayOptions as an object, "
                "or an object with a sessionReplayOptions key",
            )
        for duplicate in self.document.duplicates:
            where = (*duplicate.path, duplicate.key)
            self.emit(
                "AR121",
                Severity.ERROR,
                f"`{format_path(where)}` is written twice "
                f"(lines {duplicate.first.line} and {duplicate.again.line}); "
                "loaders keep the last value without a word",
                duplicate.again,
                where,
                hint="keep one of the two",
            )
        if SEGMENT_CALL_MARKERS.intersection(root.entries):
            self.check_segment_call(root)
        else:
            self.check_options(root, root.mark)

    def check_segment_call(self, root: Mapping) -> None:
        api_key = root.get("amplitudeApiKey")
        if isinstance(api_key, Scalar) and isinstance(api_key.value, str):
            self.api_key = api_key.value
        for key, entry in root.entries.items():
            if key in FILE_METADATA_KEYS or key == "sessionReplayOptions":
                continue
            spec = SEGMENT_CALL_OPTIONS.get(key)
            if spec is None:
                self.unknown(entry, (key,), SEGMENT_CALL_OPTIONS)
            else:
                self.check_option(spec, entry, (key,))
        options_entry = root.entries.get("sessionReplayOptions")
        self.prefix = ("sessionReplayOptions",)
        if options_entry is None:
            self.check_options(Mapping(root.mark), root.mark)
        elif isinstance(options_entry.value, Mapping):
            self.check_options(options_entry.value, options_entry.key_mark)
        else:
            self.prefix = ()
            self.emit(
                "AR120",
                Severity.ERROR,
                f"sessionReplayOptions must be an object, not {kind_name(options_entry.value)}",
                options_entry.value,
                ("sessionReplayOptions",),
            )

    def check_options(self, options: Mapping, anchor: Mark) -> None:
        skip = FILE_METADATA_KEYS if not self.prefix else frozenset()
        self.check_object(options, SESSION_REPLAY_OPTIONS, (), skip)
        rules.check_options_root(self, options, anchor)

    # -- the walk ----------------------------------------------------------------------------
    def check_object(
        self,
        mapping: Mapping,
        specs: dict[str, Option],
        path: tuple[PathPart, ...],
        skip: frozenset[str] = frozenset(),
    ) -> None:
        for key, entry in mapping.entries.items():
            if key in skip:
                continue
            spec = specs.get(key)
            if spec is None:
                self.unknown(entry, (*path, key), specs)
            else:
                self.check_option(spec, entry, (*path, key))

    def check_option(self, spec: Option, entry: Entry, path: tuple[PathPart, ...]) -> None:
        if spec.credential and isinstance(entry.value, Scalar) and entry.value.value is not None:
            self.secrets.add(str(entry.value.value))
        availability = spec.on(self.sdk_line)
        if availability.effect is not Effect.ACTIVE:
            self.emit(
                _EFFECT_CODES[availability.effect],
                Severity.WARNING,
                f"`{self.name(path)}`: {availability.reason}",
                entry.key_mark,
                path,
                hint=None
                if availability.effect is Effect.DEPRECATED
                else "remove it, or move it where it has effect",
            )
            if availability.effect is not Effect.DEPRECATED:
                return
        self.check_value(spec, entry.value, path)

    def check_value(self, spec: Option, node: Node, path: tuple[PathPart, ...]) -> None:
        if (
            isinstance(node, Scalar) and node.ambiguity and not spec.credential
        ):  # the note quotes the text
            self.emit("AR122", Severity.WARNING, node.ambiguity, node, path)
        before, after = rules.rules_for(path)
        if before is not None and before(self, node, path):
            return
        if not self.type_matches(spec, node, path):
            return
        if isinstance(node, Mapping) and spec.children:
            self.check_object(node, spec.children, path)
        elif isinstance(node, Sequence) and spec.items is not None:
            for index, item in enumerate(node.items):
                self.check_value(spec.items, item, (*path, index))
        if after is not None:
            after(self, node, path)

    def type_matches(self, spec: Option, node: Node, path: tuple[PathPart, ...]) -> bool:
        if "any" in spec.types or _has_type(node, spec.types):
            return True
        expected = " or ".join(_TYPE_WORDS[kind] for kind in spec.types)
        if isinstance(node, Scalar) and node.value is None:
            self.emit(
                "AR120",
                Severity.WARNING,
                f"`{self.name(path)}` is null: the SDK expects {expected}",
                node,
                path,
                hint="leave the key out to get the SDK's default",
            )
        else:
            # Severity follows effect: an error where the value stops recording or uploading,
            # a warning saying what happens where the SDK only loses this option's effect.
            shown = "" if spec.credential else f" {_show_scalar(node)}"
            self.emit(
                "AR120",
                Severity.ERROR if spec.misfit is None else Severity.WARNING,
                f"`{self.name(path)}` must be {expected}, not {kind_name(node)}{shown}"
                + ("" if spec.misfit is None else f": {spec.misfit}"),
                node,
                path,
            )
        return False

    def unknown(self, entry: Entry, path: tuple[PathPart, ...], specs: dict[str, Option]) -> None:
        key = entry.key
        if key.replace("_", "").replace("-", "").lower() in _SECRET_KEY_NAMES:
            if isinstance(entry.value, Scalar) and isinstance(entry.value.value, str):
                self.secrets.add(entry.value.value)
            self.emit(
                "AR190",
                Severity.ERROR,
                f"`{self.name(path)}` looks like an Amplitude secret key: "
                "it must never ship in browser configuration",
                entry.key_mark,
                path,
                hint="remove it and rotate the secret key in Amplitude's project settings",
            )
            return
        suggestion = suggest(key, path[:-1], specs)
        hint = f"did you mean `{suggestion}`?" if suggestion else None
        if key in REMOTE_CONFIG_KEYS and suggestion is None:
            hint = (
                "this is a key of the remote configuration (Amplitude's Session Replay settings), "
                "not a local option"
            )
        self.emit(
            "AR110",
            Severity.WARNING,
            f"unknown option `{self.name(path)}`: the SDK ignores it silently",
            entry.key_mark,
            path,
            hint=hint,
        )


_TYPE_WORDS = {
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "function": "a function",
}


def _has_type(node: Node, types: tuple[str, ...]) -> bool:
    if isinstance(node, Mapping):
        return "object" in types
    if isinstance(node, Sequence):
        return "array" in types
    value = node.value
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, (int, float)):
        return "number" in types
    if isinstance(value, str):
        return "string" in types
    return False


def _show_scalar(node: Node) -> str:
    if isinstance(node, Scalar) and node.value is not None:
        return show(node.value)
    return ""


def _normalise(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def suggest(key: str, parent: tuple[PathPart, ...], specs: dict[str, Option]) -> str | None:
    """The option the author most likely meant: here first, then anywhere in the options."""
    here = list(specs)
    wanted = _normalise(key)
    for name in here:
        if _normalise(name) == wanted:
            return format_path((*parent, name))
    close = difflib.get_close_matches(key, here, n=1, cutoff=0.7) or difflib.get_close_matches(
        wanted, [_normalise(name) for name in here], n=1, cutoff=0.7
    )
    if close:
        match = next(name for name in here if name == close[0] or _normalise(name) == close[0])
        return format_path((*parent, match))
    if len(wanted) >= 4:
        for name in here:
            if wanted in _normalise(name):
                return format_path((*parent, name))
    if specs is SEGMENT_CALL_OPTIONS:
        return None
    everywhere = all_option_paths()
    for name, paths in everywhere.items():
        if _normalise(name) == wanted or (len(wanted) >= 5 and wanted in _normalise(name)):
            return paths[0]
    close = difflib.get_close_matches(key, list(everywhere), n=1, cutoff=0.8)
    return everywhere[close[0]][0] if close else None
