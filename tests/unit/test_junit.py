"""JUnit XML as CI tools read it: junitparser for the structure, and the element *text* of a
testcase's failure/error/skipped element, which is all GitLab's test tab shows
(lib/gitlab/ci/parsers/test/junit.rb takes `data['failure']`, `data['error']`,
`data['skipped']` as the test's details and ignores `message=` and `status=`)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import junitparser
import pytest

from grader.grading import grade_snapshot
from grader.model import load_exercises
from grader.report.junit import render_junit
from grader.result import HostResult, host_error
from grader.snapshot import Snapshot

SNAPSHOTS = Path(__file__).resolve().parents[2] / "tests" / "data" / "snapshots"

# The attributes of the common JUnit schema (Jenkins' junit-10.xsd, which GitLab, junitparser
# and Jenkins read); anything else is a dialect some tools reject.
STANDARD = {
    "testsuites": {"name", "tests", "failures", "errors", "skipped", "time", "disabled"},
    "testsuite": {
        "name",
        "tests",
        "failures",
        "errors",
        "skipped",
        "time",
        "timestamp",
        "hostname",
        "id",
        "package",
        "disabled",
    },
    "properties": set(),
    "property": {"name", "value"},
    "testcase": {"name", "classname", "time", "assertions", "file", "line"},
    "failure": {"message", "type"},
    "error": {"message", "type"},
    "skipped": {"message"},
    "system-out": set(),
    "system-err": set(),
}


def recorded(name: str, target: str) -> HostResult:
    path = SNAPSHOTS / f"{name}.json"
    snapshot = Snapshot.from_json(path.read_bytes(), source=str(path))
    return grade_snapshot(snapshot, load_exercises(), None, target)


def gitlab_details(xml: str) -> dict[str, tuple[str, str]]:
    """{classname.name: (status, details)} as GitLab shows them: details = element text."""
    shown = {}
    for case in ET.fromstring(xml).iter("testcase"):
        status, details = "success", ""
        for tag, name in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
            element = case.find(tag)
            if element is not None:
                status, details = name, element.text or ""
                break
        shown[f"{case.get('classname')}.{case.get('name')}"] = (status, details)
    return shown


def parse(tmp_path: Path, xml: str) -> list[junitparser.TestSuite]:
    path = tmp_path / "junit.xml"
    path.write_text(xml, encoding="utf-8")
    return list(junitparser.JUnitXml.fromfile(str(path)))


def properties(suite: junitparser.TestSuite) -> dict[str, str]:
    return {p.name: p.value for p in suite.properties()}


def test_a_failing_check_shows_evidence_expected_hint_and_see_in_its_body() -> None:
    result = recorded("no-ssh-rule", "ssh://stack@lab-1:22")
    shown = gitlab_details(render_junit([result], names=["ada"]))
    status, details = shown["ada.security-groups.sg.ssh"]
    assert status == "failed"
    ssh = next(c for c in result.checks() if c.id == "sg.ssh")
    assert f"found: {ssh.evidence.splitlines()[0]}" in details
    assert f"expected: {ssh.expected}" in details
    assert f"hint: {ssh.hint}" in details
    assert f"see: {ssh.see}" in details
    assert shown["ada.security-groups.sg.icmp"] == ("success", "")


def test_a_skipped_check_says_why_in_its_body() -> None:
    result = recorded("fresh", "ssh://lab-2")
    shown = gitlab_details(render_junit([result]))
    skipped = {key: text for key, (status, text) in shown.items() if status == "skipped"}
    assert skipped, "the fresh host has checks skipped for a failed prerequisite"
    assert all(text.startswith("why: requires ") for text in skipped.values())


def test_a_host_in_error_carries_its_reason_in_the_body_and_no_score(tmp_path: Path) -> None:
    down = host_error("ssh://lab-9", "lab-9 is unreachable: connection refused", 100)
    xml = render_junit([down], names=["bob"])
    assert gitlab_details(xml)["bob.labgrade.gather"] == (
        "error",
        "could not grade ssh://lab-9: lab-9 is unreachable: connection refused",
    )
    suite = parse(tmp_path, xml)[0]
    assert (suite.tests, suite.errors) == (1, 1)
    assert "score" not in properties(suite)
    assert properties(suite)["max_score"] == "100"


def test_a_graded_suite_has_its_score_backend_and_real_times(tmp_path: Path) -> None:
    result = recorded("complete", "ssh://stack@lab-1:22")
    suite = parse(tmp_path, render_junit([result], names=["ada"]))[0]
    assert properties(suite) == {
        "target": "ssh://stack@lab-1:22",
        "backend": result.backend,
        "score": "100",
        "max_score": "100",
    }
    assert suite.time == pytest.approx(result.duration, abs=1e-5) and suite.time > 0
    times = [case.time for case in suite]
    assert all(t >= 0 for t in times) and sum(times) > 0
    assert sum(times) <= suite.time


def test_students_not_graded_yet_each_get_a_suite_with_one_skipped_case(tmp_path: Path) -> None:
    graded = recorded("complete", "ssh://lab-1")
    xml = render_junit([graded, None, None], names=["ada", "bob", "cy"])
    suites = parse(tmp_path, xml)
    assert [s.name for s in suites] == ["ada", "bob", "cy"]
    for suite in suites[1:]:
        assert (suite.tests, suite.skipped, suite.failures, suite.errors) == (1, 1, 0, 0)
        assert "score" not in properties(suite)
    status, details = gitlab_details(xml)["bob.labgrade.grade"]
    assert status == "skipped" and "--resume" in details


def test_only_standard_attributes_are_written() -> None:
    results = [
        recorded("complete", "ssh://lab-1"),
        recorded("fresh", "ssh://lab-2"),
        recorded("no-ssh-rule", "ssh://lab-3"),
        host_error("ssh://lab-4", "lab-4 is unreachable", 100),
        None,
    ]
    root = ET.fromstring(render_junit(results, names=["a", "b", "c", "d", "e"]))
    for element in root.iter():
        assert element.tag in STANDARD, element.tag
        assert set(element.attrib) <= STANDARD[element.tag], (element.tag, element.attrib)


def test_the_totals_add_up(tmp_path: Path) -> None:
    results = [recorded("fresh", "ssh://lab-2"), host_error("ssh://x", "down", 100), None]
    xml = render_junit(results, names=["a", "b", "c"])
    root = ET.fromstring(xml)
    suites = parse(tmp_path, xml)
    for total in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(total)) == sum(getattr(s, total) for s in suites)
