"""Soak the emulator: N concurrent clients for a while; nothing acknowledged may go missing.

Starts `amp-replay emulator` as a subprocess on a fresh SQLite file, runs the clients (each
posts replay batches and HTTP V2 events as fast as it can), then compares what was sent and
acknowledged with what the emulator stored. Faults can be injected to check that a rejected
request leaves nothing behind. With `--faults ack-lost` the emulator applies requests and then
drops the answer: what is stored beyond what was acknowledged is the at-least-once window, the
batches a retrying client (as `upload` is) would store twice.

    python benchmarks/emulator_soak.py [--clients 8] [--seconds 30] [--fault-rate 0.3]
                                       [--faults 429,500,502,503,504,reset,413|ack-lost]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

API_KEY = "emulator0api0key00000000000000000"


def client(base: str, number: int, deadline: float, tally: dict, lock: threading.Lock) -> None:
    sent = acknowledged = events_sent = events_acknowledged = 0
    with httpx.Client(base_url=base, timeout=10) as http:
        index = 0
        while time.monotonic() < deadline:
            index += 1
            events = [
                json.dumps(
                    {"type": 3, "timestamp": 1767225600000 + index, "data": {"source": 1, "n": i}}
                )
                for i in range(5)
            ]
            try:
                response = http.post(
                    "/sessions/v2/track",
                    params={
                        "device_id": f"soak-device-{number:03d}",
                        "session_id": "1767225600000",
                        "type": "replay",
                    },
                    content=json.dumps({"version": 1, "events": events}),
                    headers={"Authorization": f"Bearer {API_KEY}"},
                )
                ok = response.status_code == 200
            except httpx.TransportError:
                ok = False
            sent += 1
            events_sent += len(events)
            if ok:
                acknowledged += 1
                events_acknowledged += len(events)
            try:
                analytics = http.post(
                    "/2/httpapi",
                    json={
                        "api_key": API_KEY,
                        "events": [
                            {
                                "event_type": "Soak",
                                "device_id": f"soak-device-{number:03d}",
                                "insert_id": f"{number}-{index}",
                                "time": 1767225600000 + index,
                            }
                        ],
                    },
                )
                if analytics.status_code == 200:
                    tally.setdefault("analytics", []).append(1)
            except httpx.TransportError:
                pass
    with lock:
        for key, value in (
            ("requests", sent),
            ("acknowledged", acknowledged),
            ("events_sent", events_sent),
            ("events_acknowledged", events_acknowledged),
        ):
            tally[key] = tally.get(key, 0) + value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--faults", default="429,500,502,503,504,reset,413")
    arguments = parser.parse_args()
    amp_replay = shutil.which("amp-replay", path=str(Path(sys.executable).parent)) or "amp-replay"
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            amp_replay,
            "emulator",
            "--port",
            "0",
            "--db",
            str(Path(scratch) / "soak.sqlite3"),
            "--no-throttle",
            "--fault-rate",
            str(arguments.fault_rate),
            "--faults",
            arguments.faults,
        ]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        try:
            base = process.stdout.readline().split()[4]
            tally: dict = {}
            lock = threading.Lock()
            deadline = time.monotonic() + arguments.seconds
            threads = [
                threading.Thread(target=client, args=(base, n, deadline, tally, lock))
                for n in range(arguments.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stored = sum(
                row["events"]
                for row in httpx.get(f"{base}/_emulator/replays", timeout=30).json()["replays"]
            )
            analytics = len(
                [
                    e
                    for e in httpx.get(
                        f"{base}/_emulator/events", params={"event_type": "Soak"}, timeout=30
                    ).json()["events"]
                ]
            )
        finally:
            process.terminate()
            process.wait(timeout=10)
    acknowledged_analytics = len(tally.get("analytics", []))
    print(
        f"{arguments.clients} clients for {arguments.seconds:g} s, "
        f"fault rate {arguments.fault_rate:g}"
    )
    print(
        f"replay requests {tally['requests']:,}, acknowledged {tally['acknowledged']:,}; "
        f"events acknowledged {tally['events_acknowledged']:,}, stored {stored:,}"
    )
    print(f"analytics events acknowledged {acknowledged_analytics:,}, stored {analytics:,}")
    if "ack-lost" in arguments.faults:
        window = stored - tally["events_acknowledged"]
        print(
            f"at-least-once window: {window:,} events stored without an acknowledgement "
            f"({window / max(stored, 1):.1%} of those stored): a retrying client stores them twice"
        )
        if window < 0 or analytics < acknowledged_analytics:
            raise SystemExit("MISMATCH: the emulator lost acknowledged events")
        return
    if stored != tally["events_acknowledged"] or analytics != acknowledged_analytics:
        raise SystemExit("MISMATCH: the emulator lost or invented events")
    print("ok: every acknowledged event is stored, nothing else")


if __name__ == "__main__":
    main()
