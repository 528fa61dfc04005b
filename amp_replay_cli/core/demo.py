"""`demo`: the whole product offline, in one run.

A local Amplitude (the emulator, in this process, on a free loopback port, with an in-memory
database) and the example files bundled in `amp_replay_cli/demo/`, copied to a temporary
directory; then every command in the order of an investigation, through the same core functions
the commands call. The recording's timestamps are moved to now, so `check`'s window (the last 7
days) finds it on any date. Nothing is read from the environment and nothing is written outside
the temporary directory: not the journal, not the database.
"""

from __future__ import annotations

import gzip
import json
import shlex
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from amp_replay_cli.core import simulate
from amp_replay_cli.core.amplitude import Endpoints
from amp_replay_cli.core.check import CheckSettings, check
from amp_replay_cli.core.diagnose import DiagnoseSettings, diagnose
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.errors import ExitCode
from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.replay.uploads import Progress
from amp_replay_cli.core.upload import UploadSettings, upload
from amp_replay_cli.core.validate import ValidateSettings, validate

# The bundled examples, in amp_replay_cli/demo/.
OPTIONS_FILE = "options.yaml"
RECORDING_FILE = "recording.json"
SEGMENT_FILE = "segment-events.ndjson"
_BUNDLED_RECORDING = "recording.json.gz"

# The ids the demo's replay is uploaded under; the user id is long enough for Amplitude (5+).
DEVICE_ID = "c2d9f1e0-7a4b-4c8e-b1d3-0f6e5a4b3c2d"
USER_ID = "demo-user-42"
LINK_EVENT = "Pricing Viewed"
GENERATED_SESSIONS = 10


@dataclass(frozen=True)
class Run:
    """One command of a step: what a user would type, its report, and the exit code it should
    end with (validate and diagnose find what the examples were written to show: exit 1)."""

    command: str
    report: Report
    expected_exit: int = ExitCode.OK

    @property
    def as_expected(self) -> bool:
        return self.report.exit_code == self.expected_exit


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    title: str
    runs: tuple[Run, ...]


STEP_COUNT = 5


@dataclass(frozen=True)
class Workspace:
    """The temporary directory with the examples, and the emulator the commands talk to."""

    directory: Path
    base_url: str
    api_key: str
    secret_key: str
    now_ms: int

    def path(self, name: str) -> str:
        return str(self.directory / name)

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints.resolve("US", self.base_url)

    def exports(self) -> list[str]:
        """The shell lines that point every command at this emulator."""
        return [
            f"export AMPLITUDE_SERVER_URL={self.base_url}",
            f"export AMPLITUDE_API_KEY={self.api_key}",
            f"export AMPLITUDE_SECRET_KEY={self.secret_key}",
        ]


@contextmanager
def workspace(clock: Callable[[], float] = time.time) -> Iterator[Workspace]:
    """Start the emulator and lay out the examples; stop and remove both on exit."""
    from amp_replay_cli import emulator

    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="amp-replay-")))
        now_ms = int(clock() * 1000)
        _lay_out(directory, now_ms)
        store = emulator.Store(":memory:")
        stack.callback(store.close)
        project = emulator.Project(emulator.DEFAULT_API_KEY, emulator.DEFAULT_SECRET_KEY)
        app = emulator.Emulator(store, [project], emulator.FaultPlan())
        running = emulator.start_in_background(app)
        stack.callback(running.stop)
        yield Workspace(
            directory,
            running.base_url,
            emulator.DEFAULT_API_KEY,
            emulator.DEFAULT_SECRET_KEY,
            now_ms,
        )


def _lay_out(directory: Path, now_ms: int) -> None:
    bundled = resources.files("amp_replay_cli") / "demo"
    for name in (OPTIONS_FILE, SEGMENT_FILE):
        (directory / name).write_bytes((bundled / name).read_bytes())
    events = json.loads(gzip.decompress((bundled / _BUNDLED_RECORDING).read_bytes()))
    (directory / RECORDING_FILE).write_text(
        json.dumps({"device_id": DEVICE_ID, "events": moved_to(events, now_ms)}),
        encoding="utf-8",
    )


def moved_to(events: list[dict], now_ms: int) -> list[dict]:
    """The recording as if it had started at now_ms: every event keeps its offset from the
    first, so the replay plays the same."""
    shift = now_ms - min(event["timestamp"] for event in events)
    return [{**event, "timestamp": event["timestamp"] + shift} for event in events]


# A progress display for the upload, shown only while it runs (the steps around it print).
ProgressDisplay = Callable[[], AbstractContextManager[Progress | None]]


def steps(space: Workspace, progress: ProgressDisplay = nullcontext) -> Iterator[Step]:
    """The five steps, each run when asked for, so a caller can show one before the next."""
    yield _validate(space)
    yield _simulate(space)
    yield _upload(space, progress)
    yield _check(space)
    yield _diagnose(space)


def command(*words: str) -> str:
    return shlex.join(["amp-replay", *words])


def _validate(space: Workspace) -> Step:
    options = space.path(OPTIONS_FILE)
    report = validate([options], ValidateSettings())
    return Step(
        1,
        "validate",
        "an options file with two classic mistakes",
        (Run(command("validate", options), report, ExitCode.FINDINGS),),
    )


def _simulate(space: Workspace) -> Step:
    options = space.path(OPTIONS_FILE)
    sampling, findings = simulate.sampling_from(None, Source(options, Path(options)))
    generation = simulate.Generation(
        GENERATED_SESSIONS, space.now_ms - 30 * 24 * 3600 * 1000, space.now_ms, seed=1
    )
    table = simulate.simulate(simulate.SessionSources(generate=generation), sampling, findings)
    session = str(space.now_ms)  # the session the next step uploads
    story = simulate.explain(simulate.parse_session_id_argument(session), sampling)
    story.findings[:0] = findings
    return Step(
        2,
        "simulate",
        "what that sampleRate records, and why for one session",
        (
            Run(
                command("simulate", "--config", options, "--generate", str(GENERATED_SESSIONS)),
                table,
            ),
            Run(command("simulate", "explain", session, "--config", options), story),
        ),
    )


def _upload(space: Workspace, progress: ProgressDisplay) -> Step:
    recording = space.path(RECORDING_FILE)
    settings = UploadSettings(
        api_key=space.api_key,
        endpoints=space.endpoints,
        journal_path=space.directory / "upload-journal.jsonl",
        link_event=LINK_EVENT,
        user_id=USER_ID,
    )
    with progress() as display:
        report = upload([recording], settings, progress=display)
    words = ("upload", recording, "--link-event", LINK_EVENT, "--user-id", USER_ID)
    return Step(
        3,
        "upload",
        "a real rrweb recording, moved to now, with a linking event",
        (Run(command(*words), report),),
    )


def _check(space: Workspace) -> Step:
    settings = CheckSettings(
        api_key=space.api_key,
        secret_key=space.secret_key,
        endpoints=space.endpoints,
        user_id=USER_ID,
    )
    return Step(
        4,
        "check",
        "is the replay in Amplitude, and linked to the user's events?",
        (Run(command("check", "--user-id", USER_ID), check(settings)),),
    )


def _diagnose(space: Workspace) -> Step:
    events = space.path(SEGMENT_FILE)
    report = diagnose([events], DiagnoseSettings())
    return Step(
        5,
        "diagnose",
        "the wrapper records under the userId as device id",
        (Run(command("diagnose", events), report, ExitCode.FINDINGS),),
    )
