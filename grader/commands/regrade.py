"""`labgrade regrade DIR`: grade a class again from the snapshots stored in DIR, offline."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from grader.answers_file import parse_answers, with_answers, with_findings
from grader.classdir import ClassDir, Entry, Manifest, describe_rubric
from grader.commands.class_output import finish_class
from grader.commands.options import add_command, add_exercises_option, add_only_option, split_only
from grader.commands.reports import add_class_report_options, class_reports
from grader.errors import HostError, InputFileError
from grader.grading import grade_snapshot, why
from grader.inventory import Student
from grader.model import Exercises, load_exercises
from grader.report.json import render_json
from grader.result import HostResult, host_error
from grader.stamp import rubric_digest, stamped

DESCRIPTION = """\
Grade the class in DIR (written by `labgrade batch`) again from the snapshots stored there,
without touching a host: after a change to the rubric, give the new --exercises FILE.
Each run grades what it is asked: --only for this run (none: the default exercises), and
--exercises FILE (none: the file that graded DIR last); batch.json records the rubric (a
digest of the file and the selection), and regrade says when it changed since.
Rewrites DIR's students/<id>.json, grades.csv, junit.xml and report.html. Students whose
host could not be gathered keep their error; students never graded stay `pending`. A
student where every check is `error` (none passed or failed) is in error too. A student who
had findings answers is graded on the copy the batch kept, students/<id>.answers.yaml.
Exit codes: 0 every student graded, 2 usage or file error, 3 some students in error.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers, "regrade", "grade a batch directory again from its snapshots", DESCRIPTION
    )
    parser.add_argument("directory", metavar="DIR", help="the --out DIR of `labgrade batch`")
    add_exercises_option(parser)
    add_only_option(parser)
    add_class_report_options(parser)
    parser.set_defaults(handler=run)


def regrade_student(
    classdir: ClassDir, student: Student, exercises: Exercises, only: list[str] | None
) -> HostResult | None:
    """STUDENT graded from the stored snapshot (and the stored answers, for a student who had
    some); else the stored error; else None (pending)."""
    rubric = with_findings(exercises) if has_answers(student) else exercises
    max_score = sum(e.max_points for e in rubric.select(only).exercises)
    try:
        snapshot = classdir.read_snapshot(student.id)
        if snapshot is not None:
            try:
                graded = with_stored_answers(classdir, student, rubric)
            except HostError as error:
                return host_error(student.target, str(error), max_score)
            return grade_snapshot(snapshot, graded, only, student.target)
    except InputFileError as error:
        return host_error(student.target, f"the stored snapshot is unusable: {error}", max_score)
    except Exception as error:  # whatever a handed-in snapshot does, it costs one student
        return host_error(
            student.target, f"could not grade the stored snapshot: {why(error)}", max_score
        )
    stored = classdir.read_result(student.id)
    if stored is not None and stored.status == "error":
        return replace(stored, max_score=max_score)
    return None


def has_answers(student: Student) -> bool:
    return bool(student.answers or student.answers_path)


def with_stored_answers(classdir: ClassDir, student: Student, exercises: Exercises) -> Exercises:
    """EXERCISES with the answers the batch graded for STUDENT (students/<id>.answers.yaml);
    HostError naming the file when it is missing or refused."""
    if not has_answers(student):
        return exercises
    name = str(classdir.answers_path(student.id))
    try:
        given = parse_answers(name, classdir.read_answers(student.id), exercises)
    except InputFileError as error:
        raise HostError(
            f"answers file {error}; the answers the batch graded are kept there: fix or "
            "restore it, then regrade"
        ) from None
    return with_answers(exercises, given)


def write_result(classdir: ClassDir, student: Student, result: HostResult) -> HostResult:
    """Write students/<id>.json: RESULT, or the student's error if RESULT cannot be rendered."""
    try:
        text = render_json(result)
    except Exception as error:
        reason = f"could not record the result: {why(error)}"
        result = replace(host_error(student.target, reason, result.max_score), rubric=result.rubric)
        text = render_json(result)
    classdir.write_result(student.id, text)
    return result


def run(args: argparse.Namespace) -> int:
    classdir = ClassDir(args.directory)
    class_reports(args.report, classdir.path)  # a usage error before grading
    manifest = classdir.read_manifest()
    only = split_only(args.only)  # for this run only: none = the default exercises
    exercises_file = str(Path(args.exercises).resolve()) if args.exercises else manifest.exercises
    exercises = load_exercises(exercises_file)
    exercises.select(only)  # an unknown --only id is a usage error
    rubric = rubric_digest(exercises_file, only)
    if manifest.rubric is not None and manifest.rubric != rubric:
        change = rubric_change(classdir, manifest, exercises_file, only)
        print(f"labgrade: {change}", file=sys.stderr)
    entries: list[Entry] = []
    for student in manifest.students:
        result = regrade_student(classdir, student, exercises, only)
        if result is not None:
            result = write_result(classdir, student, stamped(result, exercises, only))
        entries.append((student, result))
    classdir.write_manifest(
        Manifest(manifest.students, exercises_file, tuple(only) if only else None, rubric)
    )
    return finish_class(classdir, entries, exercises, only, args.report, args.csv_bom)


def rubric_change(
    classdir: ClassDir, before: Manifest, exercises: str | None, only: list[str] | None
) -> str:
    """One line: the rubric that graded CLASSDIR last, and the one grading it now."""
    now = describe_rubric(exercises, only)
    same_words = describe_rubric(before.exercises, before.only) == now
    was = "the same file and selection, but the file's content changed" if same_words else ""
    return (
        f"the rubric changed since {classdir.path} was last graded: "
        f"was {was or describe_rubric(before.exercises, before.only)}, now {now}; "
        "every student is graded with the new one"
    )
