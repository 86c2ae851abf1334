"""grades.csv: one row per student, for a spreadsheet or an LMS import (docs/batch.md).

    id,name,email,<the roster's other columns>,status,score,max_score,percent,
    <one column per exercise>,feedback,error,flags

The roster's other columns (a CSV inventory's, e.g. an LMS export's "SIS User ID") come after
email, unchanged, so grades.csv can go back to where the roster came from.

The exercise columns are the lab's own (those of its backend, ml2-ovs-iptables-hybrid) and
every other exercise graded for some student (a backend's variant, such as
ovsfw-security-groups or ovn-routing), in the rubric's order: each graded row's exercise
cells add up to its score. A variant gets a column of its own rather than the column of the
exercise it replaces, since the variants do not map one to one (OVN's ovn-routing is worth 31
points where the lab's routing and nat are 13 + 21); a cell for an exercise not graded on the
student's backend is empty.

The `findings` column is there when some student was graded with findings answers (class.yaml
`answers:`/`answers_path:`): their max_score includes the findings; a student graded without
answers has an empty findings cell ("not graded", not zero) and the default max_score, so
rows are compared by percent (docs/batch.md).

status is `graded`, `error` (the host could not be graded: score, percent and exercise cells
are empty, the reason is in `error`) or `pending` (not graded yet: an interrupted batch).
feedback is for the student, one line per check that lost points ("SSH (tcp/22) is allowed
in: -8 (fail)"), "All checks passed." or why nothing could be graded. With BOM (--csv-bom)
the text starts with a UTF-8 byte order mark, which Excel needs to read UTF-8.
flags says what the student's state shares with classmates' (port UUIDs, MACs, machine-id,
boot_id: grader/identity.py), "; "-separated; it never changes a score.
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

STUDENT_COLUMNS = ("id", "name", "email")
GRADE_COLUMNS = ("status", "score", "max_score", "percent")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """CELL, prefixed with ' when a spreadsheet would take it for a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def percent(result: HostResult) -> str:
    if not result.max_score:
        return ""
    return number(round(100 * result.score / result.max_score, 1))


def feedback(result: HostResult) -> str:
    """For the student: each check that lost points, with the points lost, one per line."""
    if result.ungraded_reason is not None:
        return "Could not be graded: " + strip_unsafe(result.ungraded_reason).replace("\n", " ")
    lost = [
        f"{strip_unsafe(c.title)}: -{number(c.max_points - c.points)} ({c.status})"
        for c in result.checks()
        if c.points < c.max_points
    ]
    return "\n".join(lost) or "All checks passed."


def row(
    student: Student,
    result: HostResult | None,
    exercise_ids: Sequence[str],
    extra_columns: Sequence[str] = (),
) -> list[str]:
    extra = dict(student.extra)
    cells = [student.id, student.name, student.email, *[extra.get(c, "") for c in extra_columns]]
    if result is None:
        return [*cells, "pending", "", "", "", *[""] * len(exercise_ids), "", "", ""]
    flags = strip_unsafe("; ".join(result.flags)).replace("\n", " ")
    if result.ungraded_reason is not None:
        blanks = [""] * len(exercise_ids)
        reason = strip_unsafe(result.ungraded_reason).replace("\n", " ")
        max_score = number(result.max_score)
        return [*cells, "error", "", max_score, "", *blanks, feedback(result), reason, flags]
    scores = {exercise.id: number(exercise.score) for exercise in result.exercises}
    return [
        *cells,
        "graded",
        number(result.score),
        number(result.max_score),
        percent(result),
        *[scores.get(exercise_id, "") for exercise_id in exercise_ids],
        feedback(result),
        "",
        flags,
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
    bom: bool = False,
) -> str:
    """The CSV text (RFC 4180, CRLF line ends) for ENTRIES, in their order; the exercise
    columns are exercise_columns(ENTRIES, SHOWN, ORDER); BOM: start with a UTF-8 BOM."""
    exercise_ids = exercise_columns(entries, shown, order)
    extra = list(dict.fromkeys(name for student, _ in entries for name, _ in student.extra))
    header = [*STUDENT_COLUMNS, *extra, *GRADE_COLUMNS, *exercise_ids, "feedback", "error", "flags"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in header])
    for student, result in entries:
        cells = row(student, result, exercise_ids, extra)
        writer.writerow([neutralise(strip_unsafe(cell)) for cell in cells])
    return ("\ufeff" if bom else "") + out.getvalue()
