"""Sampling decisions per second: amp-replay's decision loop next to the real SDK's
isSessionInSample.

One run, same 1,000,000 realistic session ids (millisecond timestamps over 30 days), same rate:
node calls `isSessionInSample` from `@amplitude/session-replay-browser` (installed with npm into a
temporary directory), Python runs `amp_replay_cli.core.simulate.decisions`. Both counts must
agree. Then the whole command, `amp-replay simulate --sessions-file … -f json`, for wall time
and peak memory.

    python benchmarks/sampling_throughput.py [--count 1000000] [--rate 0.05] [--sdk-version 1.51.6]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from amp_replay_cli.core.sampling import Algorithm
from amp_replay_cli.core.simulate import decisions

NODE_SCRIPT = r"""
const { isSessionInSample } = require('@amplitude/session-replay-browser/lib/cjs/sampling.js');
const ids = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const rate = Number(process.argv[3]);
let best = Infinity, count = 0;
for (let round = 0; round < 3; round++) {
  const start = process.hrtime.bigint();
  count = 0;
  for (let i = 0; i < ids.length; i++) if (isSessionInSample(ids[i], rate)) count++;
  best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
}
console.log(JSON.stringify({count, seconds: best}));
"""


def python_decisions(ids: list[int], rate: float) -> tuple[int, float]:
    best, count = float("inf"), 0
    for _ in range(3):
        start = time.perf_counter()
        count = 0
        for decision in decisions(iter(ids), rate, Algorithm.MODERN):
            if decision[4]:
                count += 1
        best = min(best, time.perf_counter() - start)
    return count, best


def node_decisions(
    ids_file: Path, rate: float, sdk_version: str, workdir: Path
) -> tuple[int, float]:
    subprocess.run(
        [
            "npm",
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            f"@amplitude/session-replay-browser@{sdk_version}",
        ],
        cwd=workdir,
        check=True,
    )
    script = workdir / "bench.js"
    script.write_text(NODE_SCRIPT)
    output = subprocess.run(
        ["node", str(script), str(ids_file), str(rate)],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(output)
    return result["count"], result["seconds"]


_MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def whole_command(ids_file: Path, rate: float, workdir: Path) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of the command alone, measured by a fresh parent process."""
    amp_replay = shutil.which("amp-replay", path=str(Path(sys.executable).parent)) or "amp-replay"
    start = time.perf_counter()
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURE,
            amp_replay,
            "simulate",
            "--sessions-file",
            str(ids_file),
            "--sample-rate",
            str(rate),
            "-f",
            "json",
            "-o",
            str(workdir / "rows.json"),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return time.perf_counter() - start, int(output.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--sdk-version", default="1.51.6")
    parser.add_argument("--seed", type=int, default=20261129)
    arguments = parser.parse_args()

    rng = random.Random(arguments.seed)
    end = 1_767_225_600_000
    ids = [end - rng.randrange(30 * 24 * 3600 * 1000) for _ in range(arguments.count)]
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        ids_file = workdir / "ids.json"
        ids_file.write_text(json.dumps(ids))
        node_count, node_seconds = node_decisions(
            ids_file, arguments.rate, arguments.sdk_version, workdir
        )
        python_count, python_seconds = python_decisions(ids, arguments.rate)
        wall, peak_kib = whole_command(ids_file, arguments.rate, workdir)
    if node_count != python_count:
        raise SystemExit(f"disagreement: node {node_count} vs amp-replay {python_count}")
    node_rate, python_rate = arguments.count / node_seconds, arguments.count / python_seconds
    print(
        f"{arguments.count:,} ids, rate {arguments.rate}, both record {python_count:,} "
        "(best of 3 each)"
    )
    print("| implementation | decisions/s |")
    print("| --- | ---: |")
    print(f"| node, SDK {arguments.sdk_version} isSessionInSample | {node_rate:,.0f} |")
    print(f"| amp-replay decisions() | {python_rate:,.0f} |")
    print(f"ratio amp-replay / node: {python_rate / node_rate:.2f}")
    print(
        f"whole command (read ids, decide, write JSON rows): {wall:.1f} s, "
        f"peak RSS {peak_kib / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
