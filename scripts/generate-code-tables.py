"""Write docs/codes.md and the finding-code table rows of the command pages in docs/ from the
catalog (amp_replay_cli/core/codes.py).

tests/test_docs.py fails when a page or a row differs from what this writes: one source, no drift.
"""

import re
from pathlib import Path

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.rule import codes_page, docs_row

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROW = re.compile(r"^\| ([A-Z][A-Z0-9_]*) \|.*$", re.M)


def regenerate(text: str) -> str:
    return ROW.sub(lambda match: docs_row(CODES[match[1]]) if match[1] in CODES else match[0], text)


if __name__ == "__main__":
    (DOCS / "codes.md").write_text(codes_page(), encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        page.write_text(regenerate(page.read_text(encoding="utf-8")), encoding="utf-8")
