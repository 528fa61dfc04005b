"""The README, followed literally by a new user, in a fresh copy of the checkout.

Slow (it installs amp-replay twice into new virtualenvs and runs the whole suite again), so it
runs only with `--readme-literal`, which .ci/run passes once, after running the README's test
command itself: it then sets AMP_REPLAY_README_SUITE_RAN, and the suite is only collected here.
Its steps are the README's own text, not a copy of it: the two `sh` set-up commands, run by bash
in the copy, and the tour's `console` commands, run through the installed `amp-replay` entry
point as separate processes, each output compared as tests/test_docs.py compares it (the
emulator block against the installed `amp-replay emulator`).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import STARTING_ENVIRONMENT
from tests.test_docs import REPO, blocks, normalised, output_pattern, steps

README = REPO / "README.md"
DEMO_SECONDS = 20  # the promise on a 2-core machine
# Set by .ci/run, whose first step is the README's test command on the same checkout.
SUITE_RAN = "AMP_REPLAY_README_SUITE_RAN"


def checkout_copy(destination: Path) -> Path:
    """The files of the working tree git knows (tracked, or new and not ignored): a fresh clone
    with the changes not yet committed."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def user_environment() -> dict[str, str]:
    """A user's shell: their PATH and pip cache, no amp-replay or Amplitude settings, no venv."""
    environment = {
        name: value
        for name, value in STARTING_ENVIRONMENT.items()
        if not re.match(r"^(AMPLITUDE_|AMP_REPLAY_|GITHUB_|VIRTUAL_ENV$|PYTHONPATH$|COV_)", name)
    }
    return {**environment, "COLUMNS": "200", "TERMINAL_WIDTH": "3000"}


def shell(command: str, cwd: Path, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=environment, capture_output=True, text=True
    )


def files_in(folder: Path) -> set[Path]:
    return {
        path.relative_to(folder)
        for path in folder.rglob("*")
        if ".venv" not in path.parts and "__pycache__" not in path.parts
    }


def set_up(command: str, cwd: Path, environment: dict[str, str]) -> None:
    """Run a README set-up command part by part (`&&` as bash does); `amp-replay demo` must
    finish within DEMO_SECONDS, with exit 0, leaving no file behind."""
    for part in command.split(" && "):
        words = shlex.split(part)
        if words[0].endswith("/amp-replay") and words[1] == "demo":
            before = files_in(cwd)
            started = time.monotonic()
            completed = shell(part, cwd, environment)
            seconds = time.monotonic() - started
            assert completed.returncode == 0, (part, completed.stdout, completed.stderr)
            assert seconds <= DEMO_SECONDS, f"{part} took {seconds:.1f} s"
            assert files_in(cwd) == before, "the demo left files behind"
            continue
        completed = shell(part, cwd, environment)
        assert completed.returncode == 0, (part, completed.stdout[-3000:], completed.stderr[-3000:])


def start_emulator(executable: Path, cwd: Path, environment: dict[str, str]):
    """`amp-replay emulator` as a user starts it; returns the process and its export lines."""
    process = subprocess.Popen(
        [str(executable), "emulator", "--port", "0", "--db", ":memory:"],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    exports = {}
    assert process.stdout is not None
    for line in process.stdout:
        exported = re.match(r"\s*export (\w+)=(\S+)", line)
        if exported:
            exports[exported[1]] = exported[2]
        if line.startswith("Press Ctrl-C"):
            return process, exports
    raise AssertionError("the emulator did not start")


def tour(cwd: Path, environment: dict[str, str]) -> int:
    """Every console example of the README, through the installed entry point."""
    executable = cwd / ".venv" / "bin" / "amp-replay"
    ran = 0
    for block in blocks(README):
        if block.language != "console":
            continue
        block_environment = dict(environment)
        emulator = None
        if block.context == "emulator":
            emulator, exports = start_emulator(executable, cwd, environment)
            block_environment.update(exports)
        try:
            for step in steps(block):
                words = shlex.split(step.command, comments=True)
                completed = subprocess.run(
                    [str(executable), *words[1:]],
                    cwd=cwd,
                    env=block_environment,
                    capture_output=True,
                    text=True,
                )
                actual = normalised(completed.stdout + completed.stderr)
                assert completed.returncode in (0, 1), (step.command, actual)
                assert output_pattern(step.expected).fullmatch(actual), (step.command, actual)
                ran += 1
        finally:
            if emulator is not None:
                emulator.terminate()
                emulator.wait(timeout=10)
    return ran


@pytest.mark.readme_literal
def test_the_readme_followed_literally(tmp_path):
    copy = checkout_copy(tmp_path / "amp-replay")
    environment = user_environment()
    environment["PATH"] = os.pathsep.join(
        part for part in environment["PATH"].split(os.pathsep) if ".venv" not in part
    )
    install, test_command = [
        block.text for block in blocks(README) if block.language == "sh"
    ]  # the README has exactly two set-up commands (tests/test_docs.py checks which)

    set_up(install, copy, environment)
    assert tour(copy, environment) >= 5
    shutil.rmtree(copy / ".venv")  # the second command is for a fresh checkout too
    if STARTING_ENVIRONMENT.get(SUITE_RAN):
        # .ci/run ran this very command on the clean checkout just before: here the suite is
        # only collected, in the fresh virtualenv the command makes.
        test_command = test_command.replace(" -m pytest --cov", " -m pytest --collect-only -q")
        assert "--collect-only" in test_command, test_command
    set_up(test_command, copy, environment)
