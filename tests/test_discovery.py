"""Which files `validate` checks in a scan: the shape test, .gitignore, --exclude, empty scans."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from amp_replay_cli.core.documents import parse_documents
from amp_replay_cli.core.documents.discovery import ExcludePatterns, git_visible_files
from amp_replay_cli.core.documents.nodes import to_plain
from amp_replay_cli.core.options.shape import holds_options, may_hold_options

REPO = Path(__file__).resolve().parent.parent

# Files every web-app repository has; none of them holds Session Replay options.
TYPICAL = {
    "package.json": json.dumps(
        {
            "name": "shop",
            "version": "1.4.0",
            "private": True,
            "scripts": {"build": "vite build", "test": "vitest"},
            "dependencies": {"@amplitude/session-replay-browser": "^1.51.0"},
        }
    ),
    "tsconfig.json": json.dumps(
        {"compilerOptions": {"strict": True, "target": "ES2022"}, "include": ["src"]}
    ),
    ".eslintrc.json": json.dumps(
        {"root": True, "extends": ["eslint:recommended"], "rules": {"no-console": "warn"}}
    ),
    "docker-compose.yml": "version: '3.8'\nservices:\n  web:\n    image: shop:latest\n"
    "    ports: ['8080:80']\nvolumes:\n  data: {}\n",
    "ci/workflow.yml": "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - run: npm test\n",
    "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n"
    "spec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n"
    "          image: shop:1.4.0\n",
    "openapi.yaml": "openapi: 3.0.3\ninfo:\n  title: Shop API\n  version: 1.0.0\npaths:\n"
    "  /orders:\n    get:\n      responses:\n        '200':\n          description: ok\n",
    "locales/en.json": json.dumps(
        {"checkout.title": "Checkout", "checkout.pay": "Pay now", "sampleRate": "Sample rate"}
    ),
    "config/app.yaml": "server:\n  port: 8080\nlogLevel: info\ndatabase:\n  url: postgres://db\n"
    "features:\n  newCheckout: true\n",
    "config/analytics.json": json.dumps(
        {"apiKey": "k", "serverZone": "EU", "flushQueueSize": 30, "defaultTracking": True}
    ),
    "config/sentry.json": json.dumps(
        {"dsn": "https://x@sentry.io/1", "sampleRate": 1, "tracesSampleRate": 0.2}
    ),
}

OPTIONS = {
    "standalone.yaml": "sampleRate: 0.05\nserverZone: EU\n",
    "only-rate.json": '{"sampleRate": 0.1}',
    "wrapper.json": json.dumps({"amplitudeApiKey": "k", "segmentInstance": "analytics"}),
    "wrapper-options.yaml": "sessionReplayOptions:\n  sampleRate: 0.1\n",
    "nested.json": json.dumps({"replay": {"sessionReplayOptions": {"sampleRate": 0.1}}}),
    "plugin.yaml": "forceSessionTracking: true\nsampleRate: 0.1\n",
    "schema.json": json.dumps({"$schema": "x.json", "privacyConfig": {}, "debugMode": False}),
}


def shape_of(name: str, text: str) -> bool:
    return any(holds_options(d.root) for d in parse_documents(text, name, Path(name).suffix))


@pytest.mark.parametrize("name", sorted(TYPICAL))
def test_typical_repository_files_are_not_options(name):
    assert not shape_of(name, TYPICAL[name])


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_option_shapes(name):
    assert shape_of(name, OPTIONS[name])


@pytest.mark.parametrize("path", sorted((REPO / "examples").iterdir()), ids=lambda p: p.name)
def test_the_examples_are_options(path):
    assert shape_of(path.name, path.read_text(encoding="utf-8"))


def test_a_list_or_a_multi_document_stream():
    assert not shape_of("l.yaml", "- sampleRate: 0.1\n")
    assert shape_of("m.yaml", "kind: Service\n---\nsampleRate: 0.1\n")


def test_text_without_any_option_name_is_not_parsed():
    assert not may_hold_options('{"name": "shop", "version": "1.0.0"}')
    assert may_hold_options("privacyConfig: {}")


@pytest.fixture
def repository(tmp_path, monkeypatch):
    """A web-app repository: the typical files, one option file, one git-ignored build copy."""
    for name, text in TYPICAL.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "config" / "session-replay.yaml").write_text("sampleRate: 0\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "replay-copy.yaml").write_text("sampleRate: 0\nserverZone: eu\n")
    (tmp_path / ".gitignore").write_text("build/\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_a_repository_scan_checks_only_option_files_and_not_ignored_folders(run, repository):
    git_init(repository)
    result = run("validate", ".", "-v", expect=1)
    assert "./config/session-replay.yaml:1:13: error AR101" in result.stdout
    assert "build" not in result.stdout
    assert "package.json" not in result.stdout.replace(
        "./package.json: skipped: not Session Replay options", ""
    )
    assert "./package.json: skipped: not Session Replay options" in result.stdout
    assert "in 1 file" in result.stderr
    data = json.loads(run("validate", ".", "-f", "json").stdout)
    skipped = {entry["file"] for entry in data["result"]["skipped"]}
    assert "./tsconfig.json" in skipped and "./k8s/deployment.yaml" in skipped


def test_outside_a_work_tree_every_folder_is_scanned(run, repository):
    result = run("validate", ".", expect=1)
    assert "./build/replay-copy.yaml:2:13: error AR160" in result.stdout


def test_without_git_every_folder_is_scanned(run, repository, monkeypatch):
    monkeypatch.setenv("PATH", str(repository / "no-bin"))
    assert git_visible_files(repository) is None
    assert "./build/replay-copy.yaml" in run("validate", ".", expect=1).stdout


@needs_git
def test_git_lists_untracked_and_tracked_files_relative_to_the_folder(repository):
    git_init(repository)
    listed = git_visible_files(repository / "config")
    assert listed is not None and Path("session-replay.yaml") in listed
    assert Path("replay-copy.yaml") not in (git_visible_files(repository) or [])


def test_exclude_leaves_files_out_and_an_unused_pattern_is_a_warning(run, repository):
    result = run("validate", ".", "--exclude", "build", "--exclude", "config", expect=2)
    assert "no .yaml, .yml, .json files" not in result.stderr
    assert "none holds Session Replay options" in result.stderr
    result = run("validate", ".", "--exclude", "build/**", "--exclude", "nothing-*.json", expect=1)
    assert "replay-copy" not in result.stdout
    assert "warning AR192 --exclude 'nothing-*.json' matches no file" in result.stdout
    run("validate", "config", "--exclude", "*.json", "--exclude", "app.yaml", expect=1)
    result = run("validate", "build", "--exclude", "replay-*.yaml", expect=2)
    assert "no .yaml, .yml, .json files in this directory that --exclude leaves" in result.stderr


def test_a_named_file_is_always_checked_whatever_its_shape_or_exclude(run, repository):
    result = run("validate", "package.json", "--exclude", "package.json", expect=1)
    assert "package.json:1:1: error AR101" in result.stdout
    assert "AR192" not in result.stdout  # without a scan, no pattern can be used


def test_a_scan_without_option_files_is_an_input_error(run, repository):
    result = run("validate", "k8s", expect=2)
    assert (
        "amp-replay: error: k8s: no Session Replay option files: 1 JSON/YAML file looked at, "
        "none holds Session Replay options" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert "none holds" in run("validate", "locales/*.json", expect=2).stderr


def test_unreadable_files_a_scan_finds(run, repository):
    jsonc = '{\n  // comments, as tsc allows\n  "compilerOptions": {"logLevel": 1},\n}\n'
    (repository / "tsconfig.json").write_text(jsonc)
    result = run("validate", ".", "--exclude", "build", "-v", expect=1)
    assert "./tsconfig.json: skipped: not Session Replay options (JSON syntax" in result.stdout
    (repository / "config" / "replay.json").write_text("{")
    result = run("validate", "config", expect=2)
    assert "amp-replay: error: config/replay.json:" in result.stderr


@pytest.mark.parametrize(
    ("pattern", "path", "excluded"),
    [
        ("build", "build/a.yaml", True),
        ("build", "src/build/a.yaml", True),
        ("build", "builder/a.yaml", False),
        ("*.json", "deep/x/a.json", True),
        ("apps/*/dist", "apps/web/dist/a.yaml", True),
        ("apps/*/dist", "apps/web/x/dist/a.yaml", False),
        ("apps/**/dist", "apps/web/x/dist/a.yaml", True),
        ("**/fixtures/**", "a/fixtures/b/c.json", True),
        ("./config/", "config/a.yaml", True),
        ("a?.yaml", "ab.yaml", True),
        ("[!x]b.yaml", "ab.yaml", True),
        ("[!x]b.yaml", "xb.yaml", False),
        ("[ab", "[ab", True),
    ],
)
def test_exclude_patterns(pattern, path, excluded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    patterns = ExcludePatterns([pattern])
    assert patterns.excludes(Path(path)) is excluded
    assert patterns.unused() == ([] if excluded else [pattern])


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("config/session-replay.yaml", True),
        ("config/session_replay.prod.yml", True),
        ("src/sessionReplay.json", True),
        ("SessionReplayOptions.json", True),
        ("amplitude.config.json", True),
        ("config/replay.yaml", True),
        ("deploy/Session_Replay.YML", True),
        ("web/AMPLITUDE.json", True),
        ("settings/amplitude-session-replay.staging.yaml", True),
        ("package.json", False),
        ("tsconfig.json", False),
        (".github/workflows/ci.yml", False),
        ("amplitude/options.yaml", False),  # a folder's name alone: the shape test's work
        ("replay.json5", False),
        ("replay/options.yaml", False),  # the shape test is for files named otherwise
        ("config/session-replay.ts", False),
    ],
)
def test_the_pre_commit_hook_matches_how_people_name_option_files(path, matches):
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    (document,) = parse_documents(text, ".pre-commit-hooks.yaml", ".yaml")
    (hook,) = to_plain(document.root)
    assert (re.search(hook["files"], path) is not None) is matches


def test_a_wrapper_call_kept_a_level_down_is_checked_as_the_call(run, write, tmp_path):
    write("setup/app.yaml", "name: shop\nreplay:\n  sessionReplayOptions:\n    sampleRate: 0\n")
    result = run("validate", tmp_path / "setup", expect=1)
    assert "app.yaml:4:17: error AR101" in result.stdout
    assert "[sessionReplayOptions.sampleRate]" in result.stdout
    assert "`name`" not in result.stdout  # the outer keys are not options


@needs_git
def test_an_ignored_folder_named_on_the_command_line_is_scanned(run, repository):
    git_init(repository)
    assert "build/replay-copy.yaml:1:13: error AR101" in run("validate", "build", expect=1).stdout
    (repository / "empty").mkdir()
    assert git_visible_files(repository / "empty") == []


def test_the_configurations_exclude_is_relative_to_its_folder(run, tmp_path, monkeypatch):
    """`exclude` in pyproject.toml leaves files out of scans, matched from the file's folder,
    also when amp-replay runs in a subfolder."""
    options = "sampleRate: 0\nserverZone: eu\ndebugMode: true\n"
    (tmp_path / "pyproject.toml").write_text(
        '[tool.amp-replay]\nexclude = ["apps/web/generated", "nothing-here"]\n'
    )
    for folder in ("apps/web/generated", "apps/web/config"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "session-replay.yaml").write_text(options)
    monkeypatch.chdir(tmp_path / "apps")
    output = run("validate", ".", expect=1).stdout
    assert "web/config/session-replay.yaml" in output
    assert "generated" not in output
    assert "the configuration's exclude 'nothing-here' matches no file" in output
