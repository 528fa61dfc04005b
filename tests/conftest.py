import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amp_replay_cli.cli.app import app

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


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


class Run:
    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args, input=None, env=None, expect=None):
        result = self.runner.invoke(app, [str(arg) for arg in args], input=input, env=env, catch_exceptions=False)
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
