"""JUnit XML for GitLab and Jenkins: a suite per checked subject, a test case per finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from amp_replay_cli.core.findings import Finding, Report
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.escape import xml_text


def _finding_case(suite: ET.Element, report: Report, finding: Finding) -> None:
    name = (
        f"{finding.code} {finding.path or ''} (line {finding.line})"
        if finding.line
        else finding.code
    )
    case = ET.SubElement(suite, "testcase", classname=suite.get("name", ""), name=name.strip())
    detail = f"{finding.location()}: {finding.message}" + (
        f"\nhint: {finding.hint}" if finding.hint else ""
    )
    if report.fails_on(finding):
        failure = ET.SubElement(
            case, "failure", type=finding.severity.value, message=finding.message
        )
        failure.text = detail
    else:
        ET.SubElement(case, "system-out").text = f"{finding.severity.value}: {detail}"


def render_junit(report: Report, settings: OutputSettings) -> str:
    report.finalize()
    root = ET.Element("testsuites", name=f"amp-replay {report.command}")
    by_subject: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.sorted_findings():
        by_subject[finding.file or report.command].append(finding)
    errors_by_subject: dict[str, list] = defaultdict(list)
    for error in report.errors():
        errors_by_subject[error.location.file if error.location else report.command].append(error)
    subjects = list(dict.fromkeys([*report.subjects, *by_subject, *errors_by_subject])) or [
        report.command
    ]
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for subject in subjects:
        suite = ET.SubElement(root, "testsuite", name=subject)
        for finding in by_subject.get(subject, []):
            _finding_case(suite, report, finding)
        for error in errors_by_subject.get(subject, []):
            case = ET.SubElement(
                suite, "testcase", classname=subject, name=f"{report.command}: read input"
            )
            ET.SubElement(
                case, "error", type=error.kind, message=error.message
            ).text = error.one_line()
        if not len(suite):
            ET.SubElement(
                suite, "testcase", classname=subject, name=f"{report.command}: no findings"
            )
        counts = {
            "tests": len(suite),
            "failures": sum(1 for case in suite if case.find("failure") is not None),
            "errors": sum(1 for case in suite if case.find("error") is not None),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    # Input text (ids, messages, file names) is in names, attributes and bodies: xml_text
    # keeps the document well-formed whatever it holds.
    document = xml_text(ET.tostring(root, encoding="unicode"))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + document + "\n"
