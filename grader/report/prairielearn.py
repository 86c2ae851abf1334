"""PrairieLearn's external-grader results.json (docs/autograders.md): one test per check.

    text = render_prairielearn(result)    # what the entrypoint writes to /grade/results/

Follows PrairieLearn's "External Grading" results format: `gradable`, `score` (0 to 1: the
share of the points), `message`, `output`, and `tests[]` with `name`, `description`, `points`,
`max_points`, `message` and `output` (what was found, what was expected, the hint and the
command to look). A host that could not be graded is `gradable: false` with the reason in
`message` and `format_errors`: PrairieLearn then awards and takes no points and does not use
up an attempt.
"""

from __future__ import annotations

import json
from typing import Any

from grader.report.feedback import check_details, first_line, total_line
from grader.report.safetext import strip_unsafe
from grader.result import HostResult

NOT_GRADED = (
    "labgrade could not grade this submission: {reason}. Submit the snapshot that "
    "`sudo labgrade collect -o snapshot.json` writes on your DevStack host."
)
PART_LIMIT = 2000  # characters of each part of a test's output: results.json must stay < 1 MB
MARKS = {"pass": "passed", "fail": "failed", "skip": "skipped", "error": "could not be graded"}


def _tests(result: HostResult) -> list[dict[str, Any]]:
    return [
        {
            "name": strip_unsafe(check.id),
            "description": strip_unsafe(f"{exercise.title}: {check.title}"),
            "points": check.points,
            "max_points": check.max_points,
            "message": MARKS[check.status]
            + (f": {first_line(check.hint)}" if check.status == "fail" and check.hint else ""),
            "output": check_details(check, PART_LIMIT),
        }
        for exercise in result.exercises
        for check in exercise.checks
    ]


def prairielearn_results(result: HostResult) -> dict[str, Any]:
    if not result.has_grade:
        message = NOT_GRADED.format(reason=strip_unsafe(result.ungraded_reason or "").rstrip("."))
        return {"gradable": False, "message": message, "format_errors": [message]}
    share = result.score / result.max_score if result.max_score else 0.0
    output = [f"backend: {strip_unsafe(result.backend)}"] if result.backend else []
    if result.backend_problem:
        output.append(strip_unsafe(result.backend_problem))
    return {
        "gradable": True,
        "score": round(min(max(share, 0.0), 1.0), 6),
        "message": f"labgrade: {total_line(result)}",
        "output": "\n".join(output),
        "tests": _tests(result),
    }


def render_prairielearn(result: HostResult) -> str:
    return json.dumps(prairielearn_results(result), indent=2) + "\n"
