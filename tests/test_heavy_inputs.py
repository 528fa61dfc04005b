"""The heavy hostile inputs of issue 17, run for real: each command in its own process under a
3 GiB address-space cap must refuse them with exit 2 in seconds, holding at most 600 MB, and
without a traceback. The inputs are made in tmp, in milliseconds: the gzip bomb is a chain of
gzip members (1 GiB inflated from 1 MB), the endless line a file of 256 MiB."""

import gzip
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

resource = pytest.importorskip("resource", reason="no setrlimit on this platform")
if not hasattr(resource, "RLIMIT_AS") or not Path("/dev/zero").exists():
    pytest.skip("no RLIMIT_AS or no /dev/zero on this platform", allow_module_level=True)

ADDRESS_SPACE = 3 << 30
PEAK_RSS_MB = 600
SECONDS = 60  # a generous bound for a loaded CI runner; each case takes about a second

# A wrapper process runs one command under the cap and reports its exit code and peak RSS: its
# RUSAGE_CHILDREN covers that one child, not every process the test run has started.
WRAPPER = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
    started = time.monotonic()
    done = subprocess.run(sys.argv[2:], preexec_fn=cap, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, errors="replace")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if sys.platform == "darwin":
        peak //= 1024  # bytes there, KiB on Linux
    print(json.dumps({"code": done.returncode, "peak_kib": peak, "stderr": done.stderr,
                      "seconds": time.monotonic() - started}))
    """
)


@pytest.fixture(scope="module")
def heavy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("heavy")
    bomb = folder / "bomb.json.gz"
    megabyte = gzip.compress(b"a" * (1 << 20), 9)
    with bomb.open("wb") as out:  # one event whose string inflates to 1 GiB
        out.write(gzip.compress(b'[{"type": 3, "timestamp": 1767225600000, "data": {"x": "'))
        for _ in range(1024):
            out.write(megabyte)
        out.write(gzip.compress(b'"}}]'))
    endless = folder / "endless.json"
    with endless.open("wb") as out:  # a JSON string that never ends, on one line
        out.write(b'["')
        chunk = b"x" * (1 << 20)
        for _ in range(256):
            out.write(chunk)
    return {"bomb": str(bomb), "endless": str(endless), "zero": "/dev/zero"}


SIMULATE = ["simulate", "--sample-rate", "0.5"]
CASES = [
    (["diagnose", "{zero}"], "contains NUL bytes"),
    ([*SIMULATE, "--sessions-file", "{zero}"], "contains NUL bytes"),
    (["upload", "--dry-run", "{zero}"], "contains NUL bytes"),
    (["upload", "--dry-run", "{bomb}"], "16 MiB limit (--max-item-bytes raises it)"),
    (["diagnose", "{endless}"], "64 MiB limit (--max-line-bytes raises it)"),
    ([*SIMULATE, "--sessions-file", "{endless}"], "64 MiB limit (--max-line-bytes raises it)"),
    (["upload", "--dry-run", "{endless}"], "16 MiB limit (--max-item-bytes raises it)"),
]


@pytest.mark.parametrize(("command", "message"), CASES, ids=lambda part: " ".join(part)[:40])
def test_heavy_inputs_are_refused_in_bounded_memory(heavy, tmp_path, command, message):
    arguments = [word.format(**heavy) for word in command]
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "NO_COLOR": "1"}
    wrapper = [sys.executable, "-c", WRAPPER, str(ADDRESS_SPACE)]
    completed = subprocess.run(
        [*wrapper, sys.executable, "-m", "amp_replay_cli", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=SECONDS * 2,
        check=True,
    )
    outcome = json.loads(completed.stdout)
    assert outcome["code"] == 2, outcome["stderr"]
    assert "Traceback" not in outcome["stderr"] and message in outcome["stderr"]
    assert outcome["peak_kib"] <= PEAK_RSS_MB * 1024, outcome
    assert outcome["seconds"] < SECONDS, outcome
