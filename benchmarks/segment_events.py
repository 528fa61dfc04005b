"""Generate realistic Segment event archives (NDJSON) for diagnose benchmarks.

Browsers browse in sessions of page and track calls, some identify mid-session, and the replay
property follows the Segment wrapper 0.4.0 (the replay device becomes the userId after identify),
so the sessions with an identify carry RPL_DEVICE_IS_USERID mismatches. With --clean the replay
device stays the anonymousId and the log has no findings.

    python benchmarks/segment_events.py --events 1000000 --output events.ndjson [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from datetime import datetime, timezone

USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/133.0.0.0 Safari/537.36"
)
PAGES = ["/", "/pricing", "/docs", "/dashboard", "/settings", "/reports", "/checkout"]
TRACKS = ["Plan Selected", "Signed Up", "Project Created", "Report Exported", "Button Clicked"]


def iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{ms % 1000:03d}Z"
    )


def sessions(rng: random.Random, start_ms: int):
    clock = start_ms
    while True:
        anonymous = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        user = f"usr_{rng.getrandbits(32):08x}"
        for _ in range(rng.randint(1, 3)):
            clock += rng.randint(1, 60_000)
            session_id = clock + 3
            length = rng.randint(10, 40)
            identify_at = rng.randint(2, length) if rng.random() < 0.3 else None
            yield anonymous, user, session_id, length, identify_at, clock
            clock += length * 20_000 + 31 * 60_000


def events(rng: random.Random, count: int, start_ms: int, clean: bool = False):
    produced = 0
    for anonymous, user, session_id, length, identify_at, clock in sessions(rng, start_ms):
        logged_in = False
        replay_device = anonymous
        for index in range(length):
            if produced >= count:
                return
            clock += rng.randint(500, 20_000)
            kind = (
                "identify" if index == identify_at else ("page" if rng.random() < 0.5 else "track")
            )
            if kind == "identify":
                logged_in = True
                replay_device = anonymous if clean else user
            path = rng.choice(PAGES)
            event = {
                "anonymousId": anonymous,
                "channel": "client",
                "context": {
                    "ip": "203.0.113.24",
                    "library": {"name": "analytics.js", "version": "npm:next-1.84.3"},
                    "locale": "en-US",
                    "page": {
                        "path": path,
                        "referrer": "",
                        "search": "",
                        "title": "Acme",
                        "url": f"https://app.example.com{path}",
                    },
                    "timezone": "Europe/Berlin",
                    "userAgent": USER_AGENT,
                },
                "integrations": {"Actions Amplitude": {"session_id": session_id}},
                "messageId": f"ajs-next-{clock}-{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                "originalTimestamp": iso(clock),
                "receivedAt": iso(clock + 180),
                "sentAt": iso(clock + 4),
                "timestamp": iso(clock + 176),
                "type": kind,
                "userId": user if logged_in else None,
                "version": 2,
            }
            if kind == "identify":
                event["traits"] = {"plan": "team"}
            else:
                if kind == "track":
                    event["event"] = rng.choice(TRACKS)
                else:
                    event["name"] = path.strip("/") or "Home"
                event["properties"] = {
                    "path": path,
                    "[Amplitude] Session Replay ID": f"{replay_device}/{session_id}",
                }
            produced += 1
            yield event


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--output", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--clean", action="store_true", help="replay device stays the anonymousId: no findings"
    )
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    with open(arguments.output, "w", encoding="utf-8") as stream:
        for event in events(rng, arguments.events, 1_741_000_000_000, arguments.clean):
            stream.write(json.dumps(event, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
