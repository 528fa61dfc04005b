"""The JSON Schema of the JSON output, shipped inside the package."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def output_schema() -> dict[str, Any]:
    return json.loads(
        resources.files("amp_replay_cli.schemas").joinpath("output-v1.json").read_text("utf-8")
    )
