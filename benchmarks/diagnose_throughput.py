"""Events per second of `amp-replay diagnose` next to jq grouping the same Segment log.

Generates a realistic Segment NDJSON archive (benchmarks/segment_events.py), then in one run:
- amp-replay diagnose on it (every rule, JSON report written to a file);
- jq grouping the events by Amplitude (device_id, session_id) and counting events whose
  replay id differs from their session's, in two formulations: `group_by` over all events
  (jq's fast path, memory grows with events) and `reduce` into an object (constant memory,
  slower than linear, so it runs on a sample only).
Wall time and peak RSS of each, measured by a fresh parent process, amp-replay and jq group_by
alternated for --rounds rounds (medians); the session counts must agree.

    python benchmarks/diagnose_throughput.py [--events 1000000] [--reduce-sample 100000] \
        [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measuring import measured
from segment_events import events as generate_events

GROUP_BY = r"""
[inputs
 | ((.context.device.id // .anonymousId)
    + "/" + ((.integrations["Actions Amplitude"].session_id // -1) | tostring)) as $k
 | (.properties["[Amplitude] Session Replay ID"] // null) as $r
 | [$k, (if $r != null and $r != $k then 1 else 0 end)]]
| group_by(.[0])
| {sessions: length, mismatched_events: (map(map(.[1]) | add) | add)}
"""
REDUCE = r"""
reduce inputs as $e ({};
  ($e.context.device.id // $e.anonymousId) as $d
  | ($e.integrations["Actions Amplitude"].session_id // -1) as $s
  | ($d + "/" + ($s | tostring)) as $k
  | .[$k].events += 1
  | if ($e.properties["[Amplitude] Session Replay ID"] // null) != null
       and $e.properties["[Amplitude] Session Replay ID"] != $k
    then .[$k].mismatches += 1 else . end)
| {sessions: length, mismatched_events: ([.[].mismatches // 0] | add)}
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--reduce-sample", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    amp_replay = shutil.which("amp-replay", path=str(Path(sys.executable).parent)) or "amp-replay"
    jq = shutil.which("jq") or raise_missing("jq")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        log, sample = work / "events.ndjson", work / "sample.ndjson"
        with log.open("w") as all_events, sample.open("w") as first_events:
            for index, event in enumerate(
                generate_events(random.Random(arguments.seed), arguments.events, 1_741_000_000_000)
            ):
                line = json.dumps(event, separators=(",", ":")) + "\n"
                all_events.write(line)
                if index < arguments.reduce_sample:
                    first_events.write(line)
        size_mb = log.stat().st_size / 1e6
        (work / "group_by.jq").write_text(GROUP_BY)
        (work / "reduce.jq").write_text(REDUCE)
        amp_rounds, jq_rounds = [], []
        for _ in range(arguments.rounds):
            amp_rounds.append(
                measured(
                    [amp_replay, "diagnose", str(log), "-f", "json", "-o", str(work / "amp.json")],
                    work / "amp.out",
                    (0, 1),
                )
            )
            jq_rounds.append(
                measured(
                    [jq, "-n", "-c", "-f", str(work / "group_by.jq"), str(log)], work / "jq.json"
                )
            )
        amp_time, amp_rss = median_of(amp_rounds)
        jq_time, jq_rss = median_of(jq_rounds)
        reduce_time, reduce_rss = measured(
            [jq, "-n", "-c", "-f", str(work / "reduce.jq"), str(sample)], work / "reduce.json"
        )
        sample_time, _ = measured(
            [amp_replay, "diagnose", str(sample), "-f", "json"], work / "amp-sample.json", (0, 1)
        )
        report = json.loads((work / "amp.json").read_text())
        grouped = json.loads((work / "jq.json").read_text())
    if report["summary"]["sessions"] != grouped["sessions"]:
        raise SystemExit(
            f"session counts differ: amp-replay {report['summary']['sessions']}, "
            f"jq {grouped['sessions']}"
        )
    count, sample_count = arguments.events, min(arguments.events, arguments.reduce_sample)
    print(
        f"{count:,} events ({size_mb:,.0f} MB), {grouped['sessions']:,} sessions; "
        f"medians of {arguments.rounds} alternated rounds; amp-replay rounds "
        f"{', '.join(f'{seconds:.1f}' for seconds, _ in amp_rounds)} s, jq rounds "
        f"{', '.join(f'{seconds:.1f}' for seconds, _ in jq_rounds)} s"
    )
    print("| command | events | seconds | events/s | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(
        f"| amp-replay diagnose (all rules, JSON report) | {count:,} | {amp_time:.1f} | "
        f"{count / amp_time:,.0f} | {amp_rss:.0f} |"
    )
    print(f"| jq group_by | {count:,} | {jq_time:.1f} | {count / jq_time:,.0f} | {jq_rss:.0f} |")
    print(
        f"| amp-replay diagnose | {sample_count:,} | {sample_time:.1f} | "
        f"{sample_count / sample_time:,.0f} | |"
    )
    print(
        f"| jq reduce | {sample_count:,} | {reduce_time:.1f} | "
        f"{sample_count / reduce_time:,.0f} | {reduce_rss:.0f} |"
    )
    print(
        f"amp-replay / jq group_by: {jq_time / amp_time:.2f}x; amp-replay / jq reduce "
        f"({sample_count:,} events): {reduce_time / sample_time:.2f}x"
    )


def median_of(rounds: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(seconds for seconds, _ in rounds), max(rss for _, rss in rounds)


def raise_missing(name: str) -> str:
    raise SystemExit(f"{name} is not installed")


if __name__ == "__main__":
    main()
