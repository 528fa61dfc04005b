"""Project configuration: found upward, select/ignore as defaults that flags override."""

import json

import pytest
import typer
from typer.main import get_command

from amp_replay_cli.cli.app import app
from amp_replay_cli.cli.configuration import configuration_spec
from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.settings import ProjectSettings, load_settings


def app_spec():
    """The configuration keys of the real app."""
    root = get_command(app)
    return configuration_spec(root, typer.Context(root))


SPEC = app_spec()

MIXED = "sampleRate: 0\nserverZone: eu\n"


def codes(result) -> set[str]:
    return {finding["code"] for finding in json.loads(result.stdout)["findings"]}


def test_pyproject_table_found_upward_and_used_as_defaults(run, write, tmp_path, monkeypatch):
    write("pyproject.toml", '[tool.amp-replay]\nignore = ["AR160", "AR17"]\n')
    path = write("config/r.yaml", MIXED)
    monkeypatch.chdir(tmp_path / "config")
    assert codes(run("validate", path, "-f", "json", expect=1)) == {"AR101"}
    # a flag wins over the file
    assert "AR160" in codes(run("validate", path, "--ignore", "AR101", "-f", "json", expect=1))


def test_the_first_file_wins_and_the_walk_stops_at_the_git_root(write, tmp_path):
    write(".amp-replay.toml", 'select = ["AR1"]\n')
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/sub/amp-replay.toml", 'exclude = ["build/**"]\n')
    found = load_settings(tmp_path / "repo" / "sub", SPEC)
    assert found.exclude == ("build/**",)
    assert found.source == tmp_path / "repo" / "sub" / "amp-replay.toml"
    assert load_settings(tmp_path / "repo", SPEC) == ProjectSettings()
    assert load_settings(tmp_path, SPEC).select == ("AR1",)


def test_a_pyproject_without_the_table_is_passed_over(write, tmp_path):
    write("pyproject.toml", "[project]\nname = 'x'\n")
    write("sub/pyproject.toml", "[tool.other]\na = 1\n")
    write(".amp-replay.toml", 'ignore = ["AR101"]\n')
    assert load_settings(tmp_path / "sub", SPEC).ignore == ("AR101",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('select = ["AR1"]\n\nbogus = 1\n', ":3: unknown key 'bogus'"),
        ('ignore = "AR101"\n', ":1: ignore must be a list of strings"),
        ('api-key = "abc"\n', ":1: api-key: secrets are never read from the configuration"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_bad_configuration_is_an_input_error_with_file_and_line(write, tmp_path, text, message):
    write(".amp-replay.toml", text)
    with pytest.raises(InputError) as caught:
        load_settings(tmp_path, SPEC)
    assert message in caught.value.one_line()
    assert "abc" not in caught.value.one_line()


def test_a_configuration_that_is_not_utf8_is_an_input_error(write, tmp_path):
    write(".amp-replay.toml", b"ignore = ['\xff']\n")
    with pytest.raises(InputError, match="invalid TOML"):
        load_settings(tmp_path, SPEC)


def test_bad_configuration_exits_2(run, write, tmp_path, monkeypatch):
    write(".amp-replay.toml", 'ignore = ["AR9"]\n')
    path = write("r.yaml", MIXED)
    monkeypatch.chdir(tmp_path)
    result = run("validate", path, expect=2)
    assert ".amp-replay.toml: ignore: no finding code is or starts with 'AR9'" in result.stderr


def test_per_file_ignores_globs_are_relative_to_the_configuration(
    run, write, tmp_path, monkeypatch
):
    write("pyproject.toml", '[tool.amp-replay.per-file-ignores]\n"config/*.json" = ["AR16"]\n')
    json_file = write("config/r.json", '{"sampleRate": 0, "serverZone": "eu"}')
    yaml_file = write("config/r.yaml", MIXED)
    monkeypatch.chdir(tmp_path / "config")
    assert "AR160" not in codes(run("validate", json_file, "-f", "json", expect=1))
    assert "AR160" in codes(run("validate", yaml_file, "-f", "json", expect=1))


def test_per_file_ignores_must_be_a_table(write, tmp_path):
    write(".amp-replay.toml", 'per-file-ignores = ["x"]\n')
    with pytest.raises(InputError, match="per-file-ignores must be a table"):
        load_settings(tmp_path, SPEC)


def test_v_names_the_configuration_used(run, write, tmp_path, monkeypatch):
    config = write("amp-replay.toml", 'ignore = ["AR160"]\n')
    path = write("r.yaml", MIXED)
    monkeypatch.chdir(tmp_path)
    assert f"amp-replay: configuration: {config}" in run("validate", path, "-v").stderr
    assert "configuration" not in run("validate", path).stderr


def test_the_documented_configuration_example_is_read(write, tmp_path):
    from tests.test_docs import DOCS

    page = (DOCS / "validate.md").read_text(encoding="utf-8")
    block = page.split("```toml\n[tool.amp-replay]\n", 1)[1].split("```", 1)[0]
    write("pyproject.toml", "[tool.amp-replay]\n" + block)
    found = load_settings(tmp_path, SPEC)
    assert found.ignore == ("AR110",)
    assert found.per_file_ignores == (("config/staging/*.json", ("AR104",)),)


def captured_settings(monkeypatch, module, function):
    """Replace a command's core function; the list receives the settings it is called with."""
    from amp_replay_cli.core.findings import Report

    calls = []

    def fake(*args, **kwargs):
        calls.append(next(arg for arg in args if hasattr(arg, "__dataclass_fields__")))
        return Report(command=function)

    monkeypatch.setattr(f"amp_replay_cli.core.{module}.{function}", fake)
    return calls


def test_a_command_table_sets_that_commands_options(run, write, tmp_path, monkeypatch):
    write(
        "pyproject.toml",
        '[tool.amp-replay.upload]\nserver-zone = "EU"\nconcurrency = 2\n'
        '[tool.amp-replay.check]\nsince = "3d"\n',
    )
    monkeypatch.chdir(tmp_path)
    uploads = captured_settings(monkeypatch, "upload", "upload")
    run("upload", "r.json", expect=0)
    run("upload", "r.json", "--server-zone", "US", expect=0)  # the command line wins
    assert [(s.endpoints.zone, s.concurrency) for s in uploads] == [("EU", 2), ("US", 2)]
    checks = captured_settings(monkeypatch, "check", "check")
    run("check", "--user-id", "u1", env={"AMPLITUDE_API_KEY": "k", "AMPLITUDE_SECRET_KEY": "s"})
    assert checks[0].since.days == 3


def test_an_environment_variable_wins_over_the_file_too(run, write, tmp_path, monkeypatch):
    """As click orders them: command line, environment, configuration, built-in default."""
    write(".amp-replay.toml", '[upload]\nserver-zone = "EU"\n')
    monkeypatch.chdir(tmp_path)
    uploads = captured_settings(monkeypatch, "upload", "upload")
    run("upload", "r.json", env={"AMPLITUDE_SERVER_ZONE": "US"}, expect=0)
    assert uploads[0].endpoints.zone == "US"


def test_top_level_strict_env_and_sdk_set_validate(run, write, tmp_path, monkeypatch):
    path = write("r.yaml", "sampleRate: 1\nserverZone: EU\n")
    monkeypatch.chdir(tmp_path)
    run("validate", path, expect=0)  # AR104 is a warning
    write(".amp-replay.toml", "strict = true\n")
    run("validate", path, expect=1)
    run("validate", path, "--no-strict", expect=0)
    write(".amp-replay.toml", 'strict = true\nenv = "development"\n')
    run("validate", path, expect=0)  # 100 % sampling is fine in development
    write(".amp-replay.toml", 'strict = true\nsdk = "plugin"\n[validate]\nstrict = false\n')
    result = run("validate", path, "-f", "json", expect=0)  # the table wins over the top level
    assert json.loads(result.stdout)["result"]["files"][0]["sdk"] == ["plugin"]


def test_top_level_strict_reaches_every_command_with_strict(write, tmp_path):
    write(".amp-replay.toml", "strict = true\n")
    assert set(load_settings(tmp_path, SPEC).options) == {"validate", "upload", "diagnose"}
    write(".amp-replay.toml", 'sdk = "plugin"\n')
    assert set(load_settings(tmp_path, SPEC).options) == {"validate"}  # simulate's is a hash


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[tool.amp-replay]\nstrict = true\n[tool.amp-replay.check]\nsincee = "3d"\n',
            ":4: unknown key 'check.sincee' (known: user-id,",
        ),
        (
            '[tool.amp-replay.upload]\n\nconcurrency = "2"\n',
            ":3: upload.concurrency must be an integer",
        ),
        (
            "[tool.amp-replay.upload]\nconcurrency = 0\n",
            ":2: upload.concurrency must be between 1 and 16",
        ),
        ('[tool.amp-replay]\nenv = "prod"\n', ":2: env must be one of production, development"),
        ("[tool.amp-replay]\nstrict = 1\n", ":2: strict must be true or false"),
        (
            '[tool.amp-replay.simulate]\nsession-id = "1"\n',
            ":2: simulate.session-id must be a list of strings",
        ),
        (
            "[tool.amp-replay.simulate]\nsession-id = [1]\n",
            ":2: simulate.session-id must be a list of strings",
        ),
        ("[tool.amp-replay]\ncheck = 3\n", ":2: check must be a table of its options"),
        (
            '[tool.amp-replay.upload]\napi-key = "abc"\n',
            ":2: upload.api-key: secrets are never read",
        ),
        (
            '[tool.amp-replay.check]\nsecret-key-file = "abc"\n',
            ":2: check.secret-key-file: secrets are never read",
        ),
        ('[tool.amp-replay.validate]\nexclude = ["abc"]\n', ":2: unknown key 'validate.exclude'"),
        ('[tool.amp-replay.validate]\nselect = ["AR1"]\n', ":2: unknown key 'validate.select'"),
    ],
)
def test_a_bad_command_table_exits_2_naming_file_line_and_key(
    run, write, tmp_path, monkeypatch, text, message
):
    config = write("pyproject.toml", text)
    monkeypatch.chdir(tmp_path)
    result = run("validate", ".", expect=2)  # the whole file is checked, whatever the command
    assert f"amp-replay: error: {config}{message}" in result.stderr
    assert "abc" not in result.stderr


def test_a_bad_configuration_is_reported_in_the_format_asked_for(run, write, tmp_path, monkeypatch):
    write(".amp-replay.toml", "bogus = 1\n")
    monkeypatch.chdir(tmp_path)
    document = json.loads(run("validate", ".", "-f", "json", expect=2).stdout)
    assert document["status"] == "error"
    assert "unknown key 'bogus'" in document["error"]["message"]


def test_rule_schema_and_help_work_whatever_the_configuration_holds(
    run, write, tmp_path, monkeypatch
):
    write(".amp-replay.toml", "bogus = 1\n")
    monkeypatch.chdir(tmp_path)
    run("validate", "--help", expect=0)
    run("rule", "AR101", expect=0)
    run("schema", "config", expect=0)


def test_the_configuration_is_read_once_per_run(run, write, tmp_path, monkeypatch):
    import amp_replay_cli.cli.configuration as configuration

    write(".amp-replay.toml", 'ignore = ["AR160"]\nexclude = ["x"]\n')
    path = write("r.yaml", MIXED)
    monkeypatch.chdir(tmp_path)
    calls = []

    def counted(*args):
        calls.append(args)
        return load_settings(*args)

    monkeypatch.setattr(configuration, "load_settings", counted)
    run("validate", path, expect=1)
    assert len(calls) == 1


def config_schema_of_app():
    from amp_replay_cli.core.settings import config_schema

    return config_schema(SPEC)


def test_the_published_configuration_schema_is_current(run):
    import jsonschema

    from tests.test_project import REPO

    committed = json.loads((REPO / "schemas" / "amp-replay-config.json").read_text("utf-8"))
    assert committed == config_schema_of_app(), "run scripts/generate-schemas.sh"
    jsonschema.Draft7Validator.check_schema(committed)
    assert json.loads(run("schema", "config", expect=0).stdout) == committed


AGREEMENT = [
    ('select = ["AR1"]\nignore = []\nexclude = ["build/**"]\n', True),
    ('[per-file-ignores]\n"config/*.json" = ["AR104"]\n', True),
    ('strict = true\nenv = "development"\nsdk = "segment-wrapper"\n', True),
    ('[upload]\nserver-zone = "EU"\nconcurrency = 4\ndry-run = true\n', True),
    ('[check]\nsince = "3d"\nwait = "5m"\n', True),
    ("[simulate]\nsample-rate = 0.05\nsession-id = ['1767225600123']\ngenerate = 10\n", True),
    ('[simulate]\nsdk = "legacy"\n', True),
    ("[diagnose]\nmin-id-length = 1\nstatistics = true\n", True),
    ("[validate]\nstrict = false\n", True),
    ("", True),
    ('select = "AR1"\n', False),
    ("[per-file-ignores]\n'x' = 'AR1'\n", False),
    ("strict = 'yes'\n", False),
    ('sdk = "legacy"\n', False),
    ('env = "prod"\n', False),
    ('bogus = "x"\n', False),
    ('api-key = "x"\n', False),
    ('[upload]\nsecret-key = "x"\n', False),
    ("[upload]\nconcurrency = 99\n", False),
    ('[upload]\nconcurrency = "4"\n', False),
    ("[simulate]\nsample-rate = true\n", False),
    ("[simulate]\ngenerate = 0.5\n", False),
    ('[validate]\nsdk = "modern"\n', False),
    ('[validate]\nexclude = ["x"]\n', False),
    ("[check]\nsince = 3\n", False),
    ("check = []\n", False),
    ("[rule]\nall = true\n", False),
]


@pytest.mark.parametrize(("text", "valid"), AGREEMENT)
def test_the_loader_and_the_schema_agree(write, tmp_path, text, valid):
    import jsonschema

    from amp_replay_cli.core.settings import tomllib

    write(".amp-replay.toml", text)
    schema_errors = list(
        jsonschema.Draft7Validator(config_schema_of_app()).iter_errors(tomllib.loads(text))
    )
    try:
        load_settings(tmp_path, SPEC)
        loaded = True
    except InputError:
        loaded = False
    assert (not schema_errors, loaded) == (valid, valid), schema_errors


def test_paths_in_a_command_table_are_relative_to_the_configuration(write, tmp_path):
    write(".amp-replay.toml", '[diagnose]\nconfig = "config/r.yaml"\n[upload]\njournal = "/j"\n')
    (tmp_path / "sub").mkdir()
    options = load_settings(tmp_path / "sub", SPEC).options
    assert options["diagnose"]["config"] == str(tmp_path / "config" / "r.yaml")
    assert options["upload"]["journal"] == "/j"


def test_a_groups_table_reaches_its_sub_command(run, write, tmp_path, monkeypatch):
    write(".amp-replay.toml", "[simulate]\nsample-rate = 0.5\n")
    monkeypatch.chdir(tmp_path)
    explained = json.loads(run("simulate", "explain", "1767261600000", "-f", "json").stdout)
    listed = json.loads(run("simulate", "--session-id", "1767261600000", "-f", "json").stdout)
    assert explained["result"]["sampling"]["sample_rate"] == 0.5
    assert listed["result"]["sampling"]["sample_rate"] == 0.5


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ('server-zone = "EU"\n', "hint: server-zone belongs in [upload] or [check]"),
        ('[validate]\nignore = ["AR1"]\n', "hint: ignore belongs in the top level"),
        ("[upload]\nenv = 'development'\n", "hint: env belongs in the top level or [validate]"),
    ],
)
def test_a_key_in_the_wrong_table_says_where_it_belongs(
    run, write, tmp_path, monkeypatch, text, hint
):
    write(".amp-replay.toml", text)
    monkeypatch.chdir(tmp_path)
    assert hint in run("validate", ".", expect=2).stderr


def test_messages_name_the_configuration_key_a_value_came_from(run, write, tmp_path, monkeypatch):
    config = write(".amp-replay.toml", '[simulate]\nsample-rate = 0.5\n[check]\nsince = "3x"\n')
    monkeypatch.chdir(tmp_path)
    secrets = {"AMPLITUDE_API_KEY": "k", "AMPLITUDE_SECRET_KEY": "s"}
    result = run("check", "--user-id", "u1", env=secrets, expect=2)
    assert f"error: {config}: since '3x' is not a duration" in result.stderr
    explained = run("simulate", "explain", "1767261600000", "-f", "json", expect=0).stdout
    assert json.loads(explained)["result"]["sampling"]["rate_source"] == f"{config}: sample-rate"
    flagged = run("simulate", "explain", "1767261600000", "--sample-rate", "0.2", "-f", "json")
    assert json.loads(flagged.stdout)["result"]["sampling"]["rate_source"] == "--sample-rate"


def test_an_option_on_the_command_line_wins_over_one_it_excludes_in_the_file(
    run, write, tmp_path, monkeypatch
):
    options = write("r.yaml", "sampleRate: 0.2\n")
    write(".amp-replay.toml", "[simulate]\nsample-rate = 0.5\n")
    monkeypatch.chdir(tmp_path)
    result = run("simulate", "explain", "1767261600000", "--config", options, "-f", "json")
    assert json.loads(result.stdout)["result"]["sampling"]["sample_rate"] == 0.2
    write(".amp-replay.toml", f"[simulate]\nconfig = '{options}'\n")
    result = run("simulate", "explain", "1767261600000", "--sample-rate", "0.3", "-f", "json")
    assert json.loads(result.stdout)["result"]["sampling"]["sample_rate"] == 0.3
    write(".amp-replay.toml", f"[simulate]\nconfig = '{options}'\nsample-rate = 0.1\n")
    result = run("simulate", "explain", "1767261600000", expect=2)
    assert f"give {tmp_path / '.amp-replay.toml'}: sample-rate or" in result.stderr


def test_no_journal_on_the_command_line_wins_over_the_files_journal(
    run, write, tmp_path, monkeypatch
):
    write(".amp-replay.toml", '[upload]\njournal = "j.ndjson"\n')
    monkeypatch.chdir(tmp_path)
    uploads = captured_settings(monkeypatch, "upload", "upload")
    run("upload", "r.json", "--no-journal", expect=0)
    run("upload", "r.json", expect=0)
    assert [s.journal_path for s in uploads] == [None, tmp_path / "j.ndjson"]
    assert (
        "exclude each other"
        in run("upload", "r.json", "--no-journal", "--journal", "x", expect=2).stderr
    )


def test_v_says_which_options_the_configuration_set(run, write, tmp_path, monkeypatch):
    config = write(".amp-replay.toml", 'strict = true\nenv = "development"\n')
    path = write("r.yaml", MIXED)
    monkeypatch.chdir(tmp_path)
    result = run("validate", path, "-v")
    assert f"amp-replay: configuration: {config} (sets env, strict)" in result.stderr
