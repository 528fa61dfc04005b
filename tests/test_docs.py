"""The README and docs/ say what the tool does: every example runs, every link resolves.

Examples are fenced blocks, so a reader sees plain Markdown:

- `console` blocks are run: each `$ amp-replay …` line in-process from the repository root,
  offline, and what follows it up to the next `$` line is its expected output (stdout, then
  stderr). `…` stands for text left out or that changes between runs: inside a line it matches
  any text of that line, alone on a line any number of lines. `$ export NAME=value` sets a
  variable for the rest of the block (`…` as value keeps the one the test provides).
- An HTML comment right above a block sets how it runs: `<!-- example: emulator -->` points
  every command at a fresh emulator (AMPLITUDE_SERVER_URL and both keys set);
  `<!-- example: port 8787 -->` runs a command that serves (the emulator) in a process, on a free
  port written as 8787, and reads its first lines.
- `yaml` and `sh` blocks (CI recipes, set-up) are not run here, but every `amp-replay …` command
  in them must parse: the command and its options exist, choices are valid.
  (.ci/run runs the README's set-up commands; tests/test_readme_literal.py follows them.)
"""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlglot
import yaml
from typer.main import get_command

from amp_replay_cli.cli.app import COMMAND_ORDER, app
from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.rule import codes_page, command_of, docs_row
from amp_replay_cli.core.settings import tomllib
from tests.conftest import start_emulator

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]
TEST_COMMAND = (
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test,dev]' && "
    ".venv/bin/python -m pytest --cov"
)
_COMMENT = re.compile(r"<!-- example: (.*?) -->")


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    context: str = ""  # the `<!-- example: … -->` right above it

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def blocks(page: Path) -> list[Block]:
    found = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"```(\w*)$", lines[index])
        if opening:
            end = lines.index("```", index + 1)
            comment = _COMMENT.fullmatch(lines[index - 1]) if index else None
            found.append(
                Block(
                    page,
                    index + 1,
                    opening[1],
                    "\n".join(lines[index + 1 : end]),
                    comment[1] if comment else "",
                )
            )
            index = end
        index += 1
    return found


ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]
CONSOLE = [block for block in ALL_BLOCKS if block.language == "console"]


def steps(block: Block) -> list[Step]:
    parsed: list[Step] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            parsed.append(Step(line[2:]))
        else:
            assert parsed, f"{block.name}: output before the first `$ ` command"
            parsed[-1].expected.append(line)
    return parsed


def output_pattern(expected: list[str]) -> re.Pattern[str]:
    parts = []
    for line in expected:
        if line.strip() == "…":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(r"[^\n]*?".join(map(re.escape, line.rstrip().split("…"))) + r"\n")
    return re.compile("".join(parts))


def normalised(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "".join(line + "\n" for line in lines)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_and_read(argv: list[str], until: str) -> str:
    """Run a command that serves until stopped; return its output up to the line `until`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "amp_replay_cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith(until):
                break
    finally:
        process.terminate()
        process.wait(timeout=10)
    return "".join(lines)


@pytest.mark.parametrize("block", CONSOLE, ids=lambda block: block.name)
def test_console_example(block, run, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)
    environment: dict[str, str] = {}
    emulator = None
    if block.context == "emulator":
        emulator = start_emulator()
        environment = {
            "AMPLITUDE_SERVER_URL": emulator.base_url,
            "AMPLITUDE_API_KEY": emulator.api_key,
            "AMPLITUDE_SECRET_KEY": emulator.secret_key,
        }
    else:
        assert block.context in ("", "port 8787"), f"{block.name}: unknown {block.context!r}"
    try:
        for step in steps(block):
            words = shlex.split(step.command, comments=True)
            if words[0] == "export":
                name, value = words[1].split("=", 1)
                if value != "…":
                    environment[name] = value
                continue
            assert words[0] == "amp-replay", f"{block.name}: only amp-replay commands run"
            if block.context == "port 8787":
                port = str(free_port())
                argv = [word.replace("8787", port) for word in words[1:]]
                output = serve_and_read(argv, "Press Ctrl-C").replace(port, "8787")
            else:
                result = run(*words[1:], env=environment)
                assert result.exit_code in (0, 1), (step.command, result.stdout, result.stderr)
                output = result.stdout + result.stderr
            actual = normalised(output)
            if not output_pattern(step.expected).fullmatch(actual):
                pytest.fail(f"{block.name}: `{step.command}` printed:\n{actual}", pytrace=False)
    finally:
        if emulator is not None:
            emulator.close()


def commands_in(block: Block) -> list[list[str]]:
    """The amp-replay command lines of a CI recipe or set-up block, as argument lists."""
    found = []
    if block.language == "yaml":
        for item in yaml.safe_load(block.text) or []:
            step = item if isinstance(item, dict) else {}
            if str(step.get("uses", "")).startswith("amp-replay/amp-replay@"):
                found.append(
                    shlex.split(step["with"]["command"]) + shlex.split(step["with"].get("args", ""))
                )
    for match in re.finditer(r"(?<![\w/.-])amp-replay ([^\n]*)", block.text):
        words = shlex.split(match[1], comments=True)
        if words and not words[0].startswith("$"):
            found.append(words)
    return found


def parse(argv: list[str]) -> None:
    """Parse a command line as amp-replay would, without running it: a usage error raises."""
    group = get_command(app)
    context = group.make_context("amp-replay", list(argv))
    while True:
        words = context._protected_args + context.args
        if not words or not hasattr(group, "resolve_command"):
            return
        name, group, rest = group.resolve_command(context, words)
        context = group.make_context(name, rest, parent=context)


RECIPES = [block for block in ALL_BLOCKS if block.language in ("yaml", "sh")]


@pytest.mark.parametrize("block", RECIPES, ids=lambda block: block.name)
def test_commands_in_recipes_parse(block):
    for argv in commands_in(block):
        parse(argv)


def inline_commands(page: Path) -> list[list[str]]:
    """`amp-replay …` commands written in the text: not a command's name alone, not synopses
    (`amp-replay rule CODE`, `amp-replay check (--user-id U | …)`), not root options (which act
    when parsed)."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    found = []
    for span in re.findall(r"`amp-replay ([^`]+)`", text.replace("\n", " ")):
        words = shlex.split(span)
        synopsis = any(re.fullmatch(r"[A-Z]+…?|.*[\[(|…].*", word) for word in words)
        if len(words) > 1 and not synopsis and not words[0].startswith("-"):
            found.append(words)
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_commands_in_the_text_parse(page):
    for argv in inline_commands(page):
        parse(argv)


def test_recipe_commands_are_found_and_a_bad_one_fails():
    readme = [
        argv for block in RECIPES if block.page.name == "README.md" for argv in commands_in(block)
    ]
    readme_action = next(argv for argv in readme if argv[0] == "validate")
    assert readme_action == ["validate", "config/**/session-replay*.yaml", "--strict"]
    with pytest.raises(Exception, match="No such option"):
        parse(["validate", "--no-such-option"])
    output = inline_commands(DOCS / "output.md")
    assert output[0][:6] == [
        "validate",
        "config/",
        "-f",
        "github",
        "--report",
        "junit=amp-replay.xml",
    ]


def test_every_block_is_an_example_or_a_recipe():
    """console blocks run, sh and yaml commands parse; the rest must at least be well-formed
    (the suppression and configuration examples are read by test_suppressions and
    test_settings; a schema modeline names a committed schema; SQL parses in its dialect)."""
    assert {block.language for block in ALL_BLOCKS} <= {"console", "yaml", "sh", "toml", "sql"}
    for block in ALL_BLOCKS:
        if block.language == "yaml":
            yaml.safe_load(block.text)
            for schema in re.findall(r"\$schema=\./(\S+)", block.text):
                assert (REPO / schema).is_file(), (block.name, schema)
        elif block.language == "toml":
            tomllib.loads(block.text)
        elif block.language == "sql":  # warehouse DDL: the comment before it names the dialect
            assert block.context, block.name
            sqlglot.parse(block.text, read=block.context)


# -- the README as a front page ---------------------------------------------------------------


def test_readme_is_a_front_page_with_the_two_set_up_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    set_up = [block.text for block in blocks(REPO / "README.md") if block.language == "sh"]
    assert set_up[1] == TEST_COMMAND
    assert "amp-replay demo" in set_up[0]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in ci.splitlines()


def test_every_command_has_a_page_linked_from_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in COMMAND_ORDER:
        assert (DOCS / f"{command}.md").is_file(), command
        assert f"](docs/{command}.md)" in readme, command
    for page in DOCS.glob("*.md"):
        assert f"](docs/{page.name})" in readme, page.name


def long_options(command):
    """Every long option of a command and of its sub-commands (simulate explain is documented
    with simulate); not secondary names: --no-strict goes with --strict."""
    for parameter in command.params:
        yield from (option for option in parameter.opts if option.startswith("--"))
    for sub in getattr(command, "commands", {}).values():
        yield from long_options(sub)


def test_every_option_is_documented_on_its_commands_page():
    shared = (DOCS / "output.md").read_text(encoding="utf-8")
    for name, command in get_command(app).commands.items():
        page = (DOCS / f"{name}.md").read_text(encoding="utf-8")
        for option in set(long_options(command)) - {"--help"}:
            written = re.compile(rf"(?<![\w-]){re.escape(option)}(?![\w-])")
            assert written.search(page) or written.search(shared), f"{name} {option}"


# -- codes: one catalog, no drift -------------------------------------------------------------


def test_codes_page_is_the_catalogs():
    assert (DOCS / "codes.md").read_text(encoding="utf-8") == codes_page(), (
        "run scripts/generate-code-tables.py"
    )


def test_each_command_page_lists_its_codes_as_the_catalog_says():
    for code in CODES.values():
        page = (DOCS / f"{command_of(code.code)}.md").read_text(encoding="utf-8")
        assert docs_row(code) + "\n" in page, f"run scripts/generate-code-tables.py ({code.code})"


# -- links ------------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(heading) for heading in re.findall(r"^#+ (.*)$", text, re.M)}


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_relative_links_resolve(page):
    for link in links(page):
        if re.match(r"[a-z]+:", link):
            continue  # absolute URLs are not checked offline
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        assert path.exists(), f"{page.name}: {link}"
        if anchor:
            assert anchor in anchors(path), f"{page.name}: {link}"


def test_the_link_check_sees_a_broken_anchor(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("# Title\n\n[here](#title) [there](#nowhere)\n", encoding="utf-8")
    assert links(page) == ["#title", "#nowhere"]
    assert anchors(page) == {"title"}


def test_an_ellipsis_stands_for_part_of_a_line_or_for_lines():
    pattern = output_pattern(["a …", "…", "z"])
    assert pattern.fullmatch("a b c\nz\n")
    assert pattern.fullmatch("a \nx\ny\nz\n")
    assert not pattern.fullmatch("a b\nz\nextra\n")
    assert not output_pattern(["exact"]).fullmatch("exactly\n")


def cells(row: str) -> int:
    return len(re.split(r"(?<!\\)\|", row.strip())) - 2


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_table_rows_have_as_many_cells_as_their_header(page):
    """GitHub drops the cells past the header's: a meaning would vanish without a word."""
    header = None
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("|"):
            header = None
        elif header is None:
            header = cells(line)
        else:
            assert cells(line) == header, f"{page.name}:{number}"
