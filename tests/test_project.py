"""Promises about the project itself: layering, docs, generated files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from amp_replay_cli.core.options.catalog import SdkLine
from amp_replay_cli.core.options.schema import options_schema

REPO = Path(__file__).resolve().parent.parent
AMP_REPLAY = Path(sys.executable).parent / ("amp-replay.exe" if os.name == "nt" else "amp-replay")


def test_core_imports_neither_typer_nor_rich():
    probe = (
        "import pkgutil, importlib, sys, amp_replay_cli.core as core\n"
        "for module in pkgutil.walk_packages(core.__path__, 'amp_replay_cli.core.'):\n"
        "    importlib.import_module(module.name)\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('typer', 'rich'))\n"
        "print(loaded)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


def test_changelog_has_an_unreleased_section():
    assert "## [Unreleased]" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("shell", "name"),
    [
        ("bash", "amp-replay.bash"),
        ("zsh", "_amp-replay"),
        ("fish", "amp-replay.fish"),
        ("powershell", "amp-replay.ps1"),
    ],
)
def test_completion_scripts_are_current(shell, name):
    environment = {**os.environ, "_AMP_REPLAY_COMPLETE": f"source_{shell}"}
    completed = subprocess.run(
        [str(AMP_REPLAY)], capture_output=True, text=True, env=environment, check=True
    )
    assert completed.stdout == (REPO / "completions" / name).read_text(encoding="utf-8"), (
        "run scripts/generate-completions.sh"
    )


def test_completion_answers_from_the_real_command_tree():
    environment = {
        **os.environ,
        "_AMP_REPLAY_COMPLETE": "complete_bash",
        "COMP_WORDS": "amp-replay validate --sdk ",
        "COMP_CWORD": "3",
    }
    completed = subprocess.run(
        [str(AMP_REPLAY)], capture_output=True, text=True, env=environment, check=True
    )
    assert completed.stdout.split() == ["standalone", "plugin", "segment-wrapper"]


@pytest.mark.parametrize("line", list(SdkLine))
def test_editor_schemas_are_current_and_valid(line):
    committed = json.loads(
        (REPO / "schemas" / f"session-replay-options.{line.value}.json").read_text("utf-8")
    )
    assert committed == options_schema(line), "run scripts/generate-schemas.sh"
    jsonschema.Draft7Validator.check_schema(committed)


def test_the_examples_follow_their_editor_schema():
    standalone = yaml.safe_load((REPO / "examples" / "session-replay.yaml").read_text("utf-8"))
    jsonschema.validate(standalone, options_schema(SdkLine.STANDALONE))
    wrapper = json.loads((REPO / "examples" / "segment-wrapper.json").read_text("utf-8"))
    errors = jsonschema.Draft7Validator(options_schema(SdkLine.SEGMENT_WRAPPER)).iter_errors(
        wrapper
    )
    # The editor sees the type-level mistakes; validate explains these and the rest.
    assert sorted(".".join(map(str, error.absolute_path)) for error in errors) == [
        "sessionReplayOptions",  # trackServerUrl is not an option of SDK 1.13.6
        "sessionReplayOptions.privacyConfig.maskSelector",
        "sessionReplayOptions.sampleRate",
        "sessionReplayOptions.serverZone",
    ]


def test_schema_command_prints_the_same_schemas(run):
    printed = json.loads(run("schema", "options", "--sdk", "plugin", expect=0).stdout)
    assert printed == options_schema(SdkLine.PLUGIN)
    assert json.loads(run("schema", "output", expect=0).stdout)["title"].startswith(
        "amp-replay --output-format json"
    )
