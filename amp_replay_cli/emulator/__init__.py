"""A local Amplitude for offline runs and tests: one WSGI app, a SQLite store, fault injection."""

from amp_replay_cli.core.amplitude import is_loopback
from amp_replay_cli.emulator.app import Emulator, Project
from amp_replay_cli.emulator.faults import FaultPlan
from amp_replay_cli.emulator.server import (
    RunningEmulator,
    base_url,
    make_server,
    start_in_background,
)
from amp_replay_cli.emulator.store import Store

DEFAULT_API_KEY = "emulator0api0key00000000000000000"
DEFAULT_SECRET_KEY = "emulator0secret0key0000000000000"

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_SECRET_KEY",
    "Emulator",
    "FaultPlan",
    "Project",
    "RunningEmulator",
    "Store",
    "base_url",
    "is_loopback",
    "make_server",
    "start_in_background",
]
