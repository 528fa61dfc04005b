import gzip
import json

import jsonschema
import pytest
from freezegun import freeze_time

from amp_replay_cli.core.sampling import Algorithm
from amp_replay_cli.output.schema import output_schema
from tests.oracle.sampling import is_in_sample

VALIDATOR = jsonschema.Draft202012Validator(output_schema())
# From the SDK's vectors: hash 4036424826, bucket 424826 with xxHash32.
KNOWN_ID = 1798247970550


def simulate_json(run, *args, expect=0, input=None):
    result = run("simulate", *args, "-f", "json", expect=expect, input=input)
    document = json.loads(result.stdout)
    VALIDATOR.validate(document)
    return document


def test_session_ids_from_the_command_line(run):
    document = simulate_json(
        run, "--session-id", KNOWN_ID, "--session-id", '"abc"', "--sample-rate", "0.5"
    )
    rows = document["result"]["sessions"]
    assert rows[0] == {
        "session_id": KNOWN_ID,
        "id_string": str(KNOWN_ID),
        "hash": 4036424826,
        "bucket": 424826,
        "in_sample": True,
        "min_rate": 0.424827,
        "captured": True,
    }
    assert rows[1]["session_id"] == "abc"
    assert document["summary"]["sessions"] == 2
    assert document["result"]["sampling"]["algorithm"] == "modern"


@pytest.mark.parametrize(
    ("argument", "value", "id_string"),
    [("1.0", 1.0, "1"), ('"1.0"', "1.0", "1.0"), ("abc", "abc", "abc"), ("1e21", 1e21, "1e+21")],
)
def test_command_line_ids_are_json_when_they_can_be(run, argument, value, id_string):
    [row] = simulate_json(run, "--session-id", argument, "--sample-rate", "1")["result"]["sessions"]
    assert (row["session_id"], row["id_string"]) == (value, id_string)


def test_rows_agree_with_the_sampling_function(run, write):
    ids = [KNOWN_ID, "001722737089414", 0, -5, 9007199254740993, 1.5, "会话2796", ""]
    path = write("ids.json", json.dumps(ids))
    for sdk in ("modern", "legacy"):
        document = simulate_json(
            run, "--sessions-file", path, "--sample-rate", "0.33", "--sdk", sdk
        )
        rows = document["result"]["sessions"]
        assert [row["in_sample"] for row in rows] == [
            is_in_sample(v, 0.33, Algorithm(sdk)) for v in ids
        ]
        assert [row["captured"] for row in rows] == [
            bool(v) and is_in_sample(v, 0.33, Algorithm(sdk)) for v in ids
        ]


def test_falsy_ids_are_never_recorded_and_are_named(run, write):
    path = write("ids.json", '[0, "", null, 17]')
    document = simulate_json(run, "--sessions-file", path, "--sample-rate", "1")
    assert [row["captured"] for row in document["result"]["sessions"]] == [
        False,
        False,
        False,
        True,
    ]
    assert [(f["code"], f["line"]) for f in document["findings"]] == [("AR205", 1)] * 3
    assert document["summary"]["recordable"] == 1


def test_sessions_file_lines_gzip_and_stdin(run, write):
    lines = write("ids.txt", f"{KNOWN_ID}\n\n abc\r\n")
    rows = simulate_json(run, "--sessions-file", lines, "--sample-rate", "1")["result"]["sessions"]
    assert [row["id_string"] for row in rows] == [str(KNOWN_ID), " abc"]
    packed = write("ids.json.gz", gzip.compress(json.dumps([KNOWN_ID, "x"]).encode()))
    assert (
        len(
            simulate_json(run, "--sessions-file", packed, "--sample-rate", "1")["result"][
                "sessions"
            ]
        )
        == 2
    )
    rows = simulate_json(run, "--sessions-file", "-", "--sample-rate", "1", input="[1, 2, 3]")[
        "result"
    ]["sessions"]
    assert [row["id_string"] for row in rows] == ["1", "2", "3"]


def test_a_broken_sessions_file_still_gives_an_envelope_with_exit_2(run, write):
    path = write("ids.json", "[1, 2,\n 3 4]")
    document = simulate_json(run, "--sessions-file", path, "--sample-rate", "1", expect=2)
    assert document["status"] == "error"
    assert (
        document["error"]["message"]
        == f"{path}:2:4: JSON syntax error: expected ',' or ']', found '4'"
    )
    assert len(document["result"]["sessions"]) == 3


def test_items_that_are_not_ids_are_skipped_with_their_line(run, write):
    path = write("ids.json", '[1,\n{"a": 1},\n2]')
    document = simulate_json(run, "--sessions-file", path, "--sample-rate", "1")
    assert [row["id_string"] for row in document["result"]["sessions"]] == ["1", "2"]
    assert [(f["code"], f["line"]) for f in document["findings"]] == [("AR206", 2)]


def test_segment_events_give_one_decision_per_session(run, write):
    events = [
        {"type": "page", "integrations": {"Actions Amplitude": {"session_id": KNOWN_ID}}},
        {"type": "track", "integrations": {"Actions Amplitude": {"session_id": KNOWN_ID}}},
        {"type": "track", "integrations": {"Actions Amplitude": {"session_id": 1741083302121}}},
        {"type": "identify", "integrations": {}},
    ]
    text = (
        "\n".join(json.dumps(event) for event in events[:2])
        + "\nnot json\n"
        + "\n".join(json.dumps(event) for event in events[2:])
        + "\n"
    )
    path = write("segment.ndjson", text)
    document = simulate_json(run, "--segment", path, "--sample-rate", "1")
    assert [row["session_id"] for row in document["result"]["sessions"]] == [
        KNOWN_ID,
        1741083302121,
    ]
    codes = {(f["code"], f["line"]) for f in document["findings"]}
    assert codes == {("AR206", 3), ("AR207", None)}


def test_segment_json_array_and_batch_files(run, write):
    event = {"integrations": {"Actions Amplitude": {"session_id": 5}}}
    array = write("events.json", json.dumps([event, event]))
    assert (
        len(simulate_json(run, "--segment", array, "--sample-rate", "1")["result"]["sessions"]) == 1
    )
    batch = write("batch.json", json.dumps({"batch": [event]}, indent=2))
    assert (
        len(simulate_json(run, "--segment", batch, "--sample-rate", "1")["result"]["sessions"]) == 1
    )


def test_the_shared_example_logs_are_read(run):
    from tests.conftest import REPO

    examples = REPO / "tests" / "data" / "identity"
    for path in sorted(p for p in examples.glob("*.ndjson") if "amplitude_export" not in p.name):
        document = simulate_json(run, "--segment", path, "--sample-rate", "1")
        without_session = [f for f in document["findings"] if f["code"] == "AR207"]
        assert document["summary"]["sessions"] >= 1 or without_session, path


@freeze_time("2026-11-29T12:00:00Z")
def test_generated_ids_are_repeatable_millisecond_timestamps(run):
    first = simulate_json(run, "--generate", "50", "--sample-rate", "0.5", "--seed", "7")["result"][
        "sessions"
    ]
    again = simulate_json(run, "--generate", "50", "--sample-rate", "0.5", "--seed", "7")["result"][
        "sessions"
    ]
    assert first == again
    now = 1795953600000  # 2026-11-29T12:00:00Z
    assert all(now - 30 * 86_400_000 <= row["session_id"] < now for row in first)
    assert max(row["session_id"] for row in first) > now - 86_400_000
    windowed = simulate_json(
        run,
        "--generate",
        "5",
        "--start",
        "2026-01-01",
        "--end",
        "2026-01-02",
        "--sample-rate",
        "0.5",
    )["result"]["sessions"]
    assert all(1767225600000 <= row["session_id"] < 1767312000000 for row in windowed)


def test_summary_counts_and_the_expected_range(run):
    document = simulate_json(run, "--generate", "20000", "--sample-rate", "0.05")
    summary = document["summary"]
    assert summary["sessions"] == 20000 and summary["expected_rate"] == 0.05
    assert summary["expected_captured"] == 1000
    low, high = summary["interval_95"]
    assert low < 1000 < high
    assert sum(summary["histogram"]) == 20000
    assert summary["captured"] == sum(row["captured"] for row in document["result"]["sessions"])


def test_rate_and_hash_from_a_config_file(run, write):
    standalone = write("replay.yaml", "sampleRate: 0.25\n")
    sampling = simulate_json(run, "--session-id", "1", "--config", standalone)["result"]["sampling"]
    assert (sampling["sample_rate"], sampling["algorithm"]) == (0.25, "modern")
    assert sampling["rate_source"] == f"{standalone} (sampleRate, line 1)"
    wrapper = write(
        "wrapper.json", '{"amplitudeApiKey": "k", "sessionReplayOptions": {"sampleRate": "0.5"}}'
    )
    sampling = simulate_json(run, "--session-id", "1", "--config", wrapper)["result"]["sampling"]
    assert (sampling["sample_rate"], sampling["configured"], sampling["algorithm"]) == (
        0.5,
        "0.5",
        "legacy",
    )
    sampling = simulate_json(run, "--session-id", "1", "--config", wrapper, "--sdk", "modern")[
        "result"
    ]["sampling"]
    assert sampling["algorithm"] == "modern"


def test_a_config_without_sample_rate_records_nothing(run, write):
    document = simulate_json(
        run, "--session-id", "1", "--config", write("c.yaml", "debugMode: true\n")
    )
    assert document["summary"]["captured"] == 0
    assert [f["code"] for f in document["findings"]] == ["AR204"]


@pytest.mark.parametrize(
    ("remote", "local", "capture", "rate", "codes"),
    [
        (
            {
                "configs": {
                    "sessionReplay": {
                        "sr_sampling_config": {"sample_rate": 1, "capture_enabled": True}
                    }
                }
            },
            "0.01",
            True,
            1.0,
            ["AR202"],
        ),
        (
            {"configs": {"sessionReplay": {"sr_sampling_config": {"sample_rate": 1}}}},
            "0.01",
            False,
            1.0,
            ["AR201", "AR202"],
        ),
        (
            {"configs": {"sessionReplay": {"sr_sampling_config": {"capture_enabled": False}}}},
            "1",
            False,
            1.0,
            ["AR201"],
        ),
        ({"configs": {"sessionReplay": {"sr_sampling_config": {}}}}, "0.5", True, 0.5, []),
        ({"configs": {"sessionReplay": {"sr_privacy_config": {}}}}, "0.5", True, 0.5, []),
        ({"configs": {}}, "1", False, 1.0, ["AR201"]),
        (
            {"sr_sampling_config": {"sample_rate": None, "capture_enabled": True}},
            "1",
            True,
            0.0,
            ["AR202", "AR204"],
        ),
        (
            {
                "sessionReplay": {
                    "sr_sampling_config": {"sample_rate": 0.2, "capture_enabled": True},
                    "sr_targeting_config": {"key": "sr"},
                }
            },
            "1",
            True,
            0.2,
            ["AR202", "AR203"],
        ),
    ],
)
def test_remote_configuration_precedence(run, write, remote, local, capture, rate, codes):
    path = write("remote.json", json.dumps(remote))
    document = simulate_json(
        run, "--generate", "200", "--sample-rate", local, "--remote-config", path
    )
    sampling = document["result"]["sampling"]
    assert (sampling["capture_enabled"], sampling["sample_rate"]) == (capture, rate)
    assert sorted(f["code"] for f in document["findings"]) == codes
    if not capture:
        assert (
            document["summary"]["captured"] == 0 and document["summary"]["expected_captured"] == 0
        )


def test_a_remote_rate_alone_is_enough(run, write):
    path = write(
        "remote.json",
        '{"configs": {"sessionReplay": {"sr_sampling_config": '
        '{"sample_rate": 1, "capture_enabled": true}}}}',
    )
    assert (
        simulate_json(run, "--session-id", "5", "--remote-config", path)["summary"]["captured"] == 1
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--session-id", "1"], "no sample rate"),
        (["--sample-rate", "0.1"], "no session ids"),
        (["--session-id", "1", "--sample-rate", "0.1", "--config", "x.yaml"], "not both"),
        (
            ["--sample-rate", "0.1", "--generate", "5", "--start", "yesterday"],
            "--start 'yesterday'",
        ),
        (
            [
                "--sample-rate",
                "0.1",
                "--generate",
                "5",
                "--start",
                "2026-02-01",
                "--end",
                "2026-01-01",
            ],
            "before",
        ),
        (
            ["--sample-rate", "0.1", "--start", "2026-02-01", "--session-id", "1"],
            "go with --generate",
        ),
        (["oops", "1", "--sample-rate", "0.1"], "explain ID"),
        (["--sessions-file", "missing.json", "--sample-rate", "0.1"], "missing.json: no such file"),
    ],
)
def test_usage_and_input_errors_exit_2(run, args, message):
    result = run("simulate", *args, expect=2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_explain_tells_the_story(run):
    result = run("simulate", "explain", KNOWN_ID, "--sample-rate", "0.05", expect=0)
    assert "xxHash32 (seed 0) of its 13 UTF-8 bytes is 4036424826." in result.stdout
    assert "Its bucket is 4036424826 mod 1000000 = 424826" in result.stdout
    assert "Any sampleRate of 0.424827 or more would record it." in result.stdout
    assert "Recorded: no." in result.stdout
    document = json.loads(
        run(
            "simulate",
            "explain",
            KNOWN_ID,
            "--sample-rate",
            "0.5",
            "--sdk",
            "legacy",
            "-f",
            "json",
            expect=0,
        ).stdout
    )
    VALIDATOR.validate(document)
    assert document["result"]["session"]["in_sample"] is is_in_sample(
        KNOWN_ID, 0.5, Algorithm.LEGACY
    )
    assert document["result"]["other_algorithm"]["bucket"] == 424826


@pytest.mark.parametrize(
    "args",
    [
        ["--sample-rate", "0.05", "explain", KNOWN_ID],
        ["-f", "json", "explain", KNOWN_ID, "--sample-rate", "0.05"],
        ["--sdk", "legacy", "--sample-rate", "0.05", "--", "explain", KNOWN_ID],
    ],
)
def test_options_may_come_before_explain(run, args):
    after = [arg for arg in args if arg != "--"]
    after.remove("explain")
    after.remove(KNOWN_ID)
    before = run("simulate", *args, expect=0)
    assert before.stdout == run("simulate", "explain", KNOWN_ID, *after, expect=0).stdout


def test_explain_is_a_sub_command_with_its_own_help_and_completion(run):
    group = run("simulate", "--help", expect=0).stdout
    assert "Usage: amp-replay simulate [OPTIONS] [explain ID]" in group
    assert "explain  Tell why one session is or is not recorded" in group
    explain = run("simulate", "explain", "--help", expect=0).stdout
    assert "Usage: amp-replay simulate explain [OPTIONS] ID" in explain
    assert "--sample-rate" in explain and "--output-format" in explain
    assert "--session-id" not in explain and "--generate" not in explain
    completion = {
        "_AMP_REPLAY_COMPLETE": "complete_bash",
        "COMP_WORDS": "amp-replay simulate ex",
        "COMP_CWORD": "2",
    }
    assert run(env=completion, expect=0).stdout == "explain\n"


def test_the_root_help_lists_simulate_in_workflow_order_though_it_is_a_group(run):
    from amp_replay_cli.cli.app import COMMAND_ORDER

    listed = [
        line.split()[1]
        for line in run("--help", expect=0).stdout.splitlines()
        if line.startswith("│ ") and line.split()[1] in COMMAND_ORDER
    ]
    assert listed == list(COMMAND_ORDER)
    assert COMMAND_ORDER.index("simulate") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explain", "--sample-rate", "0.1"], "Missing argument 'ID'"),
        (["explain", "1", "2", "--sample-rate", "0.1"], "unexpected extra argument"),
        (["explain", "1", "--session-id", "2", "--sample-rate", "0.1"], "No such option"),
    ],
)
def test_explain_usage_errors_exit_2(run, args, message):
    result = run("simulate", *args, expect=2)
    assert message in result.stderr


def test_text_output_shows_rows_for_few_sessions_and_totals(run):
    result = run("simulate", "--session-id", KNOWN_ID, "--sample-rate", "0.5", expect=0)
    assert f"{KNOWN_ID}   4036424826  424826" in result.stdout
    assert "1 sessions, 1 with a usable id: 1 recorded" in result.stdout
    assert "0.4-0.5 " in result.stdout
    assert "1 of 1 sessions recorded" in result.stderr
    many = run("simulate", "--generate", "500", "--sample-rate", "0.5", expect=0)
    assert "rows not shown for more than 100 sessions" in many.stdout
    assert (
        len(
            run(
                "simulate", "--generate", "500", "--sample-rate", "0.5", "-v", expect=0
            ).stdout.splitlines()
        )
        > 500
    )


def test_github_and_junit_outputs_work_for_simulate(run, write):
    result = run(
        "simulate",
        "--sessions-file",
        write("ids.json", "[0, 1]"),
        "--sample-rate",
        "1",
        "-f",
        "github",
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "amp-replay simulate: Sampling"  # the summary table, then annotations
    assert lines[lines.index("::endgroup::") - 1].startswith("::warning ")
    junit = run(
        "simulate", "--session-id", "1", "--sample-rate", "1", "-f", "junit", expect=0
    ).stdout
    assert "<testsuite " in junit


def test_bad_lines_beyond_the_cap_are_counted_in_one_finding(run, write):
    path = write("ids.json", "[\n1767225600000,\n" + "[],\n" * 103 + "1\n]")
    findings = simulate_json(run, "--sessions-file", path, "--sample-rate", "1")["findings"]
    skipped = [item for item in findings if item["code"] == "AR206"]
    assert len(skipped) == 101
    assert [item["line"] for item in skipped[:2]] == [3, 4]
    assert skipped[-1]["message"] == "3 more AR206 findings not listed"


def test_a_negative_legacy_hash_stays_in_its_column(run):
    # The legacy hash is a signed 32-bit integer: -1618673742 takes 11 characters.
    result = run(
        "simulate", "--session-id", "1794291043910", "--sdk", "legacy", "--sample-rate", "0.5"
    )
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("session_id"))
    row = next(line for line in lines if "-1618673742" in line)
    assert header.index("hash") + len("hash") == row.index("-1618673742") + len("-1618673742")
    assert header.index("bucket") + len("bucket") == row.index("886002") + len("886002")
