"""Project configuration: found upward, select/ignore as defaults that flags override."""

import json

import pytest

from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.settings import ProjectSettings, load_settings

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
    found = load_settings(tmp_path / "repo" / "sub")
    assert found.exclude == ("build/**",)
    assert found.source == tmp_path / "repo" / "sub" / "amp-replay.toml"
    assert load_settings(tmp_path / "repo") == ProjectSettings()
    assert load_settings(tmp_path).select == ("AR1",)


def test_a_pyproject_without_the_table_is_passed_over(write, tmp_path):
    write("pyproject.toml", "[project]\nname = 'x'\n")
    write("sub/pyproject.toml", "[tool.other]\na = 1\n")
    write(".amp-replay.toml", 'ignore = ["AR101"]\n')
    assert load_settings(tmp_path / "sub").ignore == ("AR101",)


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
        load_settings(tmp_path)
    assert message in caught.value.one_line()
    assert "abc" not in caught.value.one_line()


def test_a_configuration_that_is_not_utf8_is_an_input_error(write, tmp_path):
    write(".amp-replay.toml", b"ignore = ['\xff']\n")
    with pytest.raises(InputError, match="invalid TOML"):
        load_settings(tmp_path)


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
        load_settings(tmp_path)


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
    found = load_settings(tmp_path)
    assert found.ignore == ("AR110",)
    assert found.per_file_ignores == (("config/staging/*.json", ("AR104",)),)
