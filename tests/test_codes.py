"""The code catalog: complete, consistent, and the only source of codes the package emits."""

import json
import re
from pathlib import Path

import pytest

from amp_replay_cli.core import codes
from amp_replay_cli.core.codes import CODES, Code
from amp_replay_cli.core.findings import Severity

PACKAGE = Path(codes.__file__).resolve().parent.parent
IDENTITY = PACKAGE / "core" / "identity"
EXAMPLES = Path(__file__).parent / "data" / "identity"
AR_LITERAL = re.compile(r"[\"'](AR\d{3})[\"']")
# A whole string literal in SHOUTING_SNAKE_CASE: how the identity rules name their codes.
IDENTITY_LITERAL = re.compile(r"[\"']([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)[\"']")


def sources(root):
    return [path for path in sorted(root.rglob("*.py")) if path != Path(codes.__file__)]


def literals(pattern, paths):
    return {match for path in paths for match in pattern.findall(path.read_text())}


def emitted_ar_codes():
    return literals(AR_LITERAL, sources(PACKAGE))


def emitted_identity_codes():
    return literals(IDENTITY_LITERAL, sources(IDENTITY))


@pytest.mark.parametrize("entry", CODES.values(), ids=lambda entry: entry.code)
def test_every_code_is_fully_described(entry):
    assert isinstance(entry, Code)
    assert entry.name and entry.summary.strip() and entry.fix.strip()
    assert isinstance(entry.severity, Severity)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.name), entry.name


def test_codes_and_names_are_unique():
    assert len(CODES) == len(codes._CODES), "a code is catalogued twice"
    names = [entry.name for entry in CODES.values()]
    assert len(set(names)) == len(names)


def test_the_scans_find_what_the_package_emits():
    # Guards the two tests below against a regex that silently matches nothing.
    assert {"AR101", "AR501", "AR611", "AR705"} <= emitted_ar_codes()
    assert {"RPL_DEVICE_IS_USERID", "ID_TOO_SHORT", "NON_BROWSER_SOURCE"} <= (
        emitted_identity_codes()
    )


def test_every_emitted_code_is_catalogued():
    emitted = emitted_ar_codes() | emitted_identity_codes()
    assert sorted(emitted - set(CODES)) == []


def test_every_catalogued_code_is_emitted_somewhere():
    emitted = emitted_ar_codes() | emitted_identity_codes()
    assert sorted(set(CODES) - emitted) == []


def test_an_uncatalogued_code_would_be_caught(tmp_path):
    (tmp_path / "rule.py").write_text('report("AR999", ERROR)\nreport("RPL_NEW_THING", ERROR)\n')
    found = literals(AR_LITERAL, [tmp_path / "rule.py"]) | literals(
        IDENTITY_LITERAL, [tmp_path / "rule.py"]
    )
    assert found - set(CODES) == {"AR999", "RPL_NEW_THING"}


def test_diagnose_hints_are_the_catalog_fixes_and_never_more_severe(run):
    files = sorted(EXAMPLES.glob("0*.ndjson"))
    files = [path for path in files if "amplitude_export" not in path.name]
    result = run("diagnose", *files, "--config", EXAMPLES / "05_setup.config.json", "-f", "json")
    findings = json.loads(result.stdout)["findings"]
    identity = [finding for finding in findings if not finding["code"].startswith("AR")]
    assert len({finding["code"] for finding in identity}) > 10
    for finding in identity:
        entry = CODES[finding["code"]]
        assert finding["hint"] == entry.fix
        # The catalog's severity is the most serious the code is emitted at.
        assert Severity(finding["severity"]).rank >= entry.severity.rank, finding["code"]
