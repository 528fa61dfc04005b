"""In GitHub Actions (`-f auto` under GITHUB_ACTIONS=true) every command shows its result: the
rows text mode shows, as log lines and as a Markdown table in the step summary."""

from pathlib import Path

from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.github import ROWS_SHOWN, render_github
from tests.test_check import RECORDED, REPLAY_ID, WRAPPER, keys
from tests.test_diagnose import EXAMPLES, RECORDINGS
from tests.test_simulate import KNOWN_ID


def in_actions(summary: Path, **more: str) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), **more}


def test_upload_and_check_show_the_replay_id_in_the_log_and_the_step_summary(
    emulator, run, tmp_path
):
    summary = tmp_path / "summary.md"
    env = in_actions(summary, **keys(emulator))
    uploaded = run(
        "upload",
        WRAPPER,
        "--server-url",
        emulator.base_url,
        "--no-journal",
        "--link-event",
        "Recording Uploaded",
        "--user-id",
        "user-12345",
        env=env,
        expect=0,
    )
    [row] = [line for line in uploaded.stdout.splitlines() if REPLAY_ID in line]
    assert row.split()[:2] == ["uploaded", "accept"]
    assert f"| {REPLAY_ID} |" in summary.read_text()
    summary.unlink()
    day = f"{RECORDED:%Y-%m-%d}"
    checked = run(
        "check", "--user-id", "user-12345", "--start", day, "--end", day, env=env, expect=0
    )
    [row] = [line for line in checked.stdout.splitlines() if REPLAY_ID in line]
    assert "linked" in row.split() and "user-12345" in row.split()
    markdown = summary.read_text()
    assert "## amp-replay check: passed" in markdown and "### Replays" in markdown
    assert f"| linked | 1 | {REPLAY_ID} | user-12345 |" in markdown
    assert emulator.secret_key not in checked.stdout + markdown


def test_diagnose_shows_its_sessions(run, tmp_path):
    summary = tmp_path / "summary.md"
    path = EXAMPLES / "01_login_replay_device_is_userid.ndjson"
    result = run("diagnose", path, env=in_actions(summary), expect=1)
    lines = result.stdout.splitlines()
    assert lines[0] == "amp-replay diagnose: Sessions"
    assert lines[1].startswith("::stop-commands::")
    assert lines[3].split()[:5] == [
        "c2d9f1e0-7a4b-4c8e-b1d3-0f6e5a4b3c2d",
        "1741176000412",
        "6",
        "6/6",
        "yes",
    ]
    assert lines[4] == f"::{lines[1].removeprefix('::stop-commands::')}::"
    assert any(line.startswith("::error file=") for line in lines)
    markdown = summary.read_text()
    assert "| c2d9f1e0-7a4b-4c8e-b1d3-0f6e5a4b3c2d | 1741176000412 | 6 | 6/6 | yes |" in markdown


def test_diagnose_on_an_rrweb_recording_exits_2_in_actions_too(run, tmp_path):
    summary = tmp_path / "summary.md"
    result = run("diagnose", RECORDINGS / "pricing-tabs.json", env=in_actions(summary), expect=2)
    assert "::error file=" in result.stdout and "looks like an rrweb recording" in result.stdout
    assert "could not run" in summary.read_text()


def test_simulate_shows_its_summary(run, tmp_path):
    summary = tmp_path / "summary.md"
    result = run(
        "simulate", "--session-id", KNOWN_ID, "--sample-rate", "0.5", env=in_actions(summary)
    )
    assert "sampleRate 0.5 from --sample-rate" in result.stdout
    markdown = summary.read_text()
    assert "### Sampling" in markdown and "| recorded | 1 (100%) |" in markdown
    explained = run(
        "simulate", "explain", KNOWN_ID, "--sample-rate", "0.05", env=in_actions(summary)
    )
    assert "xxHash32 (seed 0)" in explained.stdout and "### Explanation" in summary.read_text()


def test_validate_lists_its_files_in_the_summary_and_with_v_in_the_log(run, write, tmp_path):
    summary = tmp_path / "summary.md"
    path = write("replay.json", '{"sampleRate": 0}')
    quiet = run("validate", path, env=in_actions(summary), expect=1)
    assert all(line.startswith("::") for line in quiet.stdout.splitlines())
    assert f"| {path} | findings |" in summary.read_text()
    verbose = run("validate", path, "-v", env=in_actions(summary), expect=1)
    assert f"{path}  findings" in verbose.stdout


def replay_rows(count: int, user: str = "u") -> list[dict]:
    return [
        {
            "event_time": "2026-11-28T10:00:00Z",
            "linked": True,
            "linked_events": 1,
            "replay_id": f"dev/{number}",
            "user_id": user,
        }
        for number in range(count)
    ]


def test_values_are_escaped_in_markdown_and_cannot_become_workflow_commands(tmp_path):
    summary = tmp_path / "summary.md"
    hostile = "<img src=x>|`tick`&\n::error::forged\x07\ud800"
    report = Report("check", result={"replays": replay_rows(1, hostile)})
    settings = OutputSettings(format="github", environ={"GITHUB_STEP_SUMMARY": str(summary)})
    log = render_github(report, settings)
    assert "::error::forged" in log  # inside the stop-commands block, on the same line...
    assert "\n::error" not in log  # ...never at the start of one
    assert "\\x0a::error::forged\\x07\\ud800" in log
    assert (
        "&lt;img src=x&gt;\\|&#96;tick&#96;&amp;\\x0a::error::forged\\x07\\ud800 |"
        in summary.read_text()
    )


def test_long_tables_are_folded_in_the_log_and_cut_in_the_summary(tmp_path):
    summary = tmp_path / "summary.md"
    report = Report("check", result={"replays": replay_rows(ROWS_SHOWN + 7)})
    settings = OutputSettings(format="github", environ={"GITHUB_STEP_SUMMARY": str(summary)})
    log = render_github(report, settings).splitlines()
    assert log[0] == f"::group::amp-replay check: Replays ({ROWS_SHOWN + 7})"
    assert log[-1] == "::endgroup::"
    assert "… 7 more rows; see the JSON report" in log
    markdown = summary.read_text()
    assert f"dev/{ROWS_SHOWN - 1} |" in markdown and f"dev/{ROWS_SHOWN} |" not in markdown
    assert "_… 7 more rows; see the JSON report._" in markdown
    short = render_github(Report("check", result={"replays": replay_rows(2)}), settings)
    assert short.startswith("amp-replay check: Replays\n::stop-commands::")


def test_an_unwritable_step_summary_is_one_clear_error(run, write, tmp_path):
    path = write("replay.json", '{"sampleRate": 0.5}')
    result = run("validate", path, env=in_actions(tmp_path), expect=2)
    assert result.stderr.startswith(
        f"amp-replay: error: cannot write the step summary {tmp_path} ($GITHUB_STEP_SUMMARY): "
    )
    assert "None" not in result.stderr
