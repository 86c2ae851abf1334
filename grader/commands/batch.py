"""`labgrade batch INVENTORY`: grade every student's host in parallel into a directory."""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from grader.class_grading import MAX_JOBS, BatchRun, Settings, default_jobs, grade_class
from grader.classdir import ClassDir, Manifest
from grader.commands.class_output import finish_class
from grader.commands.options import (
    add_command,
    add_connection_options,
    add_exercises_option,
    add_only_option,
    check_readable,
    connect_options,
    split_only,
)
from grader.commands.reports import add_class_report_options, class_reports
from grader.errors import LabgradeError
from grader.inventory import Student, load_inventory
from grader.inventory_ansible import load_ansible_inventory
from grader.model import load_exercises
from grader.report.batch_progress import make_progress
from grader.stamp import rubric_digest

DESCRIPTION = """\
Grade a class: every student's host, in parallel, one connection and one gather each.
INVENTORY is a class.yaml (defaults: and students:) or a CSV file (id,name,email,target,...);
or give an Ansible inventory with --ansible-inventory. Written to DIR (atomically):
grades.csv, junit.xml, report.html, students/<id>.json and students/<id>.snapshot.json
(docs/batch.md).
A host that cannot be graded, or where every check is `error` (none passed or failed), is
that student's `error`, with the reason; the others go on. A student's findings answers
(`answers:` a file here, or `answers_path:` on their host) are graded too, kept in
students/<id>.answers.yaml (docs/findings.md); an unusable answers file is their `error`.
Ctrl-C stops cleanly; --resume grades the students with no result (or an error) in DIR.

exit codes:
  0    every student graded (whatever their scores)
  2    usage error, or a broken inventory or exercises file
  3    some students could not be graded (see the summary and grades.csv)
  130  interrupted (finish with --resume)
"""

EXAMPLES = """\
examples:
  labgrade batch class.yaml --out grades-week3 --sudo
  labgrade batch class.csv --jobs 32 --timeout 60 --only sg
  labgrade batch --ansible-inventory hosts.ini --out grades-week3
  labgrade batch class.yaml --out grades-week3 --resume
  labgrade batch class.yaml --out grades-week3 --report junit=ci/class.xml
"""
DEFAULT_OUT = "labgrade-results"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "batch", "grade a whole class over SSH", DESCRIPTION, EXAMPLES)
    parser.add_argument(
        "inventory", nargs="?", metavar="INVENTORY", help="class.yaml or a CSV file"
    )
    parser.add_argument(
        "--ansible-inventory", metavar="FILE", help="an Ansible inventory: each host a student"
    )
    parser.add_argument(
        "--jobs",
        type=jobs_count,
        metavar="N",
        help=f"hosts graded at once (default: the number of students, at most {MAX_JOBS})",
    )
    parser.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"where to write (default: {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish DIR: grade only the students with no result, or an error, there",
    )
    add_exercises_option(parser)
    add_only_option(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    add_class_report_options(parser)
    add_connection_options(parser)
    parser.set_defaults(handler=run)


def jobs_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 256")
    return int(text)


def load_students(args: argparse.Namespace) -> list[Student]:
    if bool(args.inventory) == bool(args.ansible_inventory):
        raise LabgradeError("give an INVENTORY or --ansible-inventory FILE (one of them)")
    if args.ansible_inventory:
        notes: list[str] = []
        students = load_ansible_inventory(args.ansible_inventory, notes)
        for note in notes:
            print(f"labgrade: note: {note}", file=sys.stderr)
        return students
    return load_inventory(args.inventory)


def check_resumable(classdir: ClassDir, args: argparse.Namespace) -> None:
    if not classdir.exists():
        return
    if not args.resume:
        raise LabgradeError(
            f"{classdir.path} already holds a batch; finish it with --resume, "
            "or choose another --out DIR"
        )
    before = classdir.read_manifest()
    only = tuple(args.only) if args.only else None
    if before.only != only or before.exercises != exercises_path(args):
        raise LabgradeError(
            f"{classdir.path} was graded with other --only/--exercises options "
            f"(--only {','.join(before.only or ()) or '(default)'}, "
            f"--exercises {before.exercises or '(shipped)'}); give the same ones to resume"
        )
    if before.rubric is not None and before.rubric != rubric_digest(before.exercises, only):
        raise LabgradeError(
            f"the exercises file {before.exercises or '(shipped)'} changed since {classdir.path} "
            "was graded: resuming would grade the class with two rubrics; run `labgrade regrade "
            f"{classdir.path}` first, then --resume"
        )


def exercises_path(args: argparse.Namespace) -> str | None:
    """--exercises FILE as an absolute path (regrade may run from elsewhere)."""
    return str(Path(args.exercises).resolve()) if args.exercises else None


class StopSignals:
    """SIGINT and SIGTERM stop the batch once: the first one raises KeyboardInterrupt; any
    further one (an impatient second Ctrl-C, `timeout -s INT`...) is only counted, so that
    shutting the pool down and writing grades.csv and junit.xml always finish. After hold()
    (the batch is over) every signal is only counted. On exit the previous handlers come back,
    unless a signal came: then the process is on its way out with 130, and a late signal must
    not turn that into a death by signal, so they are ignored (SIG_IGN: the interpreter's
    finalization resets a Python handler to the default, which kills, but keeps SIG_IGN)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.stopping = False
        self.received = 0
        self.previous: dict[int, Any] = {}

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.received += 1
        if not self.stopping:
            self.stopping = True
            raise KeyboardInterrupt

    def hold(self) -> None:
        """From now on no signal interrupts: the final files are being written."""
        self.stopping = True

    def __enter__(self) -> StopSignals:
        for signum in self.SIGNALS:
            self.previous[signum] = signal.signal(signum, self.handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, signal.SIG_IGN if self.received else handler)


def run(args: argparse.Namespace) -> int:
    args.only = split_only(args.only)
    check_readable(args.ssh_config, "--ssh-config")
    check_readable(args.ssh_identity_file, "--ssh-identity-file")
    students = load_students(args)
    exercises = load_exercises(args.exercises)
    exercises.select(args.only)  # an unknown --only id is a usage error
    classdir = ClassDir(args.out)
    class_reports(args.report, classdir.path)  # a usage error before grading
    check_resumable(classdir, args)
    classdir.create()
    only = tuple(args.only) if args.only else None
    rubric = rubric_digest(exercises_path(args), only)
    classdir.write_manifest(Manifest(tuple(students), exercises_path(args), only, rubric))
    kept = {}
    if args.resume:
        kept = {s.id: r for s, r in classdir.stored(students) if r and r.has_grade}
    todo = [s for s in students if s.id not in kept]
    jobs = args.jobs or default_jobs(len(todo))
    options = replace(connect_options(args), suggest_lab=False)  # batch has no --lab
    settings = Settings(exercises, args.only, options, jobs)
    progress = make_progress(sys.stderr, len(todo), quiet=args.quiet)
    with StopSignals() as signals:
        try:
            batch = grade_class(todo, settings, classdir, progress, finished=signals.hold)
        except KeyboardInterrupt:  # before grade_class started a host
            batch = BatchRun(interrupted=True)
        signals.hold()
        entries = [(s, batch.results.get(s.id) or kept.get(s.id)) for s in students]
        code = finish_class(classdir, entries, exercises, args.only, args.report, args.csv_bom)
        if not (batch.interrupted or signals.received):
            return code
        left = sum(1 for _, result in entries if result is None)
        print(
            f"labgrade: interrupted: {left} students not graded; finish with "
            f"`labgrade batch ... --out {classdir.path} --resume`",
            file=sys.stderr,
        )
        return 130
