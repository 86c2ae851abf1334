"""The report formats: one table, REPORTERS, one line per format (`--report FORMAT[=FILE]`).

Each format is one module of grader/report/ with its render functions; its line here says
what it renders and where it goes in a class directory:

    Reporter(
        "junit",                         # the name given to --report
        "JUnit XML, one testsuite per host",           # shown in --help
        host=lambda report: render_junit([report.result]),   # one host: check
        klass=lambda report: render_junit(...),         # a class: batch, regrade
        class_file="junit.xml",          # its file in a batch's DIR (None: standard output)
    )

`host` takes a HostReport (one HostResult), `klass` a ClassReport (the students and their
results, in the inventory's order; None for a student not graded yet); both return the text
to write. A format without `host` cannot be asked of `check`, one without `klass` cannot be
asked of `batch`. Adding a format is its module plus one line in REPORTERS (docs/cli.md).
A reporter only renders: the commands decide where the text goes (grader/commands/reports.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from grader.inventory import Student
from grader.report.gradebook import render_gradebook
from grader.report.gradescope import render_gradescope
from grader.report.html import render_class_html
from grader.report.json import render_json
from grader.report.junit import render_junit
from grader.report.prairielearn import render_prairielearn
from grader.report.summary import render_summary
from grader.report.text import WIDTH, render_text
from grader.result import History, HostResult


@dataclass(frozen=True)
class HostReport:
    """What a format renders for one host."""

    result: HostResult
    color: bool = False  # ANSI colours: only for a terminal
    width: int = WIDTH  # the text report's width: the terminal's, or 80 in a file
    verbose: bool = False  # the text report shows the evidence behind passes too (-v)
    progress: History | None = None  # this host's history (a run on the host itself)


@dataclass(frozen=True)
class ClassReport:
    """What a format renders for a class."""

    entries: Sequence[tuple[Student, HostResult | None]]  # None: not graded yet
    shown: Sequence[str] = ()  # exercise ids that always get a column (the lab's own)
    order: Sequence[str] = ()  # every exercise id, in the rubric's order
    color: bool = False
    csv_bom: bool = False  # grades.csv starts with a UTF-8 BOM (--csv-bom: for Excel)


@dataclass(frozen=True)
class Reporter:
    name: str
    help: str
    host: Callable[[HostReport], str] | None = None
    klass: Callable[[ClassReport], str] | None = None
    class_file: str | None = None  # default file name in a class directory; None: stdout

    @property
    def renders(self) -> str:
        """ "one host", "a class" or "one host, a class"."""
        return ", ".join(w for w, f in (("one host", self.host), ("a class", self.klass)) if f)


def _class_junit(report: ClassReport) -> str:
    return render_junit([r for _, r in report.entries], names=[s.id for s, _ in report.entries])


REPORTERS: dict[str, Reporter] = {
    reporter.name: reporter
    for reporter in (
        Reporter(
            "text",
            "the terminal report; for a class, the summary",
            host=lambda report: render_text(
                report.result, report.color, report.width, report.verbose, report.progress
            ),
            klass=lambda report: render_summary(report.entries),
        ),
        Reporter(
            "json",
            "the JSON report of one host (docs/json-schema.md)",
            host=lambda report: render_json(report.result),
        ),
        Reporter(
            "junit",
            "JUnit XML, one testsuite per host",
            host=lambda report: render_junit([report.result]),
            klass=_class_junit,
            class_file="junit.xml",
        ),
        Reporter(
            "csv",
            "the gradebook, one row per student (docs/batch.md)",
            klass=lambda report: render_gradebook(
                report.entries, report.shown, report.order, bom=report.csv_bom
            ),
            class_file="grades.csv",
        ),
        Reporter(
            "html",
            "the class report for a browser, self-contained (docs/batch.md)",
            klass=lambda report: render_class_html(report.entries),
            class_file="report.html",
        ),
        Reporter(
            "gradescope",
            "Gradescope's autograder results.json (docs/autograders.md)",
            host=lambda report: render_gradescope(report.result),
        ),
        Reporter(
            "prairielearn",
            "PrairieLearn's external-grader results.json (docs/autograders.md)",
            host=lambda report: render_prairielearn(report.result),
        ),
    )
}
