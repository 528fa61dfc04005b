"""Help that teaches: every command's --help ends with examples and reads whole at 80 columns."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer import rich_utils

from amp_replay_cli.cli.app import app

AMP_REPLAY = Path(sys.executable).parent / ("amp-replay.exe" if os.name == "nt" else "amp-replay")
COMMANDS = [
    ("validate",),
    ("simulate",),
    ("simulate", "explain"),
    ("upload",),
    ("check",),
    ("diagnose",),
    ("emulator",),
    ("schema",),
    ("demo",),
    ("rule",),
]
# Commands without the shared output options (-v, -q): emulator has its own -v switch.
REPORTING = {"validate", "simulate", "upload", "check", "diagnose", "rule"}


def _command(words):
    command = typer.main.get_command(app)
    for word in words:
        command = command.commands[word]
    return command


@pytest.fixture
def narrow(monkeypatch):
    monkeypatch.setattr(rich_utils, "MAX_WIDTH", 80)


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_help_ends_with_examples_and_cuts_nothing_at_80_columns(run, narrow, words):
    text = run(*words, "--help", expect=0).stdout
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    examples = text.split("Examples:")[1].split("Exit codes:")[0]
    shown = [line for line in examples.splitlines() if line.strip().startswith("amp-replay ")]
    assert 2 <= len(shown) <= 4, shown
    assert all(line.strip().startswith(f"amp-replay {' '.join(words)}") for line in shown)
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert "{" not in usage and "}" not in usage


@pytest.mark.parametrize("words", [w for w in COMMANDS if w[0] in REPORTING], ids=" ".join)
def test_verbose_and_quiet_read_as_counting_flags(run, narrow, words):
    text = run(*words, "--help", expect=0).stdout
    for flag in ("--verbose", "--quiet"):
        line = next(line for line in text.splitlines() if flag in line)
        assert "<int>" not in line and "[default: 0]" not in line
    assert "-vv" in text and "-qq" in text


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_help_paragraphs_are_not_wrapped_by_hand(words):
    """Rich keeps a single line break: a hand-wrapped paragraph breaks into short lines."""
    command = _command(words)
    for paragraph in (command.help or "").split("\n\n"):
        assert "\n" not in paragraph.strip(), paragraph
    for parameter in command.params:
        assert "\n" not in (getattr(parameter, "help", None) or "")


@pytest.mark.parametrize("command", ["upload", "check"])
def test_server_zone_completes_to_us_and_eu(command):
    environment = {
        **os.environ,
        "_AMP_REPLAY_COMPLETE": "complete_bash",
        "COMP_WORDS": f"amp-replay {command} --server-zone ",
        "COMP_CWORD": "3",
    }
    completed = subprocess.run(
        [str(AMP_REPLAY)], capture_output=True, text=True, env=environment, check=True
    )
    assert completed.stdout.split() == ["US", "EU"]


def test_server_zone_is_still_read_in_any_case(run, write):
    recording = write("r.json", '[{"type":4,"data":{},"timestamp":1},{"type":2,"timestamp":2}]')
    result = run("upload", recording, "--dry-run", "--server-zone", "eu", "-f", "json")
    assert re.search(r'"status": "(ok|findings)"', result.stdout), result.stdout
