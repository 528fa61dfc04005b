"""action.yml: a composite action installing amp-replay from its own checkout; its shell steps
run here with bash in a fake GitHub environment.

The install step honours AMP_REPLAY_ACTION_PYTHON (a Python that has amp-replay already) so the
suite stays offline and fast: `pip install` of the checkout itself is not run here.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the action's steps are bash")


def test_a_composite_action_that_installs_from_its_own_path():
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert set(inputs) == {"command", "args", "output-format", "sarif-file"}
    assert inputs["command"]["required"] is True
    assert inputs["output-format"]["default"] == "github"
    install = STEPS[0]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert install["env"]["VENV"].startswith("${{ runner.temp }}/")
    assert 'pip install --quiet --disable-pip-version-check "$ACTION_PATH"' in install["run"]
    for step in STEPS:
        assert step["shell"] == "bash"
        # Inputs reach the scripts through env only: an expression in a script is an injection.
        assert "${{" not in step["run"]


def run_action(tmp_path, inputs, extra_env=None):
    """Every step, as the runner would run it: expressions substituted in `env`, the script
    run by `bash --noprofile --norc -eo pipefail`. The first failing step ends the action."""
    values = {f"inputs.{name}": spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update({f"inputs.{name}": value for name, value in inputs.items()})
    values.update({"github.action_path": str(REPO), "runner.temp": str(tmp_path)})
    summary = tmp_path / "step-summary.md"
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GITHUB_", "RUNNER_", "INPUT_"))
    }
    base.update(
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_ACTION_PATH=str(REPO),
        RUNNER_TEMP=str(tmp_path),
        AMP_REPLAY_ACTION_PYTHON=sys.executable,
        **(extra_env or {}),
    )
    outputs = []
    for number, step in enumerate(STEPS):
        env = dict(base)
        env.update(
            {
                key: EXPRESSION.sub(lambda match: values[match.group(1)], value)
                for key, value in step.get("env", {}).items()
            }
        )
        script = tmp_path / f"step-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        outputs.append(result)
        if result.returncode != 0:
            break
    return outputs, summary


def test_validate_fails_the_step_with_annotations_and_a_summary_table(tmp_path):
    replay = tmp_path / "my replay.json"  # a space: args split as a shell would
    replay.write_text('{"sampleRate": 0}', encoding="utf-8")
    steps, summary = run_action(tmp_path, {"command": "validate", "args": f"'{replay.name}' -v"})
    install, validate = steps
    assert install.returncode == 0 and "using " in install.stdout
    assert validate.returncode == 1, validate.stderr
    assert f"::error file={replay.name},line=1,col=16" in validate.stdout
    assert f"{replay.name}  findings" in validate.stdout  # -v: the files table in the log
    markdown = summary.read_text(encoding="utf-8")
    assert "## amp-replay validate: found problems" in markdown
    assert "| Severity | Location | Code | Option | Message |" in markdown


def fake_tool(tmp_path) -> dict[str, str]:
    """A stand-in `amp_replay_cli` first on PYTHONPATH that prints the arguments it got."""
    package = tmp_path / "fake" / "amp_replay_cli"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text("import json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    return {"PYTHONPATH": str(package.parent)}


def test_the_inputs_become_the_command_line(tmp_path):
    inputs = {
        "command": "simulate explain",
        "args": "'a b' $(touch pwned) \"c\"",
        "output-format": "json",
        "sarif-file": "out/amp.sarif",
    }
    steps, _ = run_action(tmp_path, inputs, fake_tool(tmp_path))
    assert json.loads(steps[-1].stdout) == [
        "simulate",
        "explain",
        "a b",
        "$(touch",
        "pwned)",
        "c",
        "-f",
        "json",
        "--report",
        "sarif=out/amp.sarif",
    ]
    assert not (tmp_path / "pwned").exists()
    steps, _ = run_action(tmp_path, {"command": "check", "args": ""}, fake_tool(tmp_path))
    assert json.loads(steps[-1].stdout) == ["check", "-f", "github"]


def test_unbalanced_quotes_in_args_are_one_error_line(tmp_path):
    steps, _ = run_action(tmp_path, {"command": "validate", "args": "'open"})
    assert steps[-1].returncode == 2
    assert steps[-1].stderr == "amp-replay action: error: the args input: No closing quotation\n"
