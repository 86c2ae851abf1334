"""JUnit XML for CI: one testsuite per host, one testcase per check.

classname = "<host>.<exercise>" ("<student>.<exercise>" when names are given), name = the check
id; a failure's message is the hint and its text the evidence (with what was expected and the
command to look); skip and error are reported as such. A host that could not be graded is one
errored testcase, "<host>.labgrade" / "gather". Control characters that XML cannot carry are
removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from junit_xml import TestCase, TestSuite, to_xml_report_string

from grader.report.safetext import strip_unsafe
from grader.result import CheckResult, HostResult


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


def _details(check: CheckResult) -> str:
    parts = [check.evidence]
    if check.expected:
        parts.append(f"expected: {check.expected}")
    if check.see:
        parts.append(f"see: {check.see}")
    return strip_unsafe("\n".join(p for p in parts if p))


def _first_line(text: str) -> str:
    return strip_unsafe(text).strip().split("\n", 1)[0]


def _testcase(host: str, exercise_id: str, check: CheckResult) -> TestCase:
    case = TestCase(
        name=check.id, classname=f"{host}.{exercise_id}", status=check.status, elapsed_sec=0
    )
    if check.status == "fail":
        case.add_failure_info(
            message=_first_line(check.hint or check.evidence) or "failed",
            output=_details(check),
            failure_type="fail",
        )
    elif check.status == "error":
        case.add_error_info(
            message=_first_line(check.evidence) or "could not grade",
            output=_details(check),
            error_type="error",
        )
    elif check.status == "skip":
        case.add_skipped_info(message=_first_line(check.evidence) or "skipped")
    return case


def _testsuite(result: HostResult, name: str | None = None) -> TestSuite:
    host = strip_unsafe(name or host_label(result.target))
    if result.status == "error":
        case = TestCase(name="gather", classname=f"{host}.labgrade", elapsed_sec=result.duration)
        case.add_error_info(message=_first_line(result.error or "could not grade"))
        cases = [case]
    else:
        cases = [
            _testcase(host, exercise.id, check)
            for exercise in result.exercises
            for check in exercise.checks
        ]
    properties = {"target": strip_unsafe(result.target), "backend": strip_unsafe(result.backend)}
    properties["score"] = f"{result.score}/{result.max_score}"
    return TestSuite(name=host, test_cases=cases, properties=properties)


def render_junit(results: Sequence[HostResult], names: Sequence[str] | None = None) -> str:
    """One testsuite per result, named NAMES[i] (a student id) or else after its host."""
    labels = list(names) if names is not None else [None] * len(results)
    suites = [_testsuite(r, n) for r, n in zip(results, labels, strict=True)]
    return to_xml_report_string(suites, prettyprint=True)
