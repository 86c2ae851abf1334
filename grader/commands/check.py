"""`labgrade check [TARGET]`: gather a host (or read a snapshot), grade it, report."""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, replace

from grader import backends
from grader.answers_file import load_answers, with_answers, with_findings
from grader.commands.check_many import check_formats, targets_of, worst_exit, write_reports
from grader.commands.history_watch import add_progress_options, recorded_progress, watch
from grader.commands.hosts import resolved_target
from grader.commands.options import (
    add_command,
    add_exercises_option,
    add_only_option,
    add_target_options,
    split_only,
)
from grader.commands.reports import add_report_option, host_reports, write_host_reports
from grader.errors import (
    EXIT_HOST,
    EXIT_NOT_PASSING,
    EXIT_OK,
    LabgradeError,
)
from grader.grading import grade_snapshot, grade_target
from grader.model import Exercises, load_exercises
from grader.report.reporters import REPORTERS
from grader.report.safetext import number
from grader.result import HostResult, SnapshotSource
from grader.snapshot import MAX_SNAPSHOT_BYTES, Snapshot
from grader.stamp import stamped
from grader.yamlfile import read_bounded

DESCRIPTION = """\
Grade the lab on TARGET (default: this host; run it as root, e.g. `sudo labgrade check`)
or on a saved snapshot. Everything is gathered in one remote command; the checks then
run locally. The report lists every check with its points and, for what did not pass,
the evidence found, the hint and a command to look for yourself.

exit codes:
  0    every selected check passed (or the score reached --min-score)
  1    graded, but not passing
  2    usage error, or a broken exercises file or snapshot
  3    the host could not be graded (unreachable, no permission, command missing), or
       every check is `error` (e.g. not root, another Neutron backend): none passed or failed
  141  standard output closed early (`labgrade check | head`)
"""

EXAMPLES = """\
examples:
  sudo labgrade check                          grade this host
  labgrade check ssh://stack@devstack-07 --sudo
  labgrade check --only sg                     one exercise (or one check: --only sg.ssh)
  labgrade check --only cleanup                the clean-up exercise, not run by default
  labgrade check --snapshot s07.json --format json
  labgrade check HOST --junit report.xml --json report.json --min-score 80%
  labgrade check HOST --report text --report json=r.json --report junit=r.xml
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "check", "grade a host (or a snapshot)", DESCRIPTION, EXAMPLES)
    add_target_options(parser)
    parser.add_argument(
        "more_targets",
        nargs="*",
        metavar="TARGET",
        help="more hosts: each graded in turn (text report per host, a JSON array, one "
        "JUnit testsuite each); `ssh://a,ssh://b` works too",
    )
    parser.add_argument(
        "--snapshot", metavar="FILE", help="grade this snapshot (`labgrade collect`) instead"
    )
    add_exercises_option(parser)
    add_only_option(parser)
    parser.add_argument(
        "--answers",
        metavar="FILE",
        help="grade your findings too: the answers file `labgrade answers` wrote, filled in"
        " (adds the findings exercise unless --only names what to grade)",
    )
    add_progress_options(parser)
    output = parser.add_argument_group("output")
    add_report_option(output, "default: text on standard output")
    output.add_argument(
        "--format",
        choices=[name for name, reporter in REPORTERS.items() if reporter.host],
        help="report format on standard output (default: text); = --report FORMAT",
    )
    output.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="text report: show the evidence behind passing checks too (what the lab has you"
        " look at)",
    )
    output.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report: auto (default) on a terminal, unless NO_COLOR is set or"
        " TERM=dumb",
    )
    output.add_argument("--json", metavar="FILE", help="also write the JSON report to FILE")
    output.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    output.add_argument(
        "--min-score",
        type=parse_min_score,
        metavar="N|N%",
        help="exit 0 when the score reaches N points, or N%% of the maximum score (80%% of 100"
        " points is 80), even if some checks do not pass; N over the maximum is refused",
    )
    parser.set_defaults(handler=run)


def grade_snapshot_file(path: str, exercises: Exercises, only: list[str] | None) -> HostResult:
    started = time.monotonic()
    snapshot = Snapshot.from_json(read_bounded(path, MAX_SNAPSHOT_BYTES), source=path)
    target = str(snapshot.meta.get("target") or path)
    result = grade_snapshot(snapshot, exercises, only, target, started=started)
    collected_at = snapshot.meta.get("collected_at")
    source = SnapshotSource(path, None if collected_at is None else str(collected_at))
    return replace(result, snapshot=source)


def grade_host(args: argparse.Namespace, exercises: Exercises) -> HostResult:
    with resolved_target(args) as (spec, options):
        return grade_target(spec, options, exercises, args.only)[0]


@dataclass(frozen=True)
class MinScore:
    """`--min-score`: N points, or N percent of the selected checks' maximum score."""

    value: float
    percent: bool = False

    def reached(self, result: HostResult) -> bool:
        wanted = self.value * result.max_score / 100 if self.percent else self.value
        return result.score >= wanted


def parse_min_score(text: str) -> MinScore:
    """`80` (points) or `80%` (percent of the maximum score)."""
    percent = text.strip().endswith("%")
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (percent and value > 100):
        raise argparse.ArgumentTypeError(
            f"'{text}' is neither N (points, N >= 0) nor N% (percent of the maximum, 0-100)"
        )
    return MinScore(value, percent)


def check_reachable(
    min_score: MinScore | None, exercises: Exercises, only: list[str] | None
) -> None:
    """A usage error when MIN_SCORE is more points than the selected checks are worth on any
    backend: the run could never pass. (A percentage over 100 is refused when parsed.)"""
    if min_score is None or min_score.percent:
        return
    most = max(
        sum(e.max_points for e in exercises.select(only, backend=backend).exercises)
        for backend in backends.KNOWN
    )
    if min_score.value > most:
        raise LabgradeError(
            f"--min-score {number(min_score.value)} is more than the maximum score, "
            f"{number(most)} (the points of the selected checks): the run could never pass"
        )


def exit_code(result: HostResult, min_score: MinScore | None) -> int:
    """0 passing, 1 not passing, 3 not gradable: unreachable, or only `error` checks."""
    if not result.has_grade:
        return EXIT_HOST
    if result.all_passed or (min_score is not None and min_score.reached(result)):
        return EXIT_OK
    return EXIT_NOT_PASSING


def check_several(
    args: argparse.Namespace, targets: list[str], exercises: Exercises, reports: list
) -> int:
    """`check A B ...`: each target graded in turn (grader/commands/check_many.py)."""
    if args.snapshot or args.lab or args.watch is not None:
        raise LabgradeError("several TARGETs cannot go with --snapshot, --lab or --watch")
    check_formats(reports)
    results = []
    for target in targets:
        args.target = target
        results.append(stamped(grade_host(args, exercises), exercises, args.only))
    write_reports(reports, results)
    return worst_exit(results, lambda r: exit_code(r, args.min_score))


def run(args: argparse.Namespace) -> int:
    args.only = split_only(args.only)
    exercises = load_exercises(args.exercises)
    exercises.select(args.only)  # an unknown --only id is a usage error
    if args.answers:
        exercises = with_answers(exercises, load_answers(args.answers, exercises))
        if not args.only:  # the default exercises and the findings (where they apply)
            exercises = with_findings(exercises)
    check_reachable(args.min_score, exercises, args.only)
    reports = host_reports(args)  # a usage error before connecting
    targets = targets_of(args)
    if len(targets) > 1:
        return check_several(args, targets, exercises, reports)
    if args.snapshot and (args.target or args.lab):
        raise LabgradeError("give a TARGET or --snapshot FILE, not both")
    if args.watch is not None:
        if args.snapshot:
            raise LabgradeError("--watch re-gathers a host: it cannot watch a snapshot")
        return watch(lambda: grade_host(args, exercises), args.watch)
    if args.snapshot:
        result = grade_snapshot_file(args.snapshot, exercises, args.only)
    else:
        result = grade_host(args, exercises)
    result = stamped(result, exercises, args.only)
    progress = recorded_progress(args, result)
    write_host_reports(reports, result, args.color, args.verbose, progress)
    return exit_code(result, args.min_score)
