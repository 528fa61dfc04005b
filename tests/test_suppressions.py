"""Inline `# amp-replay: ignore[...]` comments in YAML."""

import json

import pytest

from amp_replay_cli.core.suppressions import comment_start, parse_suppressions

FILE = (
    "sampleRate: 1 # amp-replay: ignore[AR104]\n"
    "# amp-replay: ignore\n"
    "serverZone: eu\n"
    "logLevel: 4  # amp-replay: ignore[AR101, AR110]\n"
    "deviceId: d\n"
    "sessionId: 1\n"
)


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("# c", 0),
        ("a: 1 # c", 5),
        ("a: x#y", None),
        ("a: 'x # y'", None),
        ('a: "x # y" # z', 11),
    ],
)
def test_only_real_comments_count(line, start):
    assert comment_start(line) == start


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("ignor", "expected `ignore` or `ignore[CODE,...]`, found 'ignor'"),
        ("ignore[", "found 'ignore['"),
        ("ignore[]", "no code between the brackets"),
        ("ignore[AR999]", "unknown code AR999"),
    ],
)
def test_malformed_comments_are_warnings_naming_the_line(comment, problem):
    suppressions, malformed = parse_suppressions(f"a: 1\nb: 2  # amp-replay: {comment}\n", "f")
    assert suppressions == []
    (finding,) = malformed
    assert (finding.code, finding.severity.value, finding.line) == ("AR194", "warning", 2)
    assert problem in finding.message


def test_suppressed_findings_are_counted_listed_with_v_and_do_not_fail(run, write):
    path = write("r.yaml", FILE)
    result = run("validate", path, "-f", "json", expect=0)
    document = json.loads(result.stdout)
    assert document["summary"]["suppressed"] == 2
    assert [f["code"] for f in document["result"]["suppressed"]] == ["AR104", "AR160"]
    codes = [f["code"] for f in document["findings"]]
    assert "AR104" not in codes and "AR160" not in codes
    assert "AR180" in codes  # the comment on line 4 names other codes
    text = run("validate", path, "-v", expect=0)
    assert f"{path}:1:13: suppressed AR104" in text.stdout
    assert "2 suppressed" in text.stderr
    assert "suppressed AR104" not in run("validate", path).stdout


def test_a_comment_that_suppresses_nothing_is_a_warning(run, write):
    path = write("r.yaml", FILE)
    result = run("validate", path, "--strict", expect=1)
    assert f"{path}:4: warning AR193 suppression comment suppresses no finding of AR101, AR110" in (
        result.stdout
    )


def test_json_files_have_no_comments(run, write):
    path = write("r.json", '{"sampleRate": 0, "x": "# amp-replay: ignore"}')
    result = run("validate", path, "-f", "json", expect=1)
    assert json.loads(result.stdout)["summary"]["suppressed"] == 0


def test_the_documented_suppression_example_passes_strict(run, write):
    from tests.test_docs import DOCS

    page = (DOCS / "validate.md").read_text(encoding="utf-8")
    block = page.split("# config/staging/session-replay.yaml\n", 1)[1].split("```", 1)[0]
    result = run("validate", write("session-replay.yaml", block), "--strict", expect=0)
    assert "1 suppressed" in result.stderr
