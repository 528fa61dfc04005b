import json
import subprocess
import sys

import pytest

CLEAN = "sampleRate: 0.05\ndeviceId: d-1\nsessionId: 1767225600123\n"
BROKEN = "sampleRate: 0\nserverZone: eu\n"
WARNS = "sampleRate: 0.05\ndeviceId: d-1\nsessionId: 1\ninlineImages: true\n"


def test_a_clean_file_exits_0_with_nothing_on_stdout(run, write):
    result = run("validate", write("ok.yaml", CLEAN), expect=0)
    assert result.stdout == ""
    assert "no findings in 1 file" in result.stderr


def test_findings_exit_1_and_print_file_line_column(run, write):
    path = write("bad.yaml", BROKEN)
    result = run("validate", path, expect=1)
    assert f"{path}:1:13: error AR101 sampleRate is 0" in result.stdout
    assert f"{path}:2:13: error AR160" in result.stdout
    assert "hint: write EU" in result.stdout
    assert "2 errors" in result.stderr


def test_warnings_pass_unless_strict(run, write):
    path = write("w.yaml", WARNS)
    run("validate", path, expect=0)
    run("validate", path, "--strict", expect=1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ("- just\n- a list\n", "1:1: not a mapping: the top level is an array"),
        ("sampleRate: [1\n", "2:1: YAML syntax error"),
        (b"sampleRate: \xff\n", "1:13: invalid UTF-8"),
        ("a: &a [*a]\n", "recursive alias"),
    ],
)
def test_unreadable_inputs_exit_2_with_one_line_and_no_traceback(run, write, content, message):
    path = write("in.yaml", content)
    result = run("validate", path, expect=2)
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"amp-replay: error: {path}")
    assert message in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_file_is_an_input_error_but_other_files_are_still_checked(run, write):
    path = write("bad.yaml", BROKEN)
    result = run("validate", path, "missing.yaml", expect=2)
    assert "error AR101" in result.stdout
    assert "amp-replay: error: missing.yaml: no such file" in result.stderr


def test_stdin(run):
    result = run("validate", "-", input=BROKEN, expect=1)
    assert "<stdin>:1:13: error AR101" in result.stdout
    result = run(
        "validate", "-", input='{"sampleRate": 0.1, "deviceId": "d", "sessionId": 1}', expect=0
    )


def test_directories_and_globs(run, write, tmp_path, monkeypatch):
    write("configs/a.yaml", CLEAN)
    write("configs/nested/b.json", '{"sampleRate": 0}')
    write("configs/readme.md", "# not a config")
    monkeypatch.chdir(tmp_path)
    result = run("validate", "configs", expect=1)
    assert "configs/nested/b.json:1:16: error AR101" in result.stdout
    assert "in 2 files" in result.stderr
    run("validate", "configs/*.yaml", expect=0)
    result = run("validate", "nothing/*.yaml", expect=2)
    assert "no file matches this pattern" in result.stderr


def test_sdk_flag_overrides_the_inferred_line(run, write):
    path = write("p.yaml", "sampleRate: 0.1\nserverZone: EU\n")
    run("validate", path, "--sdk", "standalone", "-q", expect=0)
    result = run("validate", path, "--sdk", "plugin", "--strict", expect=1)
    assert "AR112" in result.stdout


def test_env_development(run, write):
    path = write("dev.yaml", "sampleRate: 1\ndebugMode: true\ndeviceId: d\nsessionId: 1\n")
    run("validate", path, "--strict", expect=1)
    run("validate", path, "--strict", "--env", "development", expect=0)


def test_quiet_and_verbose(run, write):
    path = write("v.yaml", "sampleRate: 0.1\ninlineImages: true\n")
    assert "info AR170" in run("validate", path).stdout
    quiet = run("validate", path, "-q").stdout
    assert "info" not in quiet and "warning AR182" in quiet
    assert run("validate", path, "-qq").stdout == ""
    errors_stay = run("validate", write("e.yaml", BROKEN), "-qq", expect=1).stdout
    assert "error AR101" in errors_stay
    verbose = run("validate", write("ok.yaml", CLEAN), "-v").stdout
    assert "ok.yaml: ok (SDK line standalone, inferred)" in verbose


def test_color_follows_the_flag_then_no_color(run, write):
    path = write("bad.yaml", BROKEN)
    assert "\x1b[" in run("validate", path, "--color", "always", env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in run("validate", path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b[" in run("validate", path, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in run("validate", path, "--color", "never", env={"FORCE_COLOR": "1"}).stdout


def test_output_file_holds_the_report_and_stdout_stays_empty(run, write, tmp_path):
    target = tmp_path / "out" / "report.json"
    result = run("validate", write("bad.yaml", BROKEN), "-f", "json", "-o", target, expect=1)
    assert result.stdout == ""
    assert json.loads(target.read_text())["status"] == "findings"
    assert not [p for p in target.parent.iterdir() if p.name != "report.json"]


def test_an_unwritable_output_file_is_an_input_error(run, write, tmp_path):
    blocker = write("blocker", "x")
    result = run("validate", write("ok.yaml", CLEAN), "-o", blocker / "report.txt", expect=2)
    assert "amp-replay: error: cannot write" in result.stderr


def test_auto_format_is_github_under_actions(run, write):
    result = run("validate", write("bad.yaml", BROKEN), env={"GITHUB_ACTIONS": "true"}, expect=1)
    assert result.stdout.startswith("::group::")


def test_format_from_the_environment(run, write):
    result = run(
        "validate", write("bad.yaml", BROKEN), env={"AMP_REPLAY_OUTPUT_FORMAT": "json"}, expect=1
    )
    assert json.loads(result.stdout)["command"] == "validate"


SECRET = "9f8e7d6c5b4a39281716f5e4d3c2b1a0"


@pytest.mark.parametrize("output_format", ["text", "json", "github", "junit", "sarif", "gitlab"])
def test_credentials_never_appear_in_any_format(run, write, output_format, tmp_path):
    text = (
        f"amplitudeApiKey: {SECRET}\nsessionReplayOptions:\n  apiKey: {SECRET}\n  sampleRate: 0\n"
        f"  trackServerUrl: 'https://proxy.example.com/{SECRET}?x=1'\nsecretKey: {SECRET}\n"
    )
    summary = tmp_path / "summary.md"
    result = run(
        "validate",
        write("call.yaml", text),
        "-f",
        output_format,
        "-v",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
        expect=1,
    )
    everything = result.stdout + result.stderr + (summary.read_text() if summary.exists() else "")
    assert SECRET not in everything
    assert "AR190" in everything


def test_credentials_of_the_wrong_type_are_not_echoed(run, write):
    result = run(
        "validate", write("call.yaml", "amplitudeApiKey: 12345678901234\n"), "-f", "json", expect=1
    )
    assert "12345678901234" not in result.stdout


def test_environment_credentials_are_redacted_from_output(run, write):
    result = run(
        "validate",
        write("c.yaml", "sampleRate: 0.1\ntrackServerUrl: 'https://x.example.com/envkey-777?a'\n"),
        env={"AMPLITUDE_API_KEY": "envkey-777"},
    )
    assert "envkey-777" not in result.stdout + result.stderr


def test_internal_errors_exit_5_with_a_hint_and_no_traceback(run, write, monkeypatch):
    import amp_replay_cli.core.validate as core

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(core, "validate", explode)
    result = run("validate", write("ok.yaml", CLEAN), expect=5)
    assert "amp-replay: error: internal error: RuntimeError: boom" in result.stderr
    assert "re-run with --debug" in result.stderr
    assert "Traceback" not in result.stderr
    debug = run("validate", write("ok.yaml", CLEAN), "--debug", expect=5)
    assert "Traceback" in debug.stderr


def test_interruption_exits_130(run, write, monkeypatch):
    import amp_replay_cli.core.validate as core

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(core, "validate", interrupted)
    result = run("validate", write("ok.yaml", CLEAN), "-f", "json", expect=130)
    assert json.loads(result.stdout)["error"]["kind"] == "interrupted"


def test_usage_errors_exit_2(run):
    run("validate", expect=2)
    run("validate", "x.yaml", "--sdk", "nope", expect=2)
    run("validate", "x.yaml", "-f", "xml", expect=2)


def test_version(run):
    from amp_replay_cli import __version__

    assert run("--version", expect=0).stdout.strip() == f"amp-replay {__version__}"


def test_module_entry_point(write):
    completed = subprocess.run(
        [sys.executable, "-m", "amp_replay_cli", "validate", str(write("bad.yaml", BROKEN))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1
    assert "AR101" in completed.stdout


def test_output_file_that_is_a_pipe_is_written_in_place(run, write, tmp_path):
    """Renaming a temporary file over a device or FIFO (think -o /dev/null) would replace it."""
    import os
    import stat
    import threading

    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    run("validate", write("bad.yaml", BROKEN), "-f", "json", "-o", fifo, expect=1)
    reader.join(timeout=10)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["status"] == "findings"


def test_an_output_file_that_is_an_input_is_refused_and_left_alone(run, write):
    options = write("options.yaml", BROKEN)
    before = options.read_bytes()
    result = run("validate", options, "-f", "json", "-o", options, expect=2)
    assert "it is an input of this run" in result.stderr
    assert options.read_bytes() == before


def test_a_missing_report_directory_is_made_and_said(run, write, tmp_path):
    target = tmp_path / "reports" / "validate.json"
    result = run("validate", write("ok.yaml", CLEAN), "-f", "json", "-o", target)
    assert target.is_file()
    assert f"created the directory {target.parent}" in result.stderr


# -- size limits: memory is protected, real generated configurations are not refused ----------
def test_a_generated_configuration_over_the_old_5_mib_limit_is_read(run, write):
    header = "# generated: one line per blocked widget\n" * 160_000  # 6.4 MB of comment
    path = write("generated.yaml", header + "sampleRate: 0.05\n")
    result = run("validate", path, "-q", "--env", "development", expect=0)
    assert result.stderr == ""


def test_max_file_size_refuses_a_larger_file_naming_the_limit_and_the_flag(run, write):
    path = write("options.yaml", "sampleRate: 0.05\n" + "#" * 2048 + "\n")
    result = run("validate", path, "--max-file-size", "1KiB", expect=2)
    assert f"{path}: larger than the 1 KiB limit of a configuration file" in result.stderr
    assert "hint: validate --max-file-size SIZE" in result.stderr
    run("validate", path, "--max-file-size", "3K", "--env", "development", expect=0)


def test_max_file_size_must_be_a_size(run, write):
    path = write("options.yaml", "sampleRate: 0.05\n")
    result = run("validate", path, "--max-file-size", "big", expect=2)
    assert "--max-file-size 'big' is not a size" in result.stderr


def test_values_past_the_old_100000_are_read_and_max_values_lowers_the_cap(run, write):
    # 8 lists of 20,000 user properties' values: 160,000 values once the aliases are expanded.
    values = ", ".join(["1"] * 20_000)
    properties = "\n".join(f"    p{index}: *values" for index in range(8))
    text = f"sampleRate: 0.05\nanchors: &values [{values}]\nuserProperties:\n{properties}\n"
    path = write("aliases.yaml", text)
    result = run("validate", path, "--env", "development")
    assert result.exit_code == 0 and "AR110" in result.stdout  # `anchors` is unknown: read
    result = run("validate", path, "--max-values", "100000", expect=2)
    assert "more than 100,000 values once aliases are expanded" in result.stderr
    assert "hint: validate --max-values N raises the limit" in result.stderr


@pytest.mark.parametrize("option", ["--max-file-size", "--max-values"])
def test_the_limit_flags_are_in_the_help(run, option):
    assert option in run("validate", "--help", expect=0).stdout
