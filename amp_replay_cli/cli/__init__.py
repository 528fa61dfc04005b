"""The command-line layer: parse arguments, call the core, render the Report, exit."""

import sys


def main() -> None:
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character must not turn a report into a traceback.
        if (
            hasattr(stream, "reconfigure")
            and (stream.encoding or "").lower().replace("-", "") != "utf8"
        ):
            stream.reconfigure(errors="replace")
    from amp_replay_cli.cli.app import app

    app(prog_name="amp-replay")
