"""Gradescope's autograder results.json (docs/autograders.md): one test per check.

    text = render_gradescope(result)    # what run_autograder writes to /autograder/results/

Follows Gradescope's "Autograder Specifications" (results.json): the top-level `score` is the
host's points, and each test has `name` ("<check id>: <title>"), `number` ("<exercise>.<check>",
in the rubric's order), `score`, `max_score`, `status` (`passed` only for a passed check),
`output` (for what did not pass: what was found, what was expected, the hint and the command
to look), `tags` (the exercise id) and `visibility`. Every text is plain (`*_format: text`), so
nothing that came from the host is ever rendered as HTML.

A host that could not be graded has score 0 and no tests: its `output` says that this is not
a grade, why, and what to submit instead (Gradescope has no "not gradable" state; the
instructor sees `extra_data.labgrade_status: error`).
"""

from __future__ import annotations

import json
from typing import Any

from grader import __version__
from grader.report.feedback import check_details, total_line
from grader.report.safetext import strip_unsafe
from grader.result import HostResult

PART_LIMIT = 4000  # characters of each part of a test's output (it shows in a <pre> block)
VISIBILITY = "visible"  # the feedback is the point: students see it at once
NOT_GRADED = (
    "labgrade could not grade this submission, so this is not a grade: {reason}\n"
    "Submit the snapshot that `sudo labgrade collect -o snapshot.json` writes on your DevStack "
    "host (a JSON file), then resubmit."
)


def _tests(result: HostResult) -> list[dict[str, Any]]:
    tests = []
    for e_index, exercise in enumerate(result.exercises, 1):
        for c_index, check in enumerate(exercise.checks, 1):
            tests.append(
                {
                    "name": strip_unsafe(f"{check.id}: {check.title}"),
                    "name_format": "text",
                    "number": f"{e_index}.{c_index}",
                    "score": check.points,
                    "max_score": check.max_points,
                    "status": "passed" if check.status == "pass" else "failed",
                    "output": check_details(check, PART_LIMIT),
                    "output_format": "text",
                    "tags": [strip_unsafe(exercise.id)],
                    "visibility": VISIBILITY,
                    "extra_data": {"labgrade_status": check.status},
                }
            )
    return tests


def _output(result: HostResult) -> str:
    if not result.has_grade:
        return NOT_GRADED.format(reason=strip_unsafe(result.ungraded_reason or ""))
    lines = [f"labgrade: {total_line(result)}"]
    if result.backend:
        lines.append(f"backend: {strip_unsafe(result.backend)}")
    if result.backend_problem:
        lines.append(strip_unsafe(result.backend_problem))
    if result.snapshot and result.snapshot.collected_at:
        lines.append(f"snapshot collected at {strip_unsafe(result.snapshot.collected_at)}")
    return "\n".join(lines)


def gradescope_results(result: HostResult) -> dict[str, Any]:
    graded = result.has_grade
    return {
        "score": result.score if graded else 0,
        "execution_time": max(1, round(result.duration)),
        "output": _output(result),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": VISIBILITY,
        "extra_data": {
            "labgrade_version": __version__,
            "labgrade_status": "graded" if graded else "error",
            "max_score": result.max_score,
            "backend": strip_unsafe(result.backend),
        },
        "tests": _tests(result) if result.status == "graded" else [],
    }


def render_gradescope(result: HostResult) -> str:
    return json.dumps(gradescope_results(result), indent=2) + "\n"
