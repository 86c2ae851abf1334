"""`labgrade check` on the host itself: the local history (`--no-history`), `--watch`, and
`labgrade history`. (docs/history.md)"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone

from grader.errors import EXIT_OK
from grader.history import History, history_path, load, progress, record, render_timeline
from grader.report.checklist import render_checklist
from grader.report.safetext import one_line
from grader.report.text import terminal_width
from grader.result import HostResult

DEFAULT_WATCH = 5.0


def add_progress_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("progress (when grading this host itself)")
    group.add_argument(
        "--watch",
        nargs="?",
        const=DEFAULT_WATCH,
        type=_seconds,
        metavar="SECONDS",
        help=f"re-grade every SECONDS (default {DEFAULT_WATCH:g}) and redraw a compact checklist,"
        " marking with * what changed, until Ctrl-C (exit 130)",
    )
    group.add_argument(
        "--no-history",
        action="store_true",
        help="do not record this run in the history ($LABGRADE_HISTORY, else"
        " /var/lib/labgrade/history.jsonl; `labgrade history` shows it)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0.2 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds in 0.2-3600")
    return value


def grades_this_host(args: argparse.Namespace) -> bool:
    return not args.snapshot and not args.lab and (args.target or "local://") == "local://"


def recorded_progress(args: argparse.Namespace, result: HostResult) -> History | None:
    """Record RESULT in this host's history (a run on the host itself) and return what the
    report shows of it; None for a remote host or a snapshot."""
    if not grades_this_host(args):
        return None
    path = history_path()
    if not args.no_history:
        problem = record(result, path)
        if problem:
            print(f"labgrade: note: {one_line(problem)}", file=sys.stderr)
    return progress(load(path))


def watch(grade_once: Callable[[], HostResult], interval: float) -> int:
    """Redraw the checklist every INTERVAL seconds until Ctrl-C (then exit 130)."""
    previous: dict[str, str] | None = None
    tty = sys.stdout.isatty()
    try:
        while True:
            result = grade_once()
            text = render_checklist(result, previous, terminal_width(sys.stdout))
            stamp = datetime.now(timezone.utc).strftime("%H:%M:%S")
            footer = f"({stamp} UTC; again every {interval:g} s; Ctrl-C to stop)\n"
            sys.stdout.write(("\x1b[H\x1b[2J" if tty else "\n") + text + footer)
            sys.stdout.flush()
            previous = {c.id: c.status for c in result.checks()}
            time.sleep(interval)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        sys.stdout.flush()
        raise


def run_history(args: argparse.Namespace) -> int:
    sys.stdout.write(render_timeline(load(history_path())))
    return EXIT_OK


def register_history(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "history",
        help="the timeline of `labgrade check` runs on this host",
        description="Print every recorded `labgrade check` run on this host, with its score and"
        " the checks it gained or lost, then when each check first passed. The history is"
        " $LABGRADE_HISTORY, else /var/lib/labgrade/history.jsonl; it is the student's own"
        " record, not evidence for an instructor.",
    )
    parser.set_defaults(handler=run_history)
