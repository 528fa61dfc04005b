import datetime as dt
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amp_replay_cli.cli.app import app

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
# The environment pytest started in, before clean_environment: a test that follows the README as
# a user would (tests/test_readme_literal.py) gives its processes the user's pip cache and PATH.
STARTING_ENVIRONMENT = dict(os.environ)


def pytest_addoption(parser):
    parser.addoption(
        "--readme-literal",
        action="store_true",
        help="also run the slow test that follows the README in a fresh virtualenv (.ci/run)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "readme_literal: slow; runs only with --readme-literal (once, in .ci/run)"
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--readme-literal"):
        return
    skip = pytest.mark.skip(reason="slow: run with --readme-literal (.ci/run does)")
    for item in items:
        if "readme_literal" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No test sees the developer's or CI's settings, credentials or home directory."""
    for name in list(os.environ):
        if re.match(r"^(AMPLITUDE_|AMP_REPLAY_|GITHUB_|NO_COLOR$|FORCE_COLOR$|CI$)", name):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TERMINAL_WIDTH", "3000")
    monkeypatch.setenv("_TYPER_FORCE_DISABLE_TERMINAL", "1")


# The recordings in tests/data were made in November 2026.
RECORDINGS_MADE = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def recordings_stay_recent(monkeypatch):
    """`upload` warns about recordings older than Amplitude keeps replays: the suite uploads as
    of when its recordings were made, so that they never age into that warning (the tests of the
    warning set the time themselves)."""
    monkeypatch.setattr("amp_replay_cli.core.upload._now", lambda: RECORDINGS_MADE)


class Run:
    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args, input=None, env=None, expect=None):
        result = self.runner.invoke(
            app, [str(arg) for arg in args], input=input, env=env, catch_exceptions=False
        )
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr)
        return result


@pytest.fixture
def run():
    return Run()


@pytest.fixture
def write(tmp_path):
    """Write a file under tmp_path and return its path."""

    def _write(name: str, content, encoding="utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding)
        return path

    return _write


class EmulatorHandle:
    """A running emulator on 127.0.0.1 with an httpx client; `app` is the WSGI application."""

    def __init__(self, app, running):
        from amp_replay_cli.emulator import DEFAULT_API_KEY, DEFAULT_SECRET_KEY

        self.app = app
        self.running = running
        self.base_url = running.base_url
        self.api_key = DEFAULT_API_KEY
        self.secret_key = DEFAULT_SECRET_KEY
        import httpx

        self.client = httpx.Client(base_url=self.base_url, timeout=10)

    @property
    def auth(self):
        return (self.api_key, self.secret_key)

    def close(self):
        self.client.close()
        self.running.stop()
        self.app.store.close()


def start_emulator(**options):
    from amp_replay_cli.emulator import (
        DEFAULT_API_KEY,
        DEFAULT_SECRET_KEY,
        Emulator,
        FaultPlan,
        Project,
        Store,
        start_in_background,
    )

    faults = options.pop("faults", FaultPlan())
    database = options.pop("db", ":memory:")
    projects = options.pop("projects", [Project(DEFAULT_API_KEY, DEFAULT_SECRET_KEY)])
    app = Emulator(Store(database), projects, faults, **options)
    return EmulatorHandle(app, start_in_background(app))


@pytest.fixture
def emulator():
    """The project's own Amplitude emulator, on 127.0.0.1 with a fresh in-memory store."""
    handle = start_emulator()
    yield handle
    handle.close()
