"""MB/s of rrweb JSON uploaded to the local emulator, next to `gzip -6` of the same bytes.

gzip at level 6 is the floor: upload has to compress every byte at that level too (it is what
the SDK's CompressionStream does), on top of reading and checking every event and writing it as
JSON.stringify would. Builds one recording (`--events` events of about `--event-kb` KB, one
replay: by default 2,600 of 60 KB, about 160 MB) from the repository's real recordings: the
first one's Meta and FullSnapshot, then IncrementalSnapshot mutations that add copies of its
elements with their text, classes and positions varied (so that deflate meets text as varied as
a real page's, not copies), 10 ms apart. Starts `amp-replay emulator` in its own process, then
times in rounds that alternate their order, each in a fresh process under GNU time (a small
parent, so that the peak RSS is the command's own), with the CPU seconds each used (upload's
with the emulator's, read from /proc):
- `amp-replay upload FILE --no-journal -q` to the emulator;
- `gzip -6 -c FILE > /dev/null`.
Every round the emulator must hold every event; after the last, every event read back from it
must equal the recording's. Prints the load averages before and after, each round, the medians,
and the ratio of each round.

    python benchmarks/upload_throughput.py [--events 2600] [--event-kb 60] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measuring import gnu_timed

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "tests" / "data" / "recordings" / "amplitude-settings-modal.json"
API_KEY = "emulator0api0key00000000000000000"
WORDS = [
    "order",
    "invoice",
    "customer",
    "shipped",
    "pending",
    "refund",
    "total",
    "price",
    "plan",
    "monthly",
    "yearly",
    "naïve",
    "café",
    "Zürich",
    "東京",
    "résumé",
    "settings",
    "save",
    "cancel",
    "delete",
    "account",
    "billing",
    "export",
]
VARIED_ATTRIBUTES = ("class", "id", "href", "name", "value", "placeholder", "aria-label")


class Measure(NamedTuple):
    seconds: float
    peak_mib: float
    cpu_seconds: float  # user and system, the command's and its children's


def varied(node: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """A copy of an rrweb node with its text, attributes and position changed."""
    node = dict(node)
    if node.get("textContent", "").strip():
        words = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 12)))
        node["textContent"] = f"{words} #{rnd.randint(0, 99999)}"
    if "attributes" in node:
        attributes = {
            key: f"{value}-{rnd.randint(0, 10**6):x}" if key in VARIED_ATTRIBUTES else value
            for key, value in node["attributes"].items()
        }
        attributes["style"] = (
            f"left: {rnd.randint(0, 900)}px; top: {rnd.randint(0, 700)}.5px; "
            f"opacity: 0.{rnd.randint(1, 9)}"
        )
        node["attributes"] = attributes
    if "childNodes" in node:
        node["childNodes"] = [varied(child, rnd) for child in node["childNodes"]]
    return node


def build_recording(path: Path, events: int, event_bytes: int) -> None:
    """Write a JSON array: Meta, FullSnapshot, then mutations of about `event_bytes` each."""
    rnd = random.Random(15)
    meta, snapshot = json.loads(SOURCE.read_text())[:2]
    nodes: list[dict[str, Any]] = []
    pending = [snapshot["data"]["node"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("childNodes", []))
    elements = [
        node
        for node in nodes
        if node.get("type") == 2
        and 300 < len(json.dumps(node)) < 4000
        and "_cssText" not in json.dumps(node)
    ]
    clock, next_id = snapshot["timestamp"], 10_000

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    with path.open("w", encoding="utf-8") as out:
        out.write(f"[{compact(meta)},{compact(snapshot)}")
        for _ in range(events - 2):
            clock += 10  # all within one session
            adds: list[dict[str, Any]] = []
            held = 0
            while held < event_bytes:
                next_id += 1
                node = {**varied(rnd.choice(elements), rnd), "id": next_id}
                add = {"parentId": rnd.randint(2, 400), "nextId": None, "node": node}
                adds.append(add)
                held += len(compact(add)) + 1
            data = {"source": 0, "texts": [], "attributes": [], "removes": [], "adds": adds}
            out.write("," + compact({"type": 3, "data": data, "timestamp": clock}))
        out.write("]")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children_cpu() -> float:
    """CPU seconds of this process's children that have ended (GNU time, and what it ran)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds a running process has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(command: list[str], server: int | None = None) -> Measure:
    """Wall seconds, peak RSS and CPU seconds of `command`; with a server's pid, the CPU it
    spent meanwhile counts too (the emulator's ingest is part of an upload's work)."""
    before = children_cpu() + (process_cpu(server) if server is not None else 0.0)
    seconds, peak_mib, _, _ = gnu_timed(command)
    after = children_cpu() + (process_cpu(server) if server is not None else 0.0)
    return Measure(seconds, peak_mib, after - before)


def load() -> str:
    """The machine's load averages: the times are comparable only next to them (other work
    on the same cores slows upload, two threads and the emulator's process, more than gzip)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def stored_replay(base: str) -> dict[str, Any]:
    replays = httpx.get(f"{base}/_emulator/replays", timeout=60).json()["replays"]
    assert len(replays) == 1, replays
    return dict(replays[0])


def read_back_intact(base: str, recording: Path) -> None:
    """Every event the emulator holds equals the recording's, in order."""
    replay = stored_replay(base)
    events = httpx.get(
        f"{base}/_emulator/replays/{replay['device_id']}/{replay['session_id']}",
        params={"type": "replay", "unpack": "1"},
        timeout=600,
    ).json()
    expected = json.loads(recording.read_text(encoding="utf-8"))
    assert events == expected, "an event came back different"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2600)
    parser.add_argument("--event-kb", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    amp_replay = shutil.which("amp-replay", path=str(Path(sys.executable).parent)) or "amp-replay"
    with tempfile.TemporaryDirectory(prefix="amp-replay-bench-") as scratch:
        recording = Path(scratch) / "recording.json"
        build_recording(recording, arguments.events, arguments.event_kb * 1000)
        size = recording.stat().st_size
        print(f"recording: {size / 1e6:.0f} MB, {arguments.events:,} events; {load()}")
        port = free_port()
        server = subprocess.Popen(
            [amp_replay, "emulator", "--port", str(port), "--db", ":memory:"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        os.environ["AMPLITUDE_API_KEY"] = API_KEY
        upload_command = [amp_replay, "upload", str(recording), "--server-url", base]
        upload_command += ["--no-journal", "-q"]
        gzip_command = ["sh", "-c", f"gzip -6 -c '{recording}' > /dev/null"]
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{base}/_emulator/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            uploads: list[Measure] = []
            gzips: list[Measure] = []
            for number in range(1, arguments.rounds + 1):
                httpx.post(f"{base}/_emulator/reset", timeout=30)
                if number % 2:
                    uploads.append(measure(upload_command, server.pid))
                    gzips.append(measure(gzip_command))
                else:
                    gzips.append(measure(gzip_command))
                    uploads.append(measure(upload_command, server.pid))
                assert stored_replay(base)["events"] == arguments.events
                upload, gzip = uploads[-1], gzips[-1]
                print(
                    f"round {number}: upload {upload.seconds:.2f} s ({upload.cpu_seconds:.2f} s "
                    f"CPU with the emulator's), {upload.peak_mib:.0f} MiB; gzip -6 "
                    f"{gzip.seconds:.2f} s ({gzip.cpu_seconds:.2f} s CPU), "
                    f"{gzip.peak_mib:.0f} MiB; "
                    f"ratio {gzip.seconds / upload.seconds:.2f} (of CPU "
                    f"{gzip.cpu_seconds / upload.cpu_seconds:.2f})"
                )
            print(f"after the rounds: {load()}")
            read_back_intact(base, recording)
        finally:
            server.terminate()
            server.wait()
    upload_median = statistics.median(run.seconds for run in uploads)
    gzip_median = statistics.median(run.seconds for run in gzips)
    ratios = [gzip.seconds / upload.seconds for upload, gzip in zip(uploads, gzips, strict=True)]
    upload_cpu = statistics.median(run.cpu_seconds for run in uploads)
    gzip_cpu = statistics.median(run.cpu_seconds for run in gzips)
    print("\n| command | MB/s | MB per CPU-second | peak RSS MiB |\n| --- | ---: | ---: | ---: |")
    print(
        f"| amp-replay upload (to the emulator) | {size / 1e6 / upload_median:.1f} "
        f"| {size / 1e6 / upload_cpu:.1f} | {max(run.peak_mib for run in uploads):.0f} |"
    )
    print(
        f"| gzip -6 | {size / 1e6 / gzip_median:.1f} | {size / 1e6 / gzip_cpu:.1f} "
        f"| {max(run.peak_mib for run in gzips):.0f} |"
    )
    print(
        f"\nupload runs at {statistics.median(ratios):.2f}x gzip -6's throughput (median of "
        f"{arguments.rounds} rounds' ratios; medians of times {gzip_median / upload_median:.2f}x); "
        "every event read back intact"
    )
    print(
        f"CPU: upload and the emulator's ingest {upload_cpu:.2f} s, gzip -6 {gzip_cpu:.2f} s "
        f"({gzip_cpu / upload_cpu:.2f}x; medians): the ratio the times tend to when other work "
        "keeps both CPUs busy"
    )


if __name__ == "__main__":
    main()
