#!/usr/bin/env bash
# Regenerate the shell completion scripts in completions/ from the installed amp-replay.
# They are shims that call amp-replay back at TAB time, so they change only when the program
# name or typer's completion protocol does; tests/test_project.py fails when they are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
amp="${AMP_REPLAY:-amp-replay}"
_AMP_REPLAY_COMPLETE=source_bash "$amp" > completions/amp-replay.bash
_AMP_REPLAY_COMPLETE=source_zsh "$amp" > completions/_amp-replay
_AMP_REPLAY_COMPLETE=source_fish "$amp" > completions/amp-replay.fish
_AMP_REPLAY_COMPLETE=source_powershell "$amp" > completions/amp-replay.ps1
