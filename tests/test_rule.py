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
