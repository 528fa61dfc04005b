"""`amp-replay rule`: a code explained from the catalog."""

import json

from amp_replay_cli.core.codes import CODES


def test_rule_explains_a_code(run):
    result = run("rule", "ar130", expect=0)
    code = CODES["AR130"]
    assert result.stdout.splitlines()[0] == f"AR130 {code.name}"
    assert f"severity: error ({code.severity_note})" in result.stdout
    assert f"meaning:  {code.summary}" in result.stdout
    assert f"fix:      {code.fix}" in result.stdout


def test_rule_json(run):
    result = run("rule", "RPL_ORPHANED", "-f", "json", expect=0)
    (entry,) = json.loads(result.stdout)["result"]["rules"]
    assert entry["name"] == "rpl-orphaned"
    assert entry["severity_note"] is None


def test_rule_all_lists_every_code_one_a_line(run):
    result = run("rule", "--all", expect=0)
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(CODES)
    assert f"{len(CODES)} codes" in result.stderr


def test_an_unknown_code_exits_2_with_a_suggestion(run):
    result = run("rule", "AR1O1", expect=2)
    assert "amp-replay: error: unknown code 'AR1O1'" in result.stderr
    assert "hint: did you mean AR101?" in result.stderr
    result = run("rule", "nothing-like-it", expect=2)
    assert "amp-replay rule --all" in result.stderr


def test_no_code_and_no_all_is_a_usage_error(run):
    assert "use --all" in run("rule", expect=2).stderr


def test_rule_shows_a_wrong_and_a_right_example(run):
    from amp_replay_cli.core.examples import EXAMPLES

    lines = run("rule", "AR170", expect=0).stdout.splitlines()
    example = EXAMPLES["AR170"]
    wrong = lines.index("wrong (sessionReplayOptions, YAML, --sdk plugin):")
    right = lines.index("right:")
    assert lines[wrong + 1 : right] == ["    " + line for line in example.wrong.splitlines()]
    assert lines[right + 1] == "    " + example.right.strip()
    assert lines[right + 2].startswith("fix: ")


def test_rule_json_carries_the_example(run):
    (entry,) = json.loads(run("rule", "AR630", "-f", "json", expect=0).stdout)["result"]["rules"]
    assert entry["example"]["kind"] == "situation"
    assert "HTTP 400" in entry["example"]["wrong"]


def test_a_code_without_an_example_is_still_explained(run, monkeypatch):
    from amp_replay_cli.core import examples

    monkeypatch.delitem(examples.EXAMPLES, "AR182")
    result = run("rule", "AR182", expect=0)
    assert "wrong" not in result.stdout
    assert "fix:" in result.stdout
    (entry,) = json.loads(run("rule", "AR182", "-f", "json").stdout)["result"]["rules"]
    assert entry["example"] is None
