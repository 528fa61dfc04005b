"""MB/s of rrweb JSON uploaded to the local emulator, next to `gzip -6` of the same bytes.

gzip at level 6 is the floor: upload has to compress every byte at that level too (it is what
the SDK's CompressionStream does), on top of reading, checking and serialising each event twice.
Builds one recording of about `--mb` MB from the real recordings in tests/data/recordings (the
first one's Meta and FullSnapshot, then their events again and again with timestamps moved
forward, a FullSnapshot every 2,000 events, all within one session), starts `amp-replay
emulator` in its own process, then in one run times, each in a fresh process:
- `amp-replay upload FILE --no-journal -q` to the emulator;
- `gzip -6 -c FILE > /dev/null`.
Wall time and peak RSS (of the measured command only); the emulator must read back every event.

    python benchmarks/upload_throughput.py [--mb 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measuring import measured

REPO = Path(__file__).resolve().parent.parent
RECORDINGS = REPO / "tests" / "data" / "recordings"
SOURCES = ["amplitude-settings-modal.json", "pricing-tabs.json", "search-autocomplete.json"]
API_KEY = "emulator0api0key00000000000000000"


class Measure(NamedTuple):
    seconds: float
    peak_mib: float


class Run(NamedTuple):
    upload: Measure
    gzip: Measure


def measure(command: list[str], output: Path) -> Measure:
    return Measure(*measured(command, output))


def build_recording(path: Path, megabytes: int) -> int:
    """Write a JSON array of about `megabytes` MB; returns the number of events."""
    loaded = [json.loads((RECORDINGS / name).read_text()) for name in SOURCES]
    opening = loaded[0][:2]
    snapshot = loaded[0][1]
    body = [event for events in loaded for event in events[2:]]
    clock = opening[-1]["timestamp"]
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for event in opening:
            out.write(
                ("," if count else "")
                + json.dumps(event, ensure_ascii=False, separators=(",", ":"))
            )
            count += 1
        while out.tell() < megabytes * 1_000_000:
            for event in body:
                clock += 10  # 10 ms apart: a 200 MB recording still spans well under 30 minutes
                if count % 2000 == 0:
                    out.write(
                        ","
                        + json.dumps(
                            {**snapshot, "timestamp": clock},
                            ensure_ascii=False,
                            separators=(",", ":"),
                        )
                    )
                    count += 1
                out.write(
                    ","
                    + json.dumps(
                        {**event, "timestamp": clock}, ensure_ascii=False, separators=(",", ":")
                    )
                )
                count += 1
        out.write("]")
    return count


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    amp_replay = shutil.which("amp-replay", path=str(Path(sys.executable).parent)) or "amp-replay"
    with tempfile.TemporaryDirectory(prefix="amp-replay-bench-") as scratch:
        recording = Path(scratch) / "recording.json"
        events = build_recording(recording, arguments.mb)
        size = recording.stat().st_size
        print(f"recording: {size / 1e6:.0f} MB, {events:,} events")
        port = free_port()
        server = subprocess.Popen(
            [amp_replay, "emulator", "--port", str(port), "--db", ":memory:"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{base}/_emulator/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            os.environ["AMPLITUDE_API_KEY"] = API_KEY
            upload_command = [
                amp_replay,
                "upload",
                str(recording),
                "--server-url",
                base,
                "--no-journal",
                "-q",
            ]
            runs: list[Run] = []
            for number in range(1, arguments.runs + 1):
                httpx.post(f"{base}/_emulator/reset", timeout=30)
                upload = measure(upload_command, Path(scratch) / "report.txt")
                stored = httpx.get(f"{base}/_emulator/replays", timeout=60).json()["replays"]
                assert len(stored) == 1 and stored[0]["events"] == events, stored
                gzip = measure(["gzip", "-6", "-c", str(recording)], Path(os.devnull))
                runs.append(Run(upload, gzip))
                print(
                    f"run {number}: upload {upload.seconds:.2f} s, {upload.peak_mib:.0f} MiB; "
                    f"gzip -6 {gzip.seconds:.2f} s, {gzip.peak_mib:.0f} MiB"
                )
        finally:
            server.terminate()
            server.wait()
    upload_best = min(run.upload.seconds for run in runs)
    gzip_best = min(run.gzip.seconds for run in runs)
    upload_peak = max(run.upload.peak_mib for run in runs)
    gzip_peak = max(run.gzip.peak_mib for run in runs)
    print("\n| command | MB/s | peak RSS MiB |\n| --- | ---: | ---: |")
    print(
        f"| amp-replay upload (to the emulator) | {size / 1e6 / upload_best:.1f} "
        f"| {upload_peak:.0f} |"
    )
    print(f"| gzip -6 | {size / 1e6 / gzip_best:.1f} | {gzip_peak:.0f} |")
    print(
        f"\nupload runs at {gzip_best / upload_best:.2f}x gzip's throughput "
        f"(best of {arguments.runs})"
    )


if __name__ == "__main__":
    main()
