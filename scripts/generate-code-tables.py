"""Rewrite the README's finding-code table rows from the catalog (amp_replay_cli/core/codes.py).

tests/test_project.py fails when a row differs from what this writes: one source, no drift.
"""

import re
from pathlib import Path

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.rule import readme_row

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\| ([A-Z][A-Z0-9_]*) \|.*$", re.M)


def regenerate(text: str) -> str:
    return ROW.sub(
        lambda match: readme_row(CODES[match[1]]) if match[1] in CODES else match[0], text
    )


if __name__ == "__main__":
    README.write_text(regenerate(README.read_text(encoding="utf-8")), encoding="utf-8")
