"""Check that amp-replay writes every event of recordings exactly as JavaScript's JSON.stringify
does.

    python scripts/compare_with_node.py RECORDING...

node computes the body literals the SDK would send (scripts/sdk-event-strings.js); amp-replay
computes its own from the same file, as `upload` does (the fast path where it applies, spooled);
the first difference, if any, is printed. Exit 1 on any.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.replay.recordings import inspect, sent_events

SCRIPT = Path(__file__).resolve().parent / "sdk-event-strings.js"


def compare(path: Path) -> bool:
    with tempfile.NamedTemporaryFile(suffix=".txt") as output:
        subprocess.run(["node", str(SCRIPT), str(path), output.name], check=True)
        # split at line breaks only: splitlines() would also cut at U+2028, which JSON keeps
        theirs = Path(output.name).read_text(encoding="utf-8").split("\n")[:-1]
    with tempfile.TemporaryDirectory() as scratch:
        recording = inspect(Source(str(path), path), spool=Path(scratch) / "events.spool")
        ours = [event.literal.decode("utf-8") for event in sent_events(recording)]
    # Compared up to the shorter list: a difference in count is reported below.
    for index, (mine, node) in enumerate(zip(ours, theirs, strict=False)):
        if mine != node:
            print(
                f"{path}: event {index} differs\n"
                f"  amp-replay: {mine[:300]}\n"
                f"  node:       {node[:300]}"
            )
            return False
    if len(ours) != len(theirs):
        print(
            f"{path}: {len(ours)} events here, {len(theirs)} in node (dropped duplicates or "
            "leading incrementals?)"
        )
        return False
    print(f"{path}: {len(ours)} events identical")
    return True


if __name__ == "__main__":
    results = [compare(Path(argument)) for argument in sys.argv[1:]]
    sys.exit(0 if all(results) else 1)
