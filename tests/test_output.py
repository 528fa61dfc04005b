import json
import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from amp_replay_cli.core.errors import InputError, Location
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.output import OutputSettings, redact, render, resolve_color
from amp_replay_cli.output.github import escape_data, escape_property, render_github
from amp_replay_cli.output.junit import render_junit
from amp_replay_cli.output.schema import output_schema

VALIDATOR = jsonschema.Draft202012Validator(output_schema())
BROKEN = "sampleRate: 0\nserverZone: eu\nunknownKey: 1\n"


def test_the_output_schema_is_a_valid_schema():
    jsonschema.Draft202012Validator.check_schema(output_schema())


@pytest.mark.parametrize(
    ("files", "exit_code", "status"),
    [
        ({"ok.yaml": "sampleRate: 0.1\ndeviceId: d\nsessionId: 1\n"}, 0, "ok"),
        ({"bad.yaml": BROKEN}, 1, "findings"),
        ({"bad.yaml": BROKEN, "broken.json": '{"a": '}, 2, "error"),
        ({"empty.yaml": ""}, 2, "error"),
    ],
)
def test_real_json_output_validates_against_the_schema(run, write, files, exit_code, status):
    paths = [write(name, content) for name, content in files.items()]
    result = run("validate", *paths, "-f", "json", expect=exit_code)
    document = json.loads(result.stdout)
    VALIDATOR.validate(document)
    assert (document["status"], document["exit_code"]) == (status, exit_code)
    if status == "error":
        assert document["error"]["kind"] == "input"
        assert document["error"]["problems"][0]["file"].endswith((".json", ".yaml"))


def test_json_findings_carry_every_field(run, write):
    path = write("bad.yaml", BROKEN)
    document = json.loads(run("validate", path, "-f", "json", expect=1).stdout)
    first = next(finding for finding in document["findings"] if finding["code"] == "AR101")
    assert first == {
        "code": "AR101",
        "severity": "error",
        "message": "sampleRate is 0: no session is recorded",
        "file": str(path),
        "line": 1,
        "column": 13,
        "path": "sampleRate",
        "hint": first["hint"],
        "evidence": None,
    }
    assert document["summary"] == {
        "files": 1,
        "unreadable": 0,
        "errors": 2,
        "warnings": 1,
        "infos": 2,
        "suppressed": 0,
    }
    assert document["result"]["files"][0]["sdk"] == ["standalone"]


def test_a_fatal_error_still_prints_the_envelope(run):
    result = run("validate", "missing.yaml", "-f", "json", expect=2)
    document = json.loads(result.stdout)
    VALIDATOR.validate(document)
    assert document["error"]["message"] == "missing.yaml: no such file"


# -- GitHub -----------------------------------------------------------------------------------
COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def parse_workflow_command(line):
    """Parse as the Actions runner does: properties split on ',' then '=', then unescaped."""
    match = COMMAND.match(line)
    assert match, line
    properties = {}
    if match["props"]:
        for pair in match["props"].split(","):
            key, _, value = pair.partition("=")
            properties[key] = unescape(value)
    return match["name"], properties, unescape(match["message"])


def unescape(text):
    for code, char in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(code, char)
    return text


def test_escaping_round_trips_through_the_runner_parser():
    awkward = "50% off: a,b\r\nnext"
    assert unescape(escape_data(awkward)) == awkward
    assert unescape(escape_property(awkward)) == awkward
    assert ":" not in escape_property(awkward) and "," not in escape_property(awkward)


def test_github_lines_are_workflow_commands_with_file_line_col(run, write, tmp_path):
    path = write("dir,with:odd/bad.yaml", BROKEN)
    summary = tmp_path / "step-summary.md"
    result = run(
        "validate", path, "-f", "github", env={"GITHUB_STEP_SUMMARY": str(summary)}, expect=1
    )
    lines = [line for line in result.stdout.splitlines() if line]
    assert all(line.startswith("::") for line in lines)
    parsed = [parse_workflow_command(line) for line in lines]
    names = [name for name, _, _ in parsed]
    assert names[0] == "group" and names[-1] == "endgroup"
    assert sorted(names[1:-1]) == ["error", "error", "notice", "notice", "warning"]
    _, properties, message = next(
        command for command in parsed if command[1].get("title") == "AR101 sampleRate"
    )
    assert properties == {"file": str(path), "line": "1", "col": "13", "title": "AR101 sampleRate"}
    assert message.startswith("sampleRate is 0") and "\nhint: " in message
    markdown = summary.read_text()
    assert "## amp-replay validate: found problems" in markdown
    assert "| error | " in markdown and "AR160" in markdown


def test_github_marks_warnings_as_errors_under_strict(run, write):
    result = run(
        "validate",
        write("w.yaml", "sampleRate: 0.1\ninlineImages: true\n"),
        "-f",
        "github",
        "--strict",
        "-q",
        expect=1,
    )
    kinds = [parse_workflow_command(line)[0] for line in result.stdout.splitlines()]
    assert kinds == ["group", "error", "endgroup"]


def test_github_reports_unreadable_inputs_as_annotations(run, write):
    path = write("broken.json", '{"a": 1,}')
    result = run("validate", path, "-f", "github", expect=2)
    [line] = result.stdout.splitlines()
    name, properties, message = parse_workflow_command(line)
    assert name == "error" and properties["line"] == "1" and properties["col"] == "9"
    assert "trailing comma" in message


# -- JUnit ------------------------------------------------------------------------------------
def test_junit_has_a_suite_per_file_and_failures_for_errors(run, write):
    bad = write("bad.yaml", BROKEN)
    good = write("good.yaml", "sampleRate: 0.1\ndeviceId: d\nsessionId: 1\n")
    broken = write("broken.yaml", "a: [")
    result = run("validate", bad, good, broken, "-f", "junit", expect=2)
    root = ET.fromstring(result.stdout)
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {str(bad), str(good), str(broken)}
    assert suites[str(bad)].get("failures") == "2"
    assert suites[str(good)].get("tests") == "1" and suites[str(good)].get("failures") == "0"
    assert suites[str(broken)].get("errors") == "1"
    assert root.get("failures") == "2" and root.get("errors") == "1"


def test_junit_keeps_warnings_as_passing_cases_with_output():
    report = Report(
        "validate",
        findings=[Finding("AR182", Severity.WARNING, "w", "f.yaml", 1, 1, "x")],
        subjects=["f.yaml"],
    )
    root = ET.fromstring(render_junit(report, OutputSettings()))
    case = root.find("testsuite/testcase")
    assert case.find("failure") is None and "warning: f.yaml:1:1: w" in case.find("system-out").text


# -- shared machinery -------------------------------------------------------------------------
def test_redact_covers_raw_json_and_xml_forms():
    secret = 'k"y<&>1234'
    escaped = (
        secret.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
    text = f'{secret} {json.dumps(secret)} <a b="{escaped}"/>'
    assert "k" not in redact(text, {secret}).replace("****", "")


@pytest.mark.parametrize(
    ("flag", "environ", "tty", "expected"),
    [
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {}, False, False),
        ("auto", {"TERM": "dumb"}, True, False),
    ],
)
def test_color_precedence(flag, environ, tty, expected):
    assert resolve_color(flag, environ, tty) is expected


def test_render_writes_errors_and_hints_to_stderr(capsys):
    report = Report(
        "validate",
        problems=[
            InputError("empty file", hint="fill it", location=Location("a.yaml")),
            InputError("bad", hint="fill it", location=Location("b.yaml", 3, 4)),
        ],
    )
    code = render(report, OutputSettings(format="text"))
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.splitlines()[:3] == [
        "amp-replay: error: a.yaml: empty file",
        "amp-replay: error: b.yaml:3:4: bad",
        "hint: fill it",
    ]


def test_render_github_without_findings_or_errors_prints_nothing():
    assert (
        render_github(Report("validate", subjects=["a.yaml"]), OutputSettings(format="github"))
        == ""
    )
