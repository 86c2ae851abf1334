"""grades.csv: one row per student, for a spreadsheet or an LMS import (docs/batch.md).

    id,name,email,status,score,max_score,percent,<one column per exercise>,error

The exercise columns are the lab's own (those of its backend, ml2-ovs-iptables-hybrid) and
every other exercise graded for some student (a backend's variant, such as
ovsfw-security-groups or ovn-routing), in the rubric's order: each graded row's exercise
cells add up to its score. A variant gets a column of its own rather than the column of the
exercise it replaces, since the variants do not map one to one (OVN's ovn-routing is worth 31
points where the lab's routing and nat are 13 + 21); a cell for an exercise not graded on the
student's backend is empty.

status is `graded`, `error` (the host could not be graded: score, percent and exercise cells
are empty, the reason is in `error`) or `pending` (not graded yet: an interrupted batch).
Every cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) is prefixed with a single quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from grader.inventory import Student
from grader.report.safetext import number, strip_unsafe
from grader.result import HostResult

FIXED_COLUMNS = ("id", "name", "email", "status", "score", "max_score", "percent")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """CELL, prefixed with ' when a spreadsheet would take it for a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def percent(result: HostResult) -> str:
    if not result.max_score:
        return ""
    return number(round(100 * result.score / result.max_score, 1))


def row(student: Student, result: HostResult | None, exercise_ids: Sequence[str]) -> list[str]:
    cells = [student.id, student.name, student.email]
    if result is None:
        return [*cells, "pending", "", "", "", *[""] * len(exercise_ids), ""]
    if result.ungraded_reason is not None:
        blanks = [""] * len(exercise_ids)
        reason = strip_unsafe(result.ungraded_reason).replace("\n", " ")
        return [*cells, "error", "", number(result.max_score), "", *blanks, reason]
    scores = {exercise.id: number(exercise.score) for exercise in result.exercises}
    return [
        *cells,
        "graded",
        number(result.score),
        number(result.max_score),
        percent(result),
        *[scores.get(exercise_id, "") for exercise_id in exercise_ids],
        "",
    ]


def exercise_columns(
    entries: Sequence[tuple[Student, HostResult | None]],
    shown: Sequence[str],
    order: Sequence[str] = (),
) -> list[str]:
    """The exercise columns: SHOWN (always there) and every exercise graded for a student of
    ENTRIES, sorted by ORDER (the rubric's); ids not in ORDER come last, as first seen."""
    graded = (
        exercise.id
        for _, result in entries
        if result is not None and result.has_grade
        for exercise in result.exercises
    )
    rank = {exercise_id: index for index, exercise_id in enumerate(order)}
    return sorted(dict.fromkeys([*shown, *graded]), key=lambda i: rank.get(i, len(rank)))


def render_gradebook(
    entries: Sequence[tuple[Student, HostResult | None]],
    shown: Sequence[str],
    order: Sequence[str] = (),
) -> str:
    """The CSV text (RFC 4180, CRLF line ends) for ENTRIES, in their order; the exercise
    columns are exercise_columns(ENTRIES, SHOWN, ORDER)."""
    exercise_ids = exercise_columns(entries, shown, order)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in (*FIXED_COLUMNS, *exercise_ids, "error")])
    for student, result in entries:
        writer.writerow([neutralise(cell) for cell in row(student, result, exercise_ids)])
    return out.getvalue()
