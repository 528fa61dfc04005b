"""--select, --ignore, --exit-zero, and findings that fail the run never hidden by -q."""

import json

import pytest

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.core.selection import Selection, parse_codes

# AR101 (error), AR160 (error: serverZone eu), AR142 (warning: unmaskSelector)
MIXED = "sampleRate: 0\nserverZone: eu\nprivacyConfig:\n  unmaskSelector: ['.name']\n"


def codes(result) -> set[str]:
    return {finding["code"] for finding in json.loads(result.stdout)["findings"]}


def test_parse_codes_splits_commas_and_repeats_and_accepts_prefixes():
    assert parse_codes(["AR14,ar101", " RPL_ ", "AR14"], "--select") == ("AR14", "AR101", "RPL_")


@pytest.mark.parametrize(
    ("value", "hint"),
    [("AR1011", "did you mean AR101?"), ("XYZ", "amp-replay rule --all")],
)
def test_a_code_matching_nothing_is_a_usage_error(value, hint):
    with pytest.raises(UsageError) as caught:
        parse_codes([value], "--ignore")
    assert f"--ignore: no finding code is or starts with '{value}'" in caught.value.message
    assert hint in (caught.value.hint or "")


def test_selection_selects_prefixes_and_ignore_wins():
    selection = Selection(select=("AR14",), ignore=("AR142",))
    assert selection.allows("AR140")
    assert not selection.allows("AR142")
    assert not selection.allows("AR101")
    assert Selection().allows("AR101")


def test_select_prefix_keeps_only_those_codes(run, write):
    path = write("r.yaml", MIXED)
    result = run("validate", path, "--select", "AR14", "-f", "json", expect=0)
    assert codes(result) == {"AR142"}
    assert json.loads(result.stdout)["summary"]["errors"] == 0


def test_ignore_drops_codes_and_the_run_passes_when_no_failing_finding_is_left(run, write):
    path = write("r.yaml", MIXED)
    result = run(
        "validate", path, "--ignore", "AR101,AR170", "--ignore", "AR160", "-f", "json", expect=0
    )
    assert codes(result) == {"AR142"}
    result = run("validate", path, "--ignore", "AR101", expect=1)
    assert "AR101" not in result.stdout
    assert "1 error, 1 warning" in result.stderr


def test_an_unknown_code_exits_2_before_any_work(run, write):
    path = write("r.yaml", MIXED)
    result = run("validate", path, "--select", "AR1O1", expect=2)
    assert "amp-replay: error: --select: no finding code is or starts with 'AR1O1'" in result.stderr
    assert "hint: did you mean AR101?" in result.stderr
    assert result.stdout == ""


def test_exit_zero_reports_but_exits_0(run, write):
    path = write("r.yaml", MIXED)
    result = run("validate", path, "--exit-zero", "-f", "json", expect=0)
    document = json.loads(result.stdout)
    assert document["status"] == "findings"
    assert document["exit_code"] == 0
    assert codes(result) == {"AR101", "AR160", "AR142", "AR170"}


def test_exit_zero_does_not_hide_input_errors(run, write):
    path = write("r.yaml", MIXED)
    run("validate", path, "missing.yaml", "--exit-zero", expect=2)


def test_select_applies_to_every_command(run, write):
    event = '{"type":"track","event":"x","anonymousId":"anon-1","messageId":"m-1"}'
    events = write("e.jsonl", event + "\nnot json\n")
    result = run("diagnose", events, "--ignore", "AR501", "-f", "json")
    assert "AR501" not in codes(result)
    assert "AR501" in codes(run("diagnose", events, "-f", "json"))


def test_qq_strict_still_shows_the_warning_that_fails_the_run(run, write):
    path = write("w.yaml", "sampleRate: 0.05\nprivacyConfig:\n  unmaskSelector: ['.name']\n")
    result = run("validate", path, "-qq", "--strict", expect=1)
    assert "warning AR142" in result.stdout
    assert "warning AR142" not in run("validate", path, "-qq", expect=0).stdout


def test_findings_added_while_rows_stream_are_chosen_too():
    report = Report(command="simulate", summary={"errors": 1, "warnings": 1})
    report.findings += [
        Finding("AR101", Severity.ERROR, "a"),
        Finding("AR104", Severity.WARNING, "b"),
    ]
    report.keep = lambda finding: finding.code != "AR101"
    report.finalize()
    assert [finding.code for finding in report.findings] == ["AR104"]
    assert report.summary == {"errors": 0, "warnings": 1}


def test_statistics_counts_the_findings_kept_per_code(run, write):
    path = write("r.yaml", MIXED)
    result = run("validate", path, "--statistics", "--ignore", "AR160", "-f", "json", expect=1)
    assert json.loads(result.stdout)["result"]["statistics"] == {"AR170": 2, "AR101": 1, "AR142": 1}
    text = run("validate", path, "--statistics", expect=1).stdout.splitlines()
    assert text[-4].split() == ["2", "AR170", CODES["AR170"].name]
    assert "statistics" not in json.loads(run("validate", path, "-f", "json").stdout)["result"]


def test_diagnose_statistics(run, write):
    event = '{"type":"track","event":"x","anonymousId":"anon-1","messageId":"m-1"}'
    events = write("e.jsonl", f"{event}\nnot json\nnor this\n")
    result = run("diagnose", events, "--statistics", "-f", "json")
    assert json.loads(result.stdout)["result"]["statistics"]["AR501"] == 2


def test_ignore_replaces_the_configurations_and_extend_ignore_adds_to_it(
    run, write, tmp_path, monkeypatch
):
    write(".amp-replay.toml", 'ignore = ["AR101", "AR170"]\n')
    path = write("r.yaml", MIXED)
    monkeypatch.chdir(tmp_path)
    assert codes(run("validate", path, "-f", "json")) == {"AR160", "AR142"}
    replaced = run("validate", path, "--ignore", "AR160", "-f", "json")
    assert codes(replaced) == {"AR101", "AR142", "AR170"}
    extended = run("validate", path, "--extend-ignore", "AR160", "-f", "json", expect=0)
    assert codes(extended) == {"AR142"}
    both = run("validate", path, "--ignore", "AR142", "--extend-ignore", "AR16", "-f", "json")
    assert codes(both) == {"AR101", "AR170"}


def test_extend_select_adds_to_the_select_in_effect(run, write, tmp_path, monkeypatch):
    path = write("r.yaml", MIXED)
    monkeypatch.chdir(tmp_path)
    everything = codes(run("validate", path, "-f", "json"))
    # nothing to add to "every code"
    assert codes(run("validate", path, "--extend-select", "AR14", "-f", "json")) == everything
    write(".amp-replay.toml", 'select = ["AR14"]\n')
    assert codes(run("validate", path, "-f", "json", expect=0)) == {"AR142"}
    extended = run("validate", path, "--extend-select", "AR160", "-f", "json", expect=1)
    assert codes(extended) == {"AR142", "AR160"}
    replaced = run("validate", path, "--select", "AR101", "--extend-select", "AR160", "-f", "json")
    assert codes(replaced) == {"AR101", "AR160"}


def test_an_unknown_code_in_an_extend_option_is_a_usage_error(run, write):
    path = write("r.yaml", MIXED)
    result = run("validate", path, "--extend-ignore", "AR9", expect=2)
    assert "--extend-ignore: no finding code is or starts with 'AR9'" in result.stderr
    assert (
        "--extend-select: no finding"
        in run("validate", path, "--extend-select", "X", expect=2).stderr
    )


def test_each_files_counts_are_those_of_the_findings_kept(run, write, tmp_path, monkeypatch):
    path = write("r.yaml", MIXED)
    other = write("other/s.json", '{"sampleRate": 0}')
    result = json.loads(
        run("validate", path, other, "--ignore", "AR101,AR160", "-f", "json", expect=0).stdout
    )
    entry, json_entry = result["result"]["files"]
    assert (entry["status"], entry["errors"], entry["warnings"]) == ("ok", 0, 1)
    assert entry["infos"] == sum(
        1 for f in result["findings"] if f["severity"] == "info" and f["file"] == str(path)
    )
    assert (json_entry["status"], json_entry["errors"]) == ("ok", 0)
    write("pyproject.toml", '[tool.amp-replay.per-file-ignores]\n"other/*" = ["AR101"]\n')
    monkeypatch.chdir(tmp_path)
    result = json.loads(run("validate", path, other, "-f", "json", expect=1).stdout)
    entry, json_entry = result["result"]["files"]
    assert (entry["status"], entry["errors"]) == ("findings", 2)
    assert (json_entry["status"], json_entry["errors"]) == ("ok", 0)
