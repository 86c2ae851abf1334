"""`--report FORMAT[=FILE]`, repeatable, on check, batch and regrade: which reports go where.

    labgrade check HOST --report text --report json=r.json --report junit=r.xml
    labgrade batch class.yaml --out DIR --report junit=ci/class.xml

The formats are the table of grader/report/reporters.py. FILE `-` (or no FILE, for `check`)
is standard output, which takes one report; when none is asked for there, it gets `text`.
`batch` and `regrade` always write DIR's own files (grades.csv, junit.xml, report.html) and
print the summary; a --report without FILE writes that format's file in DIR. `check`'s
`--format/--json/--junit` are aliases of `--report`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from grader.commands.options import write_output
from grader.errors import LabgradeError
from grader.report.reporters import REPORTERS, ClassReport, HostReport, Reporter
from grader.report.text import terminal_width, use_color
from grader.result import History, HostResult

STDOUT = "-"
CLASS_REPORTS = ("text", "csv", "junit", "html")  # what batch and regrade always write


@dataclass(frozen=True)
class ReportSpec:
    reporter: Reporter
    file: str | None = None  # a path, "-" for standard output, None for the default place


def parse_report(text: str) -> ReportSpec:
    """`FORMAT` or `FORMAT=FILE` (argparse type)."""
    name, equals, file = text.partition("=")
    reporter = REPORTERS.get(name.strip())
    if reporter is None:
        known = ", ".join(REPORTERS)
        raise argparse.ArgumentTypeError(f"unknown format '{name}' (known: {known})")
    if equals and not file:
        raise argparse.ArgumentTypeError(f"'{text}': no FILE after '='")
    return ReportSpec(reporter, file or None)


def add_report_option(group: argparse._ArgumentGroup, where: str) -> None:
    lines = "; ".join(f"{r.name} ({r.renders})" for r in REPORTERS.values())
    group.add_argument(
        "--report",
        action="append",
        type=parse_report,
        default=[],
        metavar="FORMAT[=FILE]",
        help=f"also write FORMAT to FILE ({where}); repeatable. Formats: {lines}",
    )


def add_class_report_options(parser: argparse.ArgumentParser) -> None:
    """batch's and regrade's output options: --report, --csv-bom."""
    group = parser.add_argument_group("output")
    add_report_option(group, "default: the format's file in DIR, or stdout")
    group.add_argument(
        "--csv-bom",
        action="store_true",
        help="start grades.csv with a UTF-8 byte order mark (Excel then reads accents right)",
    )


def _checked(specs: Sequence[ReportSpec], kind: str) -> list[ReportSpec]:
    """SPECS without repeats; a usage error for a format that does not render KIND, two
    reports on standard output or two reports into one file."""
    unique = list(dict.fromkeys(specs))
    for spec in unique:
        renderer = spec.reporter.host if kind == "one host" else spec.reporter.klass
        if renderer is None:
            raise LabgradeError(
                f"--report {spec.reporter.name}: renders {spec.reporter.renders}, not {kind}"
            )
    files = [spec.file for spec in unique]
    for file in files:
        if files.count(file) > 1:
            where = "standard output" if file == STDOUT else file
            raise LabgradeError(f"--report: two reports to {where}")
    return unique


def host_reports(args: argparse.Namespace) -> list[ReportSpec]:
    """`check`'s reports: --report plus the aliases; `text` on standard output if nothing else."""
    specs = [ReportSpec(spec.reporter, spec.file or STDOUT) for spec in args.report]
    if args.format:
        specs.append(ReportSpec(REPORTERS[args.format], STDOUT))
    aliases = (("json", args.json), ("junit", args.junit))
    specs += [ReportSpec(REPORTERS[name], file) for name, file in aliases if file]
    if not any(spec.file == STDOUT for spec in specs):
        specs.append(ReportSpec(REPORTERS["text"], STDOUT))
    return _checked(specs, "one host")


def write_host_reports(
    specs: Sequence[ReportSpec],
    result: HostResult,
    color: str = "auto",
    verbose: bool = False,
    progress: History | None = None,
) -> None:
    """The files first, then standard output; the terminal report of a host that could not be
    graded goes to standard error. COLOR: `--color` (auto, always, never); VERBOSE: `-v`."""
    for spec in specs:
        if spec.file and spec.file != STDOUT:
            report = HostReport(result, verbose=verbose, progress=progress)
            write_output(spec.file, _render_host(spec.reporter, report))
    for spec in specs:
        if spec.file == STDOUT:
            error = spec.reporter.name == "text" and result.status == "error"
            stream = sys.stderr if error else sys.stdout
            width = terminal_width(stream)
            report = HostReport(result, use_color(stream, color), width, verbose, progress)
            stream.write(_render_host(spec.reporter, report))


def _render_host(reporter: Reporter, report: HostReport) -> str:
    assert reporter.host is not None  # _checked
    return reporter.host(report)


def class_reports(given: Sequence[ReportSpec], directory: Path) -> list[ReportSpec]:
    """CLASS_REPORTS plus GIVEN; a format without FILE goes to its file in DIRECTORY (or to
    standard output, for one that has none), and one on standard output replaces `text`."""
    placed = [_placed(spec, directory) for spec in given]
    defaults = [_placed(ReportSpec(REPORTERS[name]), directory) for name in CLASS_REPORTS]
    if any(spec.file == STDOUT for spec in placed):
        defaults = [spec for spec in defaults if spec.file != STDOUT]
    return _checked([*defaults, *placed], "a class")


def _placed(spec: ReportSpec, directory: Path) -> ReportSpec:
    if spec.file is not None:
        return spec
    if spec.reporter.class_file is None:
        return ReportSpec(spec.reporter, STDOUT)
    return ReportSpec(spec.reporter, str(directory / spec.reporter.class_file))


def write_class_reports(specs: Sequence[ReportSpec], report: ClassReport) -> list[str]:
    """Write SPECS (the files first, then standard output); the files written."""
    written = []
    for spec in [s for s in specs if s.file != STDOUT] + [s for s in specs if s.file == STDOUT]:
        assert spec.reporter.klass is not None  # _checked
        color = spec.file == STDOUT and use_color(sys.stdout)
        text = spec.reporter.klass(replace(report, color=color))
        write_output(spec.file or STDOUT, text)
        if spec.file != STDOUT:
            written.append(spec.file)
    return written
