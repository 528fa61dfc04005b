"""Every code has a wrong and a right example (core/examples.py); those that are inputs of a
command that runs offline are run: the wrong one produces the code, the right one does not."""

import json
import shlex

import pytest

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.examples import EXAMPLES, ExampleKind

# Command lines the example project below lets run offline; the others (check, a real upload)
# need Amplitude, or files that only the comment describes.
RUNNABLE_COMMANDS = {"AR192", "AR202", "AR204", "AR205", "AR611"}


def test_every_code_has_a_wrong_and_a_right_example():
    missing = [code for code in CODES if code not in EXAMPLES]
    assert not missing, (
        f"codes without a wrong/right example in amp_replay_cli/core/examples.py: {missing}"
    )
    unknown = [code for code in EXAMPLES if code not in CODES]
    assert not unknown, f"examples of codes that are not in the catalog: {unknown}"
    for code, example in EXAMPLES.items():
        assert example.wrong.strip() and example.right.strip(), code
        assert example.wrong != example.right, code


def codes_found(result) -> set[str]:
    document = json.loads(result.stdout)
    return {finding["code"] for finding in document["findings"]}


def by_kind(*kinds):
    return [code for code, example in EXAMPLES.items() if example.kind in kinds]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder the command-line examples run in."""
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "session-replay.yaml").write_text("sampleRate: 0.05\n")
    (tmp_path / "session-replay.yaml").write_text("sampleRate: 0.05\n")
    (tmp_path / "remote.json").write_text(
        '{"sr_sampling_config": {"capture_enabled": true, "sample_rate": 0.5}}'
    )
    (tmp_path / "recording.json").write_text(EXAMPLES["AR601"].right)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_example(run, project, code, text):
    example = EXAMPLES[code]
    kind = example.kind
    if kind is ExampleKind.COMMAND:
        words = shlex.split(text.split("  #")[0])
        assert words[0] == "amp-replay", code
        # an upload is a dry run here: nothing is sent
        arguments = words[1:] + (["--dry-run"] if words[1] == "upload" else [])
    else:
        suffix = {
            ExampleKind.OPTIONS: ".yaml",
            ExampleKind.SEGMENT_EVENTS: ".ndjson",
            ExampleKind.SESSIONS: ".json",
        }.get(kind, ".json")
        path = project / f"example{suffix}"
        path.write_text(text)
        arguments = {
            ExampleKind.OPTIONS: [
                "validate",
                path,
                *(["--sdk", example.sdk] if example.sdk else []),
            ],
            ExampleKind.SEGMENT_EVENTS: ["diagnose", path],
            ExampleKind.RECORDING: ["upload", path, "--dry-run"],
            ExampleKind.REMOTE_CONFIG: ["simulate", "--generate", "10", "--remote-config", path],
            ExampleKind.SESSIONS: ["simulate", "--sample-rate", "0.05", "--sessions-file", path],
        }[kind]
    return codes_found(run(*arguments, "-f", "json"))


RUN = by_kind(
    ExampleKind.OPTIONS,
    ExampleKind.SEGMENT_EVENTS,
    ExampleKind.RECORDING,
    ExampleKind.REMOTE_CONFIG,
    ExampleKind.SESSIONS,
) + sorted(RUNNABLE_COMMANDS)


@pytest.mark.parametrize("code", RUN)
def test_the_wrong_example_has_the_code_and_the_right_one_not(run, project, code):
    example = EXAMPLES[code]
    assert code in run_example(run, project, code, example.wrong), "wrong"
    assert code not in run_example(run, project, code, example.right), "right"
