"""Cold start of `amp-replay validate FILE` next to `check-jsonschema` on the same file.

check-jsonschema validates the file against amp-replay's own editor schema, so both tools read
the same YAML and check the same option names; amp-replay additionally runs every SDK rule.
check-jsonschema is installed into a throw-away virtualenv unless one is given with --reference.
Runs alternate between the two tools so that machine load affects both alike.

    python benchmarks/cold_start.py [--runs 40] [--file examples/session-replay.yaml]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def time_once(command: list[str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{command[0]} failed with exit code {completed.returncode}")
    return elapsed


def install_reference(directory: Path) -> str:
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
    subprocess.run(
        [str(directory / "bin" / "pip"), "install", "--quiet", "check-jsonschema"], check=True
    )
    return str(directory / "bin" / "check-jsonschema")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--file", type=Path, default=REPO / "examples" / "session-replay.yaml")
    parser.add_argument("--reference", help="path of an installed check-jsonschema")
    arguments = parser.parse_args()

    amp_replay = shutil.which("amp-replay", path=str(Path(sys.executable).parent)) or shutil.which(
        "amp-replay"
    )
    if amp_replay is None:
        raise SystemExit("install amp-replay first (pip install -e .)")
    schema = REPO / "schemas" / "session-replay-options.standalone.json"
    with tempfile.TemporaryDirectory() as scratch:
        reference = arguments.reference or install_reference(Path(scratch) / "venv")
        commands = {
            "amp-replay validate": [amp_replay, "validate", "-q", str(arguments.file)],
            "check-jsonschema": [reference, "--schemafile", str(schema), str(arguments.file)],
        }
        for command in commands.values():  # warm the file cache and byte-code
            time_once(command)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(arguments.runs):
            for name, command in commands.items():
                samples[name].append(time_once(command))

    print(
        f"{arguments.runs} runs each on {arguments.file.name}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}"
    )
    print("| command | median ms | min ms | mean ms |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in samples.items():
        print(
            f"| {name} | {statistics.median(values) * 1000:.0f} | {min(values) * 1000:.0f} | "
            f"{statistics.mean(values) * 1000:.0f} |"
        )
    ratio = statistics.median(samples["check-jsonschema"]) / statistics.median(
        samples["amp-replay validate"]
    )
    print(f"amp-replay validate starts {ratio:.2f}x as fast as check-jsonschema (median)")


if __name__ == "__main__":
    main()
