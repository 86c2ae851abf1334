"""`labgrade regrade DIR`: grade a class again from the snapshots stored in DIR, offline."""

from __future__ import annotations

import argparse
from dataclasses import replace

from grader.classdir import ClassDir, Entry, Manifest
from grader.commands.class_output import finish_class
from grader.commands.options import add_command, add_exercises_option, add_only_option, split_only
from grader.commands.reports import add_report_option, class_reports
from grader.errors import InputFileError
from grader.grading import grade_snapshot
from grader.inventory import Student
from grader.model import Exercises, load_exercises
from grader.report.json import render_json
from grader.result import HostResult, host_error

DESCRIPTION = """\
Grade the class in DIR (written by `labgrade batch`) again from the snapshots stored there,
without touching a host: after a change to the rubric, give the new --exercises FILE.
Rewrites DIR's students/<id>.json, grades.csv and junit.xml. Students whose host could not
be gathered keep their error; students never graded stay `pending`. A student where every
check is `error` (none passed or failed) is in error too.
Exit codes: 0 every student graded, 2 usage or file error, 3 some students in error.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers, "regrade", "grade a batch directory again from its snapshots", DESCRIPTION
    )
    parser.add_argument("directory", metavar="DIR", help="the --out DIR of `labgrade batch`")
    add_exercises_option(parser)
    add_only_option(parser)
    add_report_option(
        parser.add_argument_group("output"), "default: the format's file in DIR, or stdout"
    )
    parser.set_defaults(handler=run)


def regrade_student(
    classdir: ClassDir, student: Student, exercises: Exercises, only: list[str] | None
) -> HostResult | None:
    """STUDENT graded from the stored snapshot; else the stored error; else None (pending)."""
    max_score = sum(e.max_points for e in exercises.select(only).exercises)
    try:
        snapshot = classdir.read_snapshot(student.id)
    except InputFileError as error:
        return host_error(student.target, f"the stored snapshot is unusable: {error}", max_score)
    if snapshot is not None:
        return grade_snapshot(snapshot, exercises, only, student.target)
    stored = classdir.read_result(student.id)
    if stored is not None and stored.status == "error":
        return replace(stored, max_score=max_score)
    return None


def run(args: argparse.Namespace) -> int:
    classdir = ClassDir(args.directory)
    class_reports(args.report, classdir.path)  # a usage error before grading
    manifest = classdir.read_manifest()
    only = split_only(args.only) or (list(manifest.only) if manifest.only else None)
    exercises_file = args.exercises or manifest.exercises
    exercises = load_exercises(exercises_file)
    exercises.select(only)  # an unknown --only id is a usage error
    entries: list[Entry] = []
    for student in manifest.students:
        result = regrade_student(classdir, student, exercises, only)
        if result is not None:
            classdir.write_result(student.id, render_json(result))
        entries.append((student, result))
    classdir.write_manifest(
        Manifest(manifest.students, exercises_file, tuple(only) if only else None)
    )
    return finish_class(classdir, entries, exercises, only, args.report)
