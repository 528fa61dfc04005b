"""`simulate`: which sessions the SDK records at a sample rate, session by session and in total.

Rows stream a slice of SLICE sessions at a time, decided column by column in C-level loops:
only counters, one slice, and the ids already seen in a Segment log stay in memory (and a
sessions file small enough to be decoded whole, see read_integer_ids).
"""

from __future__ import annotations

import json
import math
import random
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import compress, count, repeat
from operator import add, and_, floordiv, lt, mod, not_, truediv
from typing import Annotated, Any, BinaryIO, NamedTuple

import msgspec
from xxhash import xxh32_intdigest

from amp_replay_cli.core.documents import load_documents
from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.nodes import Mapping, Scalar, to_plain
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.documents.streams import (
    first_character,
    iter_json_array,
    iter_lines,
    open_text,
)
from amp_replay_cli.core.errors import InputError, Location, UsageError
from amp_replay_cli.core.findings import (
    CappedFindings,
    ColumnStream,
    Finding,
    Report,
    Severity,
)
from amp_replay_cli.core.identity import segment
from amp_replay_cli.core.jsvalues import (
    SAFE_INTEGER_BOUND,
    js_string,
    js_to_number,
    js_truthy,
    json_ready,
    show,
)
from amp_replay_cli.core.options.catalog import SdkLine
from amp_replay_cli.core.options.checker import infer_sdk_line
from amp_replay_cli.core.sampling import (
    BUCKETS,
    Algorithm,
    bucket_of,
    effective_rate,
    hash_of,
    java_hash_code,
    min_rate,
    sample_limit,
    utf8,
)
from amp_replay_cli.core.statistics import binomial_interval
from amp_replay_cli.core.wording import format_percent

COLUMNS = ["session_id", "id_string", "hash", "bucket", "in_sample", "min_rate", "captured"]
HISTOGRAM_BINS = 10
MAX_FINDINGS_PER_KIND = 100
SLICE = 4096  # sessions decided and written at a time: C-level loops over a few MB
_UNSET = object()


# -- what decides recording -------------------------------------------------------------------
@dataclass(frozen=True)
class Sampling:
    sample_rate: (
        float  # what the SDK compares against (JavaScript's ToNumber of the configured value)
    )
    configured: Any  # the value as written
    rate_source: str
    capture_enabled: bool
    algorithm: Algorithm
    targeting: bool = False
    remote: str = "not given: sampling assumed to follow the local sampleRate"

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample_rate": _json_number(self.sample_rate),
            "configured": json_ready(self.configured),
            "rate_source": self.rate_source,
            "capture_enabled": self.capture_enabled,
            "algorithm": self.algorithm.value,
            "hash": self.algorithm.label,
            "remote_config": self.remote,
            "targeting": self.targeting,
        }


@dataclass
class LocalRate:
    value: Any
    source: str
    algorithm: Algorithm | None = None  # what the config file's shape implies


def rate_from_config(source: Source, stdin: BinaryIO | None = None) -> LocalRate:
    """An options file's sampleRate as the SDK reads it (`options.sampleRate || 0`).

    The file's shape also tells its SDK line, and so the hash.
    """
    document = load_documents(source, stdin=stdin)[0]
    root = document.root
    if not isinstance(root, Mapping):
        raise InputError(
            "not a mapping: expected sessionReplayOptions", location=Location(source.name)
        )
    sdk_line = infer_sdk_line(root)
    options = root.get("sessionReplayOptions") if sdk_line is SdkLine.SEGMENT_WRAPPER else root
    path = (
        "sessionReplayOptions.sampleRate" if sdk_line is SdkLine.SEGMENT_WRAPPER else "sampleRate"
    )
    node = options.get("sampleRate") if isinstance(options, Mapping) else None
    value = to_plain(node) if node is not None else None
    where = f"{source.name} ({path}" + (
        f", line {node.mark.line})" if isinstance(node, Scalar) else ")"
    )
    algorithm = Algorithm.LEGACY if sdk_line is SdkLine.SEGMENT_WRAPPER else Algorithm.MODERN
    return LocalRate(value if js_truthy(value) else 0, where, algorithm)


@dataclass(frozen=True)
class RemoteConfig:
    usable: bool
    capture_enabled: bool = True
    sample_rate: Any = _UNSET
    targeting: bool = False


def read_remote_config(source: Source, stdin: BinaryIO | None = None) -> RemoteConfig:
    """The parts of a remote configuration that gate capture (spec §2.3).

    Takes the whole `GET /config` response, its `configs.sessionReplay` object, or that object's
    keys.
    """
    document = to_plain(load_documents(source, stdin=stdin)[0].root)
    replay = None
    if isinstance(document, dict):
        configs = document.get("configs")
        if isinstance(configs, dict):
            replay = configs.get("sessionReplay")
        elif isinstance(document.get("sessionReplay"), dict):
            replay = document["sessionReplay"]
        elif any(key.startswith("sr_") for key in document):
            replay = document
    if not isinstance(replay, dict):
        return RemoteConfig(usable=False, capture_enabled=False)
    targeting = bool(replay.get("sr_targeting_config"))
    sampling = replay.get("sr_sampling_config")
    if not isinstance(sampling, dict) or not sampling:
        return RemoteConfig(usable=True, targeting=targeting)
    return RemoteConfig(
        usable=True,
        capture_enabled=js_truthy(sampling.get("capture_enabled")),
        sample_rate=sampling.get("sample_rate", _UNSET),
        targeting=targeting,
    )


def resolve_sampling(
    local: LocalRate | None,
    remote: RemoteConfig | None,
    algorithm: Algorithm | None,
    remote_name: str = "",
) -> tuple[Sampling, list[Finding]]:
    """Local sampleRate, then the remote configuration's precedence (remote sample_rate wins)."""
    findings: list[Finding] = []
    chosen = algorithm or (local.algorithm if local else None) or Algorithm.MODERN
    configured, source = (local.value, local.source) if local else (_UNSET, "")
    capture = True
    remote_text = Sampling.remote
    targeting = False
    if remote is not None:
        remote_text = f"{remote_name}: " + _describe_remote(remote)
        capture = remote.capture_enabled
        targeting = remote.targeting
        if remote.sample_rate is not _UNSET:
            if local is not None and js_to_number(local.value) != js_to_number(remote.sample_rate):
                findings.append(
                    _finding(
                        "AR202",
                        Severity.INFO,
                        f"the remote sample_rate {show(remote.sample_rate)} overrides the local "
                        f"sampleRate {show(local.value)}",
                        remote_name,
                    )
                )
            configured, source = (
                remote.sample_rate,
                f"{remote_name} (sr_sampling_config.sample_rate)",
            )
        if not capture:
            findings.append(
                _finding(
                    "AR201",
                    Severity.WARNING,
                    "the remote configuration disables capture: "
                    + _describe_remote(remote)
                    + ", so no session is recorded",
                    remote_name,
                    "turn capture on in Amplitude's Session Replay settings",
                )
            )
        if targeting:
            findings.append(
                _finding(
                    "AR203",
                    Severity.WARNING,
                    "the remote configuration has targeting "
                    "(sr_targeting_config): targeting, not the sample rate, decides which sessions "
                    "are recorded; the decisions shown are what sampling alone would do",
                    remote_name,
                )
            )
    if configured is _UNSET:
        raise UsageError(
            "no sample rate: give --sample-rate, --config, or a --remote-config with sample_rate"
        )
    rate = js_to_number(configured)
    if rate > 1:
        findings.append(
            _finding(
                "AR104",
                Severity.WARNING,
                f"the sample rate {show(configured)} is above 1 and behaves like 1: every "
                "session is recorded",
                source.split(" (")[0] or None,
                "write a number between 0 and 1",
            )
        )
    if capture and not rate > 0:
        findings.append(
            _finding(
                "AR204",
                Severity.WARNING,
                f"the sample rate {show(configured)} records no session",
                source.split(" (")[0] or None,
                "set sampleRate, e.g. 0.05",
            )
        )
    return Sampling(rate, configured, source, capture, chosen, targeting, remote_text), findings


def sampling_from(
    sample_rate: float | None,
    config: Source | None,
    algorithm: Algorithm | None = None,
    remote_config: Source | None = None,
    rate_name: str = "--sample-rate",
) -> tuple[Sampling, list[Finding]]:
    """The SDK's sampling from --sample-rate or --config, --sdk, then --remote-config.
    `rate_name` is how messages name the rate (a flag, or the configuration key it came from)."""
    if sample_rate is not None and config is not None:
        raise UsageError("give --sample-rate or --config, not both")
    local = None
    if config is not None:
        local = rate_from_config(config)
    elif sample_rate is not None:
        local = LocalRate(sample_rate, rate_name)
    remote = read_remote_config(remote_config) if remote_config is not None else None
    return resolve_sampling(
        local, remote, algorithm, remote_config.name if remote_config is not None else ""
    )


def _describe_remote(remote: RemoteConfig) -> str:
    if not remote.usable:
        return "no configs.sessionReplay object (the SDK then turns capture off)"
    parts = [f"capture_enabled {'true' if remote.capture_enabled else 'false or missing'}"]
    if remote.sample_rate is not _UNSET:
        parts.append(f"sample_rate {show(remote.sample_rate)}")
    return (
        ", ".join(parts)
        if remote.sample_rate is not _UNSET or not remote.capture_enabled
        else "no sampling override (local sampleRate applies)"
    )


def _finding(
    code: str,
    severity: Severity,
    message: str,
    file: str | None,
    hint: str | None = None,
    line: int | None = None,
) -> Finding:
    return Finding(
        code=code, severity=severity, message=message, file=file or None, line=line, hint=hint
    )


# -- where the session ids come from ----------------------------------------------------------
@dataclass(frozen=True)
class Generation:
    count: int
    start_ms: int
    end_ms: int
    seed: int


@dataclass(frozen=True)
class SessionSources:
    session_ids: tuple[Any, ...] = ()
    sessions_file: Source | None = None
    segment: Source | None = None
    generate: Generation | None = None
    line_limit: ItemLimit = LOG_LINE  # the longest line or JSON item of --sessions-file, --segment

    def empty(self) -> bool:
        return not (self.session_ids or self.sessions_file or self.segment or self.generate)


def parse_session_id_argument(text: str) -> Any:
    """A command-line id: a JSON number or a JSON string is taken as such, anything else as text."""
    try:
        value = json.loads(text, parse_constant=lambda name: text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, (int, float, str)) and not isinstance(value, bool) else text


class IdBatch(NamedTuple):
    """Consecutive session ids of one source, with the lines they were read from when known."""

    file: str | None
    values: list[Any]
    lines: list[int | None] | None = None
    checked: bool = False  # every id is an integer 1 to 2**53 - 1 (read_integer_ids)


def id_batches(
    sources: SessionSources, problems: CappedFindings, stdin: BinaryIO | None = None
) -> Iterator[IdBatch]:
    """The session ids of every source, in order, up to SLICE at a time."""
    if sources.session_ids:
        given = ((None, value) for value in sources.session_ids)
        yield from _batched("--session-id", _usable("--session-id", given, problems))
    if sources.sessions_file is not None:
        ids = read_integer_ids(sources.sessions_file)
        if ids is not None:
            name = sources.sessions_file.name
            for start in range(0, len(ids), SLICE):
                yield IdBatch(name, ids[start : start + SLICE], checked=True)
        else:
            name = sources.sessions_file.name
            items = _from_sessions_file(sources.sessions_file, problems, stdin, sources.line_limit)
            yield from _batched(name, _usable(name, items, problems))
    if sources.segment is not None:
        name = sources.segment.name
        items = _from_segment(sources.segment, problems, stdin, sources.line_limit)
        yield from _batched(name, _usable(name, items, problems))
    if sources.generate is not None:
        yield from _generated(sources.generate)


# A sessions file up to this size is read whole and decoded in C: 32 MiB holds 2.2 million
# millisecond ids, about 90 MB of Python integers. Larger files (after one read of this many
# bytes, dropped) and anything that is not a regular file (stdin, a pipe, a device) are
# streamed, in flat memory.
WHOLE_FILE_LIMIT = 32 * 2**20
_INTEGER_IDS = msgspec.json.Decoder(
    list[Annotated[int, msgspec.Meta(ge=1, le=SAFE_INTEGER_BOUND - 1)]]
)


def read_integer_ids(source: Source) -> list[int] | None:
    """The ids of a sessions file that is a JSON array of integers 1 to 2**53 - 1, decoded at C
    speed; None for anything else, which the streaming reader then reads exactly.

    For such integers `str(id)` is JavaScript's `String(id)`, and none of them raises a finding,
    so the fast decode gives what the streaming reader would. Only regular files of at most
    WHOLE_FILE_LIMIT bytes are read whole; an error opening the file is left to the streaming
    reader, which words it.
    """
    if source.path is None:
        return None
    try:
        # Looked at before it is opened: opening a FIFO waits for a writer, and closing it
        # unread would break the pipe that the streaming reader then opens.
        if not stat.S_ISREG(source.path.stat().st_mode):
            return None
        with source.path.open("rb") as stream:
            data = stream.read(WHOLE_FILE_LIMIT + 1)  # one byte more tells a bigger file
    except OSError:
        return None
    if len(data) > WHOLE_FILE_LIMIT:
        return None
    try:
        return _INTEGER_IDS.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _usable(
    file: str, items: Iterator[tuple[int | None, Any]], problems: CappedFindings
) -> Iterator[tuple[int | None, Any]]:
    """(line, id) pairs without the ids no session can carry: integers beyond a double's range
    (AR206, each a finding)."""
    for line, value in items:
        problem = _beyond_double(value, file, line)
        if problem is None:
            yield line, value
        else:
            problems.add(problem)


def _batched(file: str, items: Iterator[tuple[int | None, Any]]) -> Iterator[IdBatch]:
    """(line, id) pairs as batches of up to SLICE; what was read before an error is kept."""
    lines: list[int | None] = []
    values: list[Any] = []
    try:
        for line, value in items:
            lines.append(line)
            values.append(value)
            if len(values) == SLICE:
                yield IdBatch(file, values, lines)
                lines, values = [], []
    except InputError:
        if values:
            yield IdBatch(file, values, lines)
        raise
    if values:
        yield IdBatch(file, values, lines)


def _generated(generation: Generation) -> Iterator[IdBatch]:
    """Random millisecond ids, SLICE at a time: --generate streams whatever its count."""
    rng = random.Random(generation.seed)
    low, span = generation.start_ms, max(1, generation.end_ms - generation.start_ms)
    for start in range(0, generation.count, SLICE):
        size = min(SLICE, generation.count - start)
        yield IdBatch(None, list(map(add, map(rng.randrange, repeat(span, size)), repeat(low))))


def _not_a_session_id(value: Any, what: str, file: str, line: int) -> Finding | None:
    """AR206 for an id that is a JSON array or object: the SDK would hash "1,2" or
    "[object Object]", which no real session carries."""
    if not isinstance(value, (list, dict)):
        return None
    kind = "array" if isinstance(value, list) else "object"
    return _finding(
        "AR206",
        Severity.WARNING,
        f"{what} is a JSON {kind}, not a session id; skipped",
        file,
        line=line,
    )


def _from_sessions_file(
    source: Source, problems: CappedFindings, stdin: BinaryIO | None, limit: ItemLimit
) -> Iterator[tuple[int, Any]]:
    with open_text(source, stdin, limit) as stream:
        first, stream = first_character(stream, source.name, limit)
        if first == "[":
            for line, value in iter_json_array(stream, source.name, limit=limit):
                problem = _not_a_session_id(value, "the item", source.name, line)
                if problem is not None:
                    problems.add(problem)
                    continue
                yield line, value
        else:
            for line, text in iter_lines(stream, source.name, limit):
                if text.strip():
                    yield line, text  # each line is the id string as the SDK would hash it


def _from_segment(
    source: Source, problems: CappedFindings, stdin: BinaryIO | None, limit: ItemLimit
) -> Iterator[tuple[int, Any]]:
    seen: set[tuple[type, Any]] = set()
    without_session = 0

    def on_problem(line: int, message: str) -> None:
        problems.add(_finding("AR206", Severity.WARNING, message, source.name, line=line))

    for line, event in segment.read_events(source, on_problem, stdin, limit):
        session_id = segment.session_id_of(event)
        if not js_truthy(session_id):
            without_session += 1  # the wrapper calls setSessionId only for a truthy session_id
            continue
        problem = _not_a_session_id(
            session_id, 'integrations["Actions Amplitude"].session_id', source.name, line
        )
        if problem is not None:
            problems.add(problem)
            continue
        key = (type(session_id), session_id)
        if key not in seen:
            seen.add(key)
            yield line, session_id
    if without_session:
        problems.add(
            _finding(
                "AR207",
                Severity.INFO,
                f"{without_session} events carry no "
                'integrations["Actions Amplitude"].session_id; the Segment wrapper records nothing '
                "for them",
                source.name,
                "enable the Browser Session Tracking mapping "
                "of the Amplitude (Actions) destination",
            )
        )


# -- deciding ---------------------------------------------------------------------------------
class Decided(NamedTuple):
    """The SDK's decision for each id of a slice, column by column."""

    values: list[Any]
    strings: list[str] | None  # String(id) of each id; None: made on request, see id_strings
    hashes: list[int]
    buckets: list[int]
    in_sample: list[bool]
    safe_integers: bool  # every id is a safe integer: JSON writes it as its id string

    def id_strings(self) -> list[str]:
        if self.strings is not None:
            return self.strings
        return _decimal_texts(self.values).decode().split(",")


def decide(values: list[Any], limit: int, algorithm: Algorithm, checked: bool = False) -> Decided:
    """String(id), hash, bucket and in-sample (`bucket < limit`, see sample_limit) of each id:
    the hot loop of simulate.

    Loops are map() over C functions, no Python frame per id. Safe integers (millisecond
    timestamps, the usual session id) print as their decimal digits, which are ASCII: the
    modern hash reads them as msgspec writes them, and their strings are made only for rows.
    `checked`: the ids are known to be safe integers.
    """
    safe = checked or _safe_integers(values)
    if safe and algorithm is Algorithm.MODERN:
        strings = None
        hashes = list(map(xxh32_intdigest, _decimal_texts(values).split(b",")))
    else:
        strings = list(map(str if safe else js_string, values))
        hashes = (
            list(map(xxh32_intdigest, map(utf8, strings)))
            if algorithm is Algorithm.MODERN
            else list(map(java_hash_code, strings))
        )
    buckets = (
        list(map(mod, hashes, repeat(BUCKETS)))
        if algorithm is Algorithm.MODERN
        else list(map(bucket_of, hashes, repeat(algorithm)))
    )
    in_sample = list(map(lt, buckets, repeat(limit)))
    return Decided(values, strings, hashes, buckets, in_sample, safe)


def _decimal_texts(integers: list[int]) -> bytes:
    """The integers' decimal digits, comma-separated, written in C."""
    return msgspec.json.encode(integers)[1:-1]


def _safe_integers(values: list[Any]) -> bool:
    return (
        bool(values)
        and set(map(type, values)) == {int}
        and min(values) > -SAFE_INTEGER_BOUND
        and max(values) < SAFE_INTEGER_BOUND
    )


@dataclass(frozen=True)
class SessionSlice:
    """Consecutive sessions with their decisions; the rows' columns are built only on request."""

    decided: Decided
    captured: list[bool]

    def __len__(self) -> int:
        return len(self.captured)

    def columns(self) -> list[list[Any]]:
        """The COLUMNS of the rows (see _session_row), column by column."""
        decided = self.decided
        id_strings = decided.id_strings()
        session_ids = (
            decided.values
            if decided.safe_integers
            else list(map(_shown_id, decided.values, id_strings))
        )
        min_rates = list(map(truediv, map(add, decided.buckets, repeat(1)), repeat(BUCKETS)))
        return [
            session_ids,
            id_strings,
            decided.hashes,
            decided.buckets,
            decided.in_sample,
            min_rates,  # min_rate() of each bucket
            self.captured,
        ]


@dataclass
class _Totals:
    sessions: int = 0
    recordable: int = 0
    in_sample: int = 0
    captured: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_BINS)

    def add(self, decided: Decided, recordable: int, captured: list[bool]) -> None:
        self.sessions += len(captured)
        self.recordable += recordable
        self.in_sample += decided.in_sample.count(True)
        self.captured += captured.count(True)
        # bucket * HISTOGRAM_BINS // BUCKETS, as one byte per session, counted in C
        bins = bytes(map(floordiv, decided.buckets, repeat(BUCKETS // HISTOGRAM_BINS)))
        for index in range(HISTOGRAM_BINS):
            self.histogram[index] += bins.count(index)


def simulate(
    sources: SessionSources,
    sampling: Sampling,
    findings: list[Finding],
    stdin: BinaryIO | None = None,
) -> Report:
    if sources.empty():
        raise UsageError(
            "no session ids: give --session-id, --sessions-file, --segment or --generate"
        )
    report = Report(command="simulate", findings=list(findings))
    problems = CappedFindings(report.findings, MAX_FINDINGS_PER_KIND)
    totals = _Totals()
    limit = sample_limit(sampling.sample_rate)

    def slices() -> Iterator[SessionSlice]:
        try:
            for batch in id_batches(sources, problems, stdin):
                decided = decide(batch.values, limit, sampling.algorithm, batch.checked)
                recordable = _recordable(batch, decided, problems)
                if not sampling.capture_enabled:
                    captured = [False] * len(batch.values)
                elif recordable is None:
                    captured = decided.in_sample
                else:
                    captured = list(map(and_, recordable, decided.in_sample))
                count = len(batch.values) if recordable is None else recordable.count(True)
                totals.add(decided, count, captured)
                yield SessionSlice(decided, captured)
        except InputError as error:
            report.problems.append(error)

    def finish() -> None:
        problems.close()
        report.summary = summary(totals, sampling)
        report.headline = headline(report.summary)

    report.result = {
        "sampling": sampling.to_dict(),
        "columns": COLUMNS,
        "sessions": ColumnStream(COLUMNS, slices(), finish),
    }
    return report


def _beyond_double(value: Any, file: str | None, line: int | None) -> Finding | None:
    """AR206 for an integer id beyond the range of a double: JavaScript's Number() holds
    Infinity, which is no session's id."""
    if type(value) is not int or not js_string(value).endswith("Infinity"):
        return None
    return _finding(
        "AR206",
        Severity.WARNING,
        f"session id {str(value)[:12]}… ({len(str(value))} digits) is beyond the range of a "
        f"double: JavaScript's Number() reads it as {js_string(value)}; skipped",
        file,
        line=line,
    )


def _recordable(batch: IdBatch, decided: Decided, problems: CappedFindings) -> list[bool] | None:
    """Which ids the SDK records at all (a falsy one never); None when every one is.

    Each falsy id is a finding.
    """
    if batch.checked or (decided.safe_integers and 0 not in batch.values):
        return None
    recordable = list(map(js_truthy, batch.values))
    for index in compress(count(), map(not_, recordable)):
        value = batch.values[index]
        shown = show(value) if _json_safe(value) else js_string(value)
        problems.add(
            _finding(
                "AR205",
                Severity.WARNING,
                f"session id {shown} is falsy: the SDK records nothing without a session id",
                batch.file,
                line=batch.lines[index] if batch.lines else None,
            )
        )
    return recordable


def summary(totals: _Totals, sampling: Sampling) -> dict[str, Any]:
    expected_rate = effective_rate(sampling.sample_rate) if sampling.capture_enabled else 0.0
    low, high = binomial_interval(totals.recordable, expected_rate)
    return {
        "sessions": totals.sessions,
        "recordable": totals.recordable,
        "in_sample": totals.in_sample,
        "captured": totals.captured,
        "observed_rate": totals.captured / totals.sessions if totals.sessions else None,
        "expected_rate": expected_rate,
        "expected_captured": totals.recordable * expected_rate,
        "interval_95": [low, high],
        "histogram": totals.histogram,
    }


def headline(totals: dict[str, Any]) -> str:
    observed = (
        f" ({format_percent(totals['observed_rate'])})"
        if totals["observed_rate"] is not None
        else ""
    )
    low, high = totals["interval_95"]
    return (
        f"{totals['captured']:,} of {totals['sessions']:,} sessions recorded{observed}; expected "
        f"{totals['expected_captured']:,.1f} ({format_percent(totals['expected_rate'])}), "
        f"95 % range {low:,}-{high:,}"
    )


def _session_row(
    value: Any, id_string: str, hashed: int, bucket: int, sampled: bool, captured: bool
) -> dict:
    """One session's decision, as rows and `simulate explain` show it."""
    return {
        "session_id": _shown_id(value, id_string),
        "id_string": id_string,
        "hash": hashed,
        "bucket": bucket,
        "in_sample": sampled,
        "min_rate": min_rate(bucket),
        "captured": captured,
    }


def _shown_id(value: Any, id_string: str) -> Any:
    """The session_id column: the id as read, or its string where JSON has no such number."""
    return value if _json_safe(value) else id_string


def _json_safe(value: Any) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value))


def _json_number(value: float) -> float | str:
    return value if math.isfinite(value) else js_string(value)


# -- one session's story ----------------------------------------------------------------------
def explain(value: Any, sampling: Sampling) -> Report:
    id_string = js_string(value)
    steps: list[str] = []
    if isinstance(value, str):
        steps.append(
            f"The session id is the string {json.dumps(value, ensure_ascii=False)}: "
            "the SDK hashes it as it is."
        )
    elif _beyond_double(value, None, None) is not None:
        steps.append(
            f"The session id has {len(str(value))} digits, beyond the range of a double: "
            f"JavaScript's Number() reads it as {id_string}, and the SDK hashes String(sessionId) "
            f"= {json.dumps(id_string)}."
        )
    else:
        steps.append(
            f"The session id is the number {id_string}: the SDK hashes String(sessionId) = "
            f"{json.dumps(id_string)}."
        )
    decided = {
        algorithm: _decide(id_string, sampling.sample_rate, algorithm) for algorithm in Algorithm
    }
    hashed, bucket, sampled = decided[sampling.algorithm]
    if sampling.algorithm is Algorithm.MODERN:
        size = len(id_string.encode("utf-8", "surrogatepass"))
        steps.append(f"xxHash32 (seed 0) of its {size} UTF-8 bytes is {hashed}.")
        steps.append(f"Its bucket is {hashed} mod 1000000 = {bucket}, i.e. {bucket / BUCKETS!r}.")
    else:
        units = len(id_string.encode("utf-16-le", "surrogatepass")) // 2
        steps.append(f"Java's String.hashCode of its {units} UTF-16 code units is {hashed}.")
        steps.append(
            f"Its bucket is (|{hashed}| \N{MULTIPLICATION SIGN} 31) mod 1000000 = {bucket}, "
            f"i.e. {bucket / BUCKETS!r}."
        )
    comparison = "<" if sampled else "is not <"
    steps.append(
        f"At sample rate {show(sampling.configured)} ({sampling.rate_source or 'given'}): "
        f"{bucket / BUCKETS!r} {comparison} {_json_number(sampling.sample_rate)!r}, so it is "
        f"{'in' if sampled else 'not in'} the sample."
    )
    steps.append(f"Any sampleRate of {show(min_rate(bucket))} or more would record it.")
    recordable = js_truthy(value)
    if not recordable:
        steps.append("But a falsy session id is never recorded, whatever the sample.")
    if not sampling.capture_enabled:
        steps.append("But the remote configuration turns capture off, so nothing is recorded.")
    captured = recordable and sampling.capture_enabled and sampled
    steps.append(f"Recorded: {'yes' if captured else 'no'}.")
    other = Algorithm.LEGACY if sampling.algorithm is Algorithm.MODERN else Algorithm.MODERN
    other_hash, other_bucket, other_sampled = decided[other]
    steps.append(
        f"With the {other.value} hash ({other.label}) its bucket would be {other_bucket}: "
        f"{'in' if other_sampled else 'not in'} the sample."
    )
    report = Report(command="simulate explain")
    report.result = {
        "sampling": sampling.to_dict(),
        "session": _session_row(value, id_string, hashed, bucket, sampled, captured),
        "other_algorithm": {
            "algorithm": other.value,
            "hash": other_hash,
            "bucket": other_bucket,
            "in_sample": other_sampled,
        },
        "steps": steps,
    }
    report.summary = {"captured": captured}
    report.headline = f"session {id_string}: {'recorded' if captured else 'not recorded'}"
    return report


def _decide(id_string: str, sample_rate: float, algorithm: Algorithm) -> tuple[int, int, bool]:
    hashed = hash_of(id_string, algorithm)
    bucket = bucket_of(hashed, algorithm)
    return hashed, bucket, bucket / BUCKETS < sample_rate
