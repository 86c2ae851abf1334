"""What `batch` and `regrade` do at the end: write the class files, print the summary."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from grader.classdir import ClassDir, Entry
from grader.errors import EXIT_HOST, EXIT_OK
from grader.model import Exercises
from grader.report.summary import render_summary


def finish_class(
    classdir: ClassDir, entries: Sequence[Entry], exercises: Exercises, only: Sequence[str] | None
) -> int:
    """Write grades.csv and junit.xml, print the summary; EXIT_HOST if a student is in error."""
    lab_own = [exercise.id for exercise in exercises.select(only).exercises]
    classdir.write_class_files(entries, lab_own, [e.id for e in exercises.exercises])
    sys.stdout.write(render_summary(entries))
    print(
        f"labgrade: wrote {classdir.grades_path}, {classdir.junit_path} and "
        f"{classdir.students_dir}/",
        file=sys.stderr,
    )
    if any(result is not None and not result.has_grade for _, result in entries):
        return EXIT_HOST
    return EXIT_OK
