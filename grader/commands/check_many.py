"""`labgrade check A B ...` (or `check ssh://a,ssh://b`, testinfra's --hosts form): several
hosts in one run, one connection and one gather each, one after the other.

    text   the report of each host, in the order given (a host in error: on standard error)
    json   a JSON array of the hosts' reports
    junit  one testsuite per host
The exit code is the worst host's: 3 if one could not be graded, else 1 if one is not
passing (--min-score applies to each), else 0. Formats that describe one host only
(gradescope, prairielearn) are a usage error with several targets.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from grader.commands.options import write_output
from grader.commands.reports import STDOUT, ReportSpec
from grader.errors import EXIT_HOST, EXIT_NOT_PASSING, EXIT_OK, LabgradeError
from grader.report.junit import render_junit
from grader.report.text import render_text, use_color
from grader.result import HostResult

SEVERAL = ("text", "json", "junit")  # the formats that render several hosts


def targets_of(args: argparse.Namespace) -> list[str]:
    """TARGET and the further ones, each split at commas (`ssh://a,ssh://b`)."""
    given = [t for t in [args.target, *getattr(args, "more_targets", [])] if t]
    return [part for target in given for part in split_targets(target)]


def split_targets(target: str) -> list[str]:
    """ "ssh://a,ssh://b" -> both; a comma inside a query string (?k=a,b) is kept."""
    if "," not in target or "?" in target:
        return [target]
    return [part.strip() for part in target.split(",") if part.strip()]


def check_formats(specs: Sequence[ReportSpec]) -> None:
    for spec in specs:
        if spec.reporter.name not in SEVERAL:
            raise LabgradeError(
                f"--report {spec.reporter.name} describes one host: give one TARGET "
                f"(with several: {', '.join(SEVERAL)})"
            )


def render(name: str, results: Sequence[HostResult], color: bool, errors: bool = True) -> str:
    """NAME's text for RESULTS; ERRORS=False leaves the text of hosts in error out (they go
    to standard error)."""
    if name == "json":
        return json.dumps([r.to_dict() for r in results], indent=2) + "\n"
    if name == "junit":
        return render_junit(list(results))
    shown = [r for r in results if errors or r.status != "error"]
    return "\n".join(render_text(r, color=color) for r in shown)


def write_reports(specs: Sequence[ReportSpec], results: Sequence[HostResult]) -> None:
    for spec in specs:
        if spec.file and spec.file != STDOUT:
            write_output(spec.file, render(spec.reporter.name, results, color=False))
    for spec in specs:
        if spec.file == STDOUT:
            if spec.reporter.name == "text":
                for result in results:
                    if result.status == "error":
                        sys.stderr.write(render_text(result, color=use_color(sys.stderr)))
            text = render(spec.reporter.name, results, use_color(sys.stdout), errors=False)
            sys.stdout.write(text)


def worst_exit(results: Sequence[HostResult], code_of: Callable[[HostResult], int]) -> int:
    codes = {code_of(result) for result in results}
    for code in (EXIT_HOST, EXIT_NOT_PASSING):
        if code in codes:
            return code
    return EXIT_OK
