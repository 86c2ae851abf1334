"""JUnit XML for CI: one testsuite per host (or student), one testcase per check.

    render_junit([result, ...])                      # `check --junit`
    render_junit([result, None], names=["ada", "bob"])  # a class: None = not graded yet

classname = "<host>.<exercise>" ("<student>.<exercise>" when names are given), name = the check
id, time = the seconds the check took; the testsuite's time is the host's (connect, gather and
grade). CI tools show an element's *text* (GitLab's test tab shows nothing else), so every
failure, error and skipped element carries the whole story in its body: what was found, what
was expected, the hint and the command to look; its `message` is the first line of it.

A host that could not be graded is one errored testcase "<host>.labgrade" / "gather" whose body
is the reason; a student not graded yet (an interrupted batch) is one skipped testcase
"<student>.labgrade" / "grade". Each testsuite has properties: target, backend, score and
max_score (a host in error or pending has no score), rubric and graded_at when known. Only
the attributes of the common JUnit schema are written; control characters that XML cannot
carry are removed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from urllib.parse import urlsplit

from grader.report.feedback import check_details
from grader.report.feedback import first_line as _first_line
from grader.report.safetext import number, strip_unsafe
from grader.result import CheckResult, HostResult

ELEMENT = {"fail": "failure", "error": "error", "skip": "skipped"}
PENDING = "not graded yet: the batch was interrupted before this host was graded"
PENDING_HOW = "finish it with `labgrade batch ... --resume`"


def host_label(target: str) -> str:
    """The host part of a target: "ssh://stack@lab-1:22" -> "lab-1", "local://" -> "local"."""
    if "://" not in target:
        return target or "local"
    try:
        parts = urlsplit(target)
        host = parts.hostname or parts.netloc.rsplit("@", 1)[-1]
        scheme = parts.scheme
    except ValueError:  # e.g. an unbalanced '[': not a URL, still a name
        scheme, _, rest = target.partition("://")
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return host or scheme or "local"


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.6f}"


def _outcome(case: ET.Element, tag: str, message: str, body: str) -> None:
    element = ET.SubElement(case, tag, {"message": message})
    if tag != "skipped":
        element.set("type", tag)
    element.text = body


def _check_case(parent: ET.Element, suite: str, exercise_id: str, check: CheckResult) -> None:
    case = ET.SubElement(
        parent,
        "testcase",
        {
            "classname": f"{suite}.{strip_unsafe(exercise_id)}",
            "name": strip_unsafe(check.id),
            "time": _seconds(check.duration),
        },
    )
    if check.status in ELEMENT:
        first = check.hint if check.status == "fail" else check.evidence
        message = _first_line(first or check.evidence) or check.status
        _outcome(case, ELEMENT[check.status], message, check_details(check))


def _properties(suite: ET.Element, values: dict[str, str]) -> None:
    properties = ET.SubElement(suite, "properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", {"name": name, "value": strip_unsafe(value)})


def _suite_properties(result: HostResult) -> dict[str, str]:
    values = {"target": result.target}
    if result.backend:
        values["backend"] = result.backend
    if result.has_grade:
        values["score"] = number(result.score)
    values["max_score"] = number(result.max_score)
    if result.rubric:
        values["rubric"] = result.rubric
    if result.graded_at:
        values["graded_at"] = result.graded_at
    return values


def _suite(name: str, result: HostResult | None) -> ET.Element:
    suite = ET.Element("testsuite", {"name": name})
    if result is None:
        _properties(suite, {})
        case = ET.SubElement(
            suite, "testcase", {"classname": f"{name}.labgrade", "name": "grade", "time": "0"}
        )
        _outcome(case, "skipped", PENDING, f"{PENDING}; {PENDING_HOW}")
    else:
        _properties(suite, _suite_properties(result))
        if result.status == "error":
            reason = strip_unsafe(result.error or "could not grade")
            case = ET.SubElement(
                suite,
                "testcase",
                {"classname": f"{name}.labgrade", "name": "gather", "time": "0"},
            )
            body = f"could not grade {strip_unsafe(result.target) or 'the host'}: {reason}"
            _outcome(case, "error", _first_line(reason) or "could not grade", body)
        for exercise in result.exercises:
            for check in exercise.checks:
                _check_case(suite, name, exercise.id, check)
    counts = {tag: len(suite.findall(f"testcase/{tag}")) for tag in ELEMENT.values()}
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", _seconds(result.duration if result else 0.0))
    if result is not None and result.graded_at:
        suite.set("timestamp", result.graded_at)
    return suite


def render_junit(results: Sequence[HostResult | None], names: Sequence[str] | None = None) -> str:
    """One testsuite per result, named NAMES[i] (a student id) or else after its host; a None
    result (needs a name) is a student not graded yet."""
    labels = list(names) if names is not None else [None] * len(results)
    root = ET.Element("testsuites", {"name": "labgrade"})
    for result, label in zip(results, labels):
        if label is None and result is None:
            raise ValueError("a pending student needs a name")
        name = strip_unsafe(label if label is not None else host_label(result.target))  # type: ignore[union-attr]
        root.append(_suite(name, result))
    for total in ("tests", "failures", "errors", "skipped"):
        root.set(total, str(sum(int(s.get(total, "0")) for s in root)))
    root.set("time", _seconds(sum(float(s.get("time", "0")) for s in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
