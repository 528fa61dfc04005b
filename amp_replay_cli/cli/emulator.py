"""`amp-replay emulator`: a real local Amplitude on one base URL."""

import os
import signal
import sqlite3
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import typer

from amp_replay_cli.cli.shared import fail
from amp_replay_cli.core.errors import UsageError

# Each paragraph is one line, so that rich can reflow it to the terminal's width.
HELP = """Run a local Amplitude: replay ingestion (/sessions/v2/track), HTTP V2 and Batch \
ingestion, the Dashboard REST endpoints check uses, and the SDK's remote configuration, on one \
base URL.

Point amp-replay (AMPLITUDE_SERVER_URL) or the SDK (trackServerUrl, configServerUrl) at it. \
Data is kept in SQLite and survives restarts; --db :memory: forgets it. Ctrl-C stops it.
"""
EXAMPLES = (
    "amp-replay emulator",
    "amp-replay emulator --port 0 --db :memory:",
    "amp-replay emulator --fault-rate 0.2 --faults 429,503,reset",
)

HOST_VARIABLE = "AMP_REPLAY_EMULATOR_HOST"


def default_database() -> str:
    from amp_replay_cli.core.paths import cache_directory

    return str(cache_directory(os.environ) / "emulator.sqlite3")


def _shown(key: str, default: str) -> str:
    """Print the emulator's own keys; mask keys the user brought."""
    return key if key == default else f"****{key[-4:]}"


def stop_on_sigterm(signum: int, frame: FrameType | None) -> NoReturn:
    # docker stop, systemd and CI runners send SIGTERM: stop as Ctrl-C does, closing the store.
    raise KeyboardInterrupt


def emulator(
    host: Annotated[
        str | None,
        typer.Option(
            help=f"Address to bind: 127.0.0.1, or the loopback address in {HOST_VARIABLE}. "
            "Anything but loopback must be given here explicitly.",
            show_default=False,
            rich_help_panel="Server",
        ),
    ] = None,
    port: Annotated[
        int,
        typer.Option(min=0, max=65535, help="Port; 0 picks a free one.", rich_help_panel="Server"),
    ] = 8787,
    db: Annotated[
        str | None,
        typer.Option(
            help="SQLite file (default in the user cache dir), or :memory:.",
            rich_help_panel="Server",
        ),
    ] = None,
    api_key: Annotated[
        list[str] | None,
        typer.Option(
            help="Project API key (repeatable, paired with --secret-key in order).",
            rich_help_panel="Projects",
        ),
    ] = None,
    secret_key: Annotated[
        list[str] | None,
        typer.Option(help="Project secret key for the REST API.", rich_help_panel="Projects"),
    ] = None,
    sample_rate: Annotated[
        float,
        typer.Option(
            help="sample_rate served by the remote configuration.",
            rich_help_panel="Behaviour",
        ),
    ] = 1.0,
    capture: Annotated[
        bool,
        typer.Option(
            help="capture_enabled served by the remote configuration.",
            rich_help_panel="Behaviour",
        ),
    ] = True,
    throttle: Annotated[
        bool,
        typer.Option(
            help="Throttle like Amplitude: 30 events/s per device or user on /2/httpapi, "
            "1000 on /batch.",
            rich_help_panel="Behaviour",
        ),
    ] = True,
    fault_rate: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Share of requests that fail.", rich_help_panel="Faults"
        ),
    ] = 0.0,
    fault_seed: Annotated[
        int, typer.Option(help="Seed of the fault sequence.", rich_help_panel="Faults")
    ] = 0,
    faults: Annotated[
        str,
        typer.Option(
            metavar="KINDS",
            show_default=False,
            help="Fault kinds, comma-separated (e.g. 429,reset): 429, 500, 502, 503, 504, reset, "
            "slow and 413 (the default: all of these), and ack-lost (the request is applied, "
            "then the connection drops before the answer).",
            rich_help_panel="Faults",
        ),
    ] = "429,500,502,503,504,reset,slow,413",
    slow_seconds: Annotated[
        float,
        typer.Option(
            help="How long a 'slow' fault waits before its 504.", rich_help_panel="Faults"
        ),
    ] = 15.0,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Log every request to stderr.", rich_help_panel="Server"
        ),
    ] = False,
) -> None:
    from amp_replay_cli import emulator as emu

    try:
        chosen = host if host is not None else os.environ.get(HOST_VARIABLE, "127.0.0.1")
        if host is None and not emu.is_loopback(chosen):
            raise UsageError(
                f"{HOST_VARIABLE}={chosen} is not a loopback address: the emulator has no real "
                "security",
                hint=f"pass --host {chosen} to bind it anyway",
            )
        keys = list(api_key or [emu.DEFAULT_API_KEY])
        secrets = list(secret_key or ([emu.DEFAULT_SECRET_KEY] if not api_key else []))
        if len(keys) != len(secrets):
            raise UsageError(
                "give one --secret-key per --api-key",
                hint="--api-key K1 --secret-key S1 --api-key K2 ...",
            )
        try:
            plan = emu.FaultPlan(
                fault_rate,
                fault_seed,
                tuple(kind.strip() for kind in faults.split(",") if kind.strip()),
                slow_seconds,
            )
        except ValueError as error:
            raise UsageError(f"--faults: {error}") from None
        path = db or default_database()
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            app = emu.Emulator(
                emu.Store(path),
                [emu.Project(k, s) for k, s in zip(keys, secrets, strict=True)],
                plan,
                sample_rate,
                capture,
                {} if throttle else {"httpapi": 0, "batch": 0},
            )
        except (sqlite3.Error, OSError) as error:
            # A directory, a read-only or corrupt file, or not SQLite at all.
            raise UsageError(
                f"cannot use the database {path}: {error}",
                hint="choose another --db, or --db :memory: for a throw-away one",
            ) from None
        try:
            server = emu.make_server(app, chosen, port, quiet=not verbose)
        except OSError as error:
            raise UsageError(
                f"cannot listen on {chosen}:{port}: {error.strerror or error}",
                hint="pick another --port (0 chooses a free one)",
            ) from None
    except UsageError as error:
        raise fail("emulator", error) from None
    base = emu.base_url(server)
    lines = [
        f"amp-replay emulator listening on {base} (database {path})",
        f"  export AMPLITUDE_SERVER_URL={base}",
        *(f"  export AMPLITUDE_API_KEY={_shown(k, emu.DEFAULT_API_KEY)}" for k in keys[:1]),
        *(
            f"  export AMPLITUDE_SECRET_KEY={_shown(s, emu.DEFAULT_SECRET_KEY)}"
            for s in secrets[:1]
        ),
        f"  SDK: trackServerUrl {base}/sessions/v2/track, configServerUrl {base}/config",
        "Press Ctrl-C to stop.",
    ]
    typer.echo("\n".join(lines))
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.store.close()
    typer.echo("amp-replay emulator stopped", err=True)
