"""Wall time and peak RSS of one command, measured by a fresh parent process so that nothing of
the benchmark script itself counts."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

_MEASURE = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], 'w'), stderr=subprocess.PIPE); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode); "
    "sys.stderr.write(done.stderr.decode(errors='replace')[-2000:])"
)


def measured(
    command: list[str], output: Path, exit_codes: tuple[int, ...] = (0,)
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of `command`, its stdout going to `output`."""
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(output), *command],
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    peak_kib, code = completed.stdout.split()
    if int(code) not in exit_codes:
        raise SystemExit(f"{command[0]} failed ({code}): {completed.stderr}")
    return elapsed, int(peak_kib) / 1024


def gnu_timed(command: list[str], cwd: Path | None = None) -> tuple[float, float, str, str]:
    """Wall seconds, peak RSS (MiB), stdout and stderr of `command`, timed by GNU time.

    /usr/bin/time is a small C parent: its child's maximum RSS is the command's own, where a
    big Python parent's high-water mark would be reported across exec.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        completed = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", report.name, *command],
            cwd=cwd,
            capture_output=True,
            text=True,
        )
        if completed.returncode:
            raise SystemExit(f"{command[0]} failed ({completed.returncode}): {completed.stderr}")
        seconds, peak_kib = report.read().split()[-2:]
    return float(seconds), int(peak_kib) / 1024, completed.stdout, completed.stderr
