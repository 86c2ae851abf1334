"""What `batch` and `regrade` do at the end: write the class reports, print the summary."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace

from grader.classdir import ClassDir, Entry
from grader.commands.reports import ReportSpec, class_reports, write_class_reports
from grader.errors import EXIT_HOST, EXIT_OK
from grader.identity import class_flags
from grader.model import Exercises
from grader.report.reporters import ClassReport


def finish_class(
    classdir: ClassDir,
    entries: Sequence[Entry],
    exercises: Exercises,
    only: Sequence[str] | None,
    reports: Sequence[ReportSpec] = (),
    csv_bom: bool = False,
) -> int:
    """Write the class reports (grades.csv, junit.xml and REPORTS), print the summary;
    EXIT_HOST if a student is in error. grades.csv has a column for each exercise of the
    lab's own selection and each exercise graded for some student, in the rubric's order.
    First the class is cross-checked: each student's `flags` (grader/identity.py)."""
    entries = cross_check(classdir, entries)
    lab_own = [exercise.id for exercise in exercises.select(only).exercises]
    report = ClassReport(entries, lab_own, [e.id for e in exercises.exercises], csv_bom=csv_bom)
    written = write_class_reports(class_reports(reports, classdir.path), report)
    print(f"labgrade: wrote {', '.join(written)} and {classdir.students_dir}/", file=sys.stderr)
    if any(result is not None and not result.has_grade for _, result in entries):
        return EXIT_HOST
    return EXIT_OK


def cross_check(classdir: ClassDir, entries: Sequence[Entry]) -> list[Entry]:
    """ENTRIES with each student's `flags` (state shared with classmates: grader/identity.py);
    a student whose flags changed gets them in the stored report too. Scores stay as they are."""
    identities = {s.id: r.identity for s, r in entries if r is not None and r.identity}
    flags = class_flags(identities)
    checked: list[Entry] = []
    for student, result in entries:
        if result is not None and result.flags != flags.get(student.id, ()):
            result = replace(result, flags=flags.get(student.id, ()))
            classdir.write_flags(student.id, result.flags)
        checked.append((student, result))
    return checked
