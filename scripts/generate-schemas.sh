#!/usr/bin/env bash
# Regenerate the editor JSON Schemas in schemas/ (tests/test_project.py fails when they are stale).
set -euo pipefail
cd "$(dirname "$0")/.."
amp="${AMP_REPLAY:-amp-replay}"
for sdk in standalone plugin segment-wrapper; do
  "$amp" schema options --sdk "$sdk" -o "schemas/session-replay-options.$sdk.json"
done
"$amp" schema config -o schemas/amp-replay-config.json
