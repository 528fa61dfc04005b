"""simulate next to the real SDK: whole processes, the same id file, the same captured count.

One file of 1,000,000 realistic session ids (millisecond timestamps over 30 days). Node reads it,
JSON.parse()s it and counts the ids that `isSessionInSample` from
`@amplitude/session-replay-browser` (installed with npm into a temporary directory) keeps.
amp-replay runs `simulate --sessions-file FILE` twice: `-f text` (the summary) and
`-f json -o FILE` (every row). Rounds alternate the three commands; each figure is the median,
wall time and peak RSS taken by GNU time (a small parent: Linux would report the high-water mark
of a big parent across exec). The counts must agree.

    python benchmarks/sampling_throughput.py [--count 1000000] [--rate 0.05] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measuring import gnu_timed

NODE_SCRIPT = r"""
const { isSessionInSample } = require('@amplitude/session-replay-browser/lib/cjs/sampling.js');
const ids = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const rate = Number(process.argv[3]);
let count = 0;
for (let i = 0; i < ids.length; i++) if (isSessionInSample(ids[i], rate)) count++;
console.log(count);
"""
# The headline on stderr: "49,973 of 1,000,000 sessions recorded (…)".
_HEADLINE = re.compile(r"simulate: ([\d,]+) of ([\d,]+) sessions recorded")
_SUMMARY_CAPTURED = re.compile(r'"summary": \{.*?"captured": (\d+)', re.S)


def install_sdk(workdir: Path, sdk_version: str) -> Path:
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
    script = workdir / "count.js"
    script.write_text(NODE_SCRIPT)
    return script


def json_captured(path: Path) -> int:
    """The summary's captured count, read from the end of the report (after the rows)."""
    with path.open("rb") as stream:
        stream.seek(max(0, path.stat().st_size - 16384))
        match = _SUMMARY_CAPTURED.search(stream.read().decode())
    if match is None:
        raise SystemExit(f"no summary in {path}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sdk-version", default="1.51.6")
    parser.add_argument("--seed", type=int, default=20261129)
    arguments = parser.parse_args()

    rng = random.Random(arguments.seed)
    end = 1_767_225_600_000
    ids = [end - rng.randrange(30 * 24 * 3600 * 1000) for _ in range(arguments.count)]
    amp_replay = shutil.which("amp-replay", path=str(Path(sys.executable).parent)) or "amp-replay"
    rate = str(arguments.rate)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        ids_file = workdir / "ids.json"
        ids_file.write_text(json.dumps(ids))
        script = install_sdk(workdir, arguments.sdk_version)
        simulate = [amp_replay, "simulate", "--sessions-file", str(ids_file), "--sample-rate", rate]
        commands = {
            "node": ["node", str(script), str(ids_file), rate],
            "text": [*simulate, "-f", "text", "-o", str(workdir / "summary.txt")],
            "json": [*simulate, "-f", "json", "-o", str(workdir / "rows.json")],
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        counts: dict[str, set[int]] = {name: set() for name in commands}
        for _ in range(arguments.rounds):
            for name, command in commands.items():
                seconds, peak_mib, stdout, stderr = gnu_timed(command, cwd=workdir)
                runs[name].append((seconds, peak_mib))
                if name == "node":
                    counts[name].add(int(stdout))
                elif name == "text":
                    headline = _HEADLINE.search(stderr)
                    if headline is None:
                        raise SystemExit(f"no headline from amp-replay: {stderr[-2000:]}")
                    counts[name].add(int(headline.group(1).replace(",", "")))
                else:
                    counts[name].add(json_captured(workdir / "rows.json"))
        rows_size = (workdir / "rows.json").stat().st_size
    if len({count for found in counts.values() for count in found}) != 1:
        raise SystemExit(f"disagreement on the captured count: {counts}")
    [captured] = counts["node"]
    median = {name: statistics.median(s for s, _ in found) for name, found in runs.items()}
    peak = {name: statistics.median(m for _, m in found) for name, found in runs.items()}
    print(
        f"{arguments.count:,} ids, rate {arguments.rate}, all three record {captured:,}; "
        f"medians of {arguments.rounds} alternated rounds, whole process"
    )
    labels = {
        "node": f"node, SDK {arguments.sdk_version} isSessionInSample",
        "text": "amp-replay simulate -f text",
        "json": f"amp-replay simulate -f json -o FILE ({rows_size / 1e6:.0f} MB)",
    }
    print("| command | wall s | ids/s | vs node | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, label in labels.items():
        print(
            f"| {label} | {median[name]:.2f} | {arguments.count / median[name]:,.0f} "
            f"| {median['node'] / median[name]:.2f}x | {peak[name]:.0f} |"
        )


if __name__ == "__main__":
    main()
