"""Reporters: JSON keys (docs/json-schema.md), JUnit counts (parsed with junitparser),
control characters stripped, and the text report's evidence, hint and command."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import junitparser
import pytest
from grading_fakes import StandInFacts, write_exercises

from checks import CHECKS
from grader import backends
from grader.cli import main
from grader.engine import grade
from grader.model import load_exercises
from grader.report import render_json, render_junit, render_text
from grader.result import CheckResult, ExerciseResult, HostResult, SnapshotSource, host_error
from grader.result_file import result_from_dict

FAKES = {name: fn for name, fn in CHECKS.items() if name.startswith("fake_")}


@pytest.fixture
def result(tmp_path: Path) -> HostResult:
    exercises = load_exercises(write_exercises(tmp_path), checks=FAKES)
    return grade(
        exercises,
        StandInFacts(failing={"second"}),
        target="ssh://stack@lab-1:22",
        remote_commands=1,
        checks=FAKES,
    )


NASTY = "rule \x1b[31mred\x1b[0m\x00 bell\x07 and \x0c form feed"


def nasty_result() -> HostResult:
    check = CheckResult(
        "sg.ssh",
        "SSH allowed",
        "fail",
        0,
        10,
        evidence=NASTY,
        hint="add\x08 it",
        see="iptables-save",
    )
    return HostResult(
        target="ssh://lab-1", exercises=(ExerciseResult("sg", "SG", (check,)),), max_score=10
    )


def test_json_has_the_documented_keys(result: HostResult) -> None:
    doc = json.loads(render_json(result))
    assert {
        "format",
        "labgrade_version",
        "target",
        "status",
        "error",
        "backend",
        "backend_problem",
        "discovered",
        "score",
        "max_score",
        "remote_commands",
        "exercises",
    } <= set(doc)
    assert doc["format"] == "labgrade-result/1"
    assert (doc["status"], doc["error"], doc["score"], doc["max_score"]) == ("graded", None, 5, 20)
    assert doc["remote_commands"] == 1
    check = doc["exercises"][0]["checks"][1]
    assert set(check) == {
        "id",
        "title",
        "status",
        "points",
        "max_points",
        "evidence",
        "expected",
        "hint",
        "see",
        "duration",
        "why",
        "section",
    }
    assert (check["id"], check["status"], check["points"], check["max_points"]) == (
        "basics.second",
        "fail",
        0,
        10,
    )


def test_json_for_a_host_that_could_not_be_graded() -> None:
    doc = json.loads(render_json(host_error("ssh://lab-9", "lab-9 is unreachable", 100)))
    assert (doc["status"], doc["error"], doc["exercises"], doc["score"]) == (
        "error",
        "lab-9 is unreachable",
        [],
        None,  # no grade is no zero: null, as grades.csv leaves the cell blank
    )
    back = result_from_dict(doc)
    assert back.status == "error" and back.score == 0 and not back.has_grade


def test_junit_counts_match(tmp_path: Path, result: HostResult) -> None:
    path = tmp_path / "report.xml"
    path.write_text(render_junit([result]), encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = list(xml) if isinstance(xml, junitparser.JUnitXml) else [xml]
    assert len(suites) == 1
    suite = suites[0]
    assert suite.name == "lab-1"
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (3, 1, 0, 1)
    cases = {case.name: case for case in suite}
    assert cases["basics.second"].classname == "lab-1.basics"
    failure = cases["basics.second"].result[0]
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "Then the second."
    assert "second is missing" in failure.text
    assert isinstance(cases["more.third"].result[0], junitparser.Skipped)


def test_junit_one_suite_per_host_and_errors(tmp_path: Path, result: HostResult) -> None:
    path = tmp_path / "report.xml"
    down = host_error("ssh://lab-2", "lab-2 is unreachable: connection refused")
    path.write_text(render_junit([result, down]), encoding="utf-8")
    suites = list(junitparser.JUnitXml.fromfile(str(path)))
    assert [s.name for s in suites] == ["lab-1", "lab-2"]
    assert suites[1].errors == 1
    case = next(iter(suites[1]))
    assert case.classname == "lab-2.labgrade"
    assert "connection refused" in case.result[0].message


def test_junit_strips_control_characters(tmp_path: Path) -> None:
    xml = render_junit([nasty_result()])
    assert not any(c in xml for c in "\x1b\x00\x07\x08\x0c")
    path = tmp_path / "report.xml"
    path.write_text(xml, encoding="utf-8")
    case = next(iter(next(iter(junitparser.JUnitXml.fromfile(str(path))))))
    assert "red" in case.result[0].text


def test_text_shows_evidence_hint_and_command(result: HostResult) -> None:
    text = render_text(result, verbose=True)
    assert "labgrade: ssh://stack@lab-1:22" in text
    assert f"backend: {backends.HYBRID}" in text
    assert "instance port: tap1234" in text
    lines = text.splitlines()
    second = next(i for i, line in enumerate(lines) if "FAIL" in line)
    assert "The second thing" in lines[second] and lines[second].endswith("0/10")
    details = "\n".join(lines[second + 1 : second + 5])
    assert "found:" in details and "second is missing" in details
    assert "hint:" in details and "Then the second." in details
    assert "see:" in details and "look for second" in details
    assert "SKIP" in text and "(basics.second: fail) to pass first" in " ".join(text.split())
    assert "Total: 5/20" in text
    assert "\x1b[" not in text  # plain unless asked for colour


def test_text_colour_and_escaped_control_characters() -> None:
    coloured = render_text(nasty_result(), color=True)
    assert "\x1b[31mFAIL\x1b[0m" in coloured
    plain = render_text(nasty_result())
    assert "\x1b" not in plain and "\x00" not in plain
    assert "\\x1b[31mred" in plain


def test_text_backend_problem_and_host_error() -> None:
    problem = HostResult(target="local://", backend=backends.OVN, backend_problem="Use ML2/OVS.")
    assert "! Use ML2/OVS." in render_text(problem)
    down = render_text(host_error("ssh://lab-2", "lab-2 is unreachable: connection refused"))
    assert down == "labgrade: cannot grade ssh://lab-2: lab-2 is unreachable: connection refused\n"
    unreadable = replace(host_error("ssh://bob", "cannot read"), snapshot=SnapshotSource("b.json"))
    assert render_text(unreadable) == (
        "labgrade: cannot grade the snapshot b.json (collected_at not recorded) of ssh://bob: "
        "cannot read\n"
    )


def test_use_color_honours_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.report.text import use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())


VARIES = ("duration", "labgrade_version", "rubric", "graded_at")


def without_varying(value: object) -> object:
    """VALUE (a JSON document) without the keys that vary between runs, at any depth."""
    if isinstance(value, dict):
        return {k: without_varying(v) for k, v in value.items() if k not in VARIES}
    if isinstance(value, list):
        return [without_varying(v) for v in value]
    return value


def test_the_documented_example_is_a_real_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "json-schema.md").read_text(encoding="utf-8")
    example = json.loads(doc.split("```json\n", 1)[1].split("```", 1)[0])
    monkeypatch.chdir(root)  # the command the example names, as written there
    command = "check --snapshot tests/data/snapshots/no-ssh-rule.json --only sg.ssh --format json"
    assert f"`labgrade {command}`" in " ".join(doc.split())
    main(command.split())
    real = json.loads(capsys.readouterr().out)
    assert without_varying(example) == without_varying(real), (
        "refresh docs/json-schema.md's example with the command it names"
    )
    assert real["backend"] == backends.HYBRID
    assert real["discovered"]["floating_ip"] == "172.24.4.229"
    documented = set(re.findall(r"^\| `(\w+)(?:\[\])?` \|", doc, flags=re.MULTILINE))
    check_keys = set(real["exercises"][0]["checks"][0])
    assert documented == set(real) | check_keys


def test_only_on_another_backend_names_the_id_to_use(capsys) -> None:
    """`--only sg` on an ML2/OVN host: the first lines say which exercise grades it there."""
    from grader.cli import main

    snapshots = Path(__file__).resolve().parents[1] / "data" / "snapshots"
    main(["check", "--snapshot", str(snapshots / "ovn.json"), "--only", "sg"])
    first = " ".join(" ".join(capsys.readouterr().out.splitlines()[:8]).split())
    assert "run `labgrade check --only ovn-security-groups`" in first
