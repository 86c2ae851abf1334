"""report.html: the class at a glance, one self-contained file that `batch` and `regrade` write
into the class directory (docs/batch.md).

    text = render_class_html(entries, title="week3")   # entries: [(student, result or None)]

What it shows: the class figures, a check x student grid coloured by status (sortable, filtered
by name and status), the score distribution, each check's pass rate, the students in error with
their reasons, and per student the checks that did not pass with their evidence, expected,
hint and command. It loads nothing: no network, no CDN; its Content-Security-Policy allows
only its own inline styles and script (the script by hash), so even a string that slipped
through could not fetch anything. Every string that came from a host is HTML-escaped.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from typing import Optional

from grader import __version__
from grader.inventory import Student
from grader.report.feedback import clip
from grader.report.html_assets import SCRIPT, STYLE
from grader.report.safetext import number, strip_unsafe
from grader.result import CheckResult, HostResult

Entry = tuple[Student, Optional[HostResult]]
PART_LIMIT = 3000  # characters of evidence shown per check; students/<id>.json has it all
BINS = tuple(range(0, 101, 10))  # 0-9 % ... 90-99 %, and 100 %


def esc(text: object) -> str:
    """TEXT (anything, from a host or not) as HTML text or attribute value."""
    return escape(strip_unsafe(str(text)), quote=True)


@dataclass
class CheckRate:
    id: str
    title: str
    passed: int = 0
    graded: int = 0  # students whose result holds the check

    @property
    def percent(self) -> float:
        return 100 * self.passed / self.graded if self.graded else 0.0


@dataclass
class ClassFigures:
    """The numbers report.html shows (pure: unit-tested without a browser)."""

    students: int = 0
    graded: int = 0
    passing: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (student id, reason)
    pending: list[str] = field(default_factory=list)
    mean_percent: float | None = None
    distribution: dict[int, int] = field(default_factory=dict)  # bin start -> students
    rates: list[CheckRate] = field(default_factory=list)  # lowest pass rate first


def percent(result: HostResult) -> float:
    return 100 * result.score / result.max_score if result.max_score else 0.0


def class_figures(entries: Sequence[Entry]) -> ClassFigures:
    figures = ClassFigures(students=len(entries), distribution=dict.fromkeys(BINS, 0))
    rates: dict[str, CheckRate] = {}
    shares = []
    for student, result in entries:
        if result is None:
            figures.pending.append(student.id)
            continue
        if not result.has_grade:
            figures.errors.append((student.id, result.ungraded_reason or ""))
            continue
        figures.graded += 1
        figures.passing += result.all_passed
        share = percent(result)
        shares.append(share)
        figures.distribution[100 if share >= 100 else int(share // 10) * 10] += 1
        for check in result.checks():
            rate = rates.setdefault(check.id, CheckRate(check.id, check.title))
            rate.graded += 1
            rate.passed += check.status == "pass"
    if shares:
        figures.mean_percent = sum(shares) / len(shares)
    order = {check_id: index for index, check_id in enumerate(rates)}
    figures.rates = sorted(rates.values(), key=lambda r: (r.percent, order[r.id]))
    return figures


def check_columns(entries: Sequence[Entry]) -> list[tuple[str, str]]:
    """(check id, title) of every check any student was graded on, in first-seen order."""
    columns: dict[str, str] = {}
    for _, result in entries:
        for check in result.checks() if result else ():
            columns.setdefault(check.id, check.title)
    return list(columns.items())


def student_status(result: HostResult | None) -> str:
    if result is None:
        return "pending"
    return "graded" if result.has_grade else "error"


def _grid(entries: Sequence[Entry], columns: list[tuple[str, str]]) -> str:
    head = "".join(
        f'<th class="c" title="{esc(title)}" scope="col">{esc(check_id)}</th>'
        for check_id, title in columns
    )
    rows = []
    for student, result in entries:
        status = student_status(result)
        checks = {c.id: c for c in result.checks()} if result else {}
        graded = result is not None and result.has_grade
        score = number(result.score) if graded else ""
        share = f"{percent(result):.0f}" if graded else ""
        failing = "1" if graded and not result.all_passed else "0"
        cells = []
        for check_id, _ in columns:
            check = checks.get(check_id)
            mark = check.status if check else "none"
            tip = f"{student.id} {check_id}: {check.status if check else 'not graded'}"
            link = f'<a href="#s-{esc(student.id)}"></a>' if check else ""
            cells.append(f'<td class="c {mark}" title="{esc(tip)}">{link}</td>')
        search = f"{student.id} {student.name} {student.email}".lower()
        rows.append(
            f'<tr data-status="{status}" data-failing="{failing}" data-search="{esc(search)}">'
            f'<td class="sticky"><a href="#s-{esc(student.id)}">{esc(student.id)}</a></td>'
            f'<td data-value="{score or -1}">{score}</td>'
            f'<td data-value="{share or -1}">{share + " %" if share else ""}</td>'
            f'<td class="status-{status}">{status}</td>'
            + "".join(cells)
            + f"<td>{esc(student.name)}</td></tr>"
        )
    return (
        '<div class="scroll"><table id="grid"><thead><tr>'
        '<th class="sticky" data-sort="text" scope="col">id</th>'
        '<th data-sort="number">score</th><th data-sort="number">%</th>'
        f'<th data-sort="text">status</th>{head}<th data-sort="text">name</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _distribution(figures: ClassFigures) -> str:
    most = max(figures.distribution.values()) or 1
    rows = []
    for low, count in figures.distribution.items():
        label = "100 %" if low == 100 else f"{low}-{low + 9} %"
        width = 12 * count / most
        bar = f'<span class="bar" style="width:{width:.2f}em"></span>' if count else ""
        rows.append(f"<tr><td>{label}</td><td>{count}</td><td>{bar}</td></tr>")
    return '<table id="distribution">' + "".join(rows) + "</table>"


def _rates(figures: ClassFigures) -> str:
    rows = [
        f"<tr><td>{esc(r.id)}</td><td>{esc(r.title)}</td>"
        f'<td data-value="{r.percent:.1f}">{r.percent:.0f} %</td>'
        f"<td>{r.passed}/{r.graded}</td>"
        f'<td><span class="bar" style="width:{r.percent / 10:.2f}em"></span></td></tr>'
        for r in figures.rates
    ]
    return (
        '<div class="scroll"><table id="rates"><thead><tr><th data-sort="text">check</th>'
        '<th data-sort="text">title</th><th data-sort="number">pass rate</th><th>passed</th>'
        "<th></th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _errors(figures: ClassFigures) -> str:
    if not figures.errors:
        return "<p>None.</p>"
    items = "".join(
        f'<li><a href="#s-{esc(i)}">{esc(i)}</a>: {esc(reason)}</li>'
        for i, reason in figures.errors
    )
    return f'<ul id="errors">{items}</ul>'


def _check_story(check: CheckResult) -> str:
    label = "found" if check.status == "fail" else "why"
    parts = [(label, check.evidence), ("expected", check.expected)]
    parts += [("hint", check.hint), ("see", check.see)]
    body = "".join(
        f"<dt>{name}</dt><dd><pre>{esc(clip(text.strip(), PART_LIMIT))}</pre></dd>"
        for name, text in parts
        if text
    )
    points = f"{number(check.points)}/{number(check.max_points)}"
    return (
        f'<li><span class="{check.status}">&nbsp;&nbsp;</span> {esc(check.status)} '
        f"<b>{esc(check.id)}</b> {esc(check.title)} ({points})<dl>{body}</dl></li>"
    )


def _student(student: Student, result: HostResult | None) -> str:
    status = student_status(result)
    head = f"{esc(student.id)}" + (f" ({esc(student.name)})" if student.name else "")
    if result is None:
        body = "<p>Not graded yet (an interrupted batch: finish it with --resume).</p>"
        score = "pending"
    elif not result.has_grade:
        body = f'<p class="status-error">Could not grade: {esc(result.ungraded_reason)}</p>'
        score = "error"
    else:
        score = f"{number(result.score)}/{number(result.max_score)}"
        missed = [c for c in result.checks() if c.status != "pass"]
        facts = f"<p>target {esc(result.target)}; backend {esc(result.backend or 'unknown')}"
        facts += f"; {len(missed)} of {len(result.checks())} checks did not pass.</p>"
        body = facts + "<ul>" + "".join(_check_story(c) for c in missed) + "</ul>"
    return (
        f'<details id="s-{esc(student.id)}" data-status="{status}"><summary>{head}: '
        f"{score}</summary>{body}</details>"
    )


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def render_class_html(entries: Sequence[Entry], title: str = "labgrade class report") -> str:
    figures = class_figures(entries)
    columns = check_columns(entries)
    mean = f"{figures.mean_percent:.1f} %" if figures.mean_percent is not None else "-"
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    policy = (
        # inline style attributes draw the bars: styles may be inline, but nothing may load
        f"default-src 'none'; style-src 'unsafe-inline'; script-src {_csp_hash(SCRIPT)}; "
        "img-src 'none'; form-action 'none'; base-uri 'none'"
    )
    legend = "".join(
        f'<span class="{s}"></span>{label}'
        for s, label in (
            ("pass", "pass"),
            ("fail", "fail"),
            ("skip", "skip"),
            ("error", "error"),
            ("none", "not graded"),
        )
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{STYLE}</style></head><body>
<h1>{esc(title)}</h1>
<ul class="facts" id="facts"><li>{figures.students} students</li>
<li>{figures.graded} graded ({figures.passing} passing every check)</li>
<li>{len(figures.errors)} in error</li><li>{len(figures.pending)} not graded yet</li>
<li>mean {mean}</li><li>labgrade {esc(__version__)}, {when}</li></ul>
<h2>Checks by student</h2>
<div class="controls"><input id="filter" type="search" placeholder="filter by id, name, email"
 aria-label="filter students"><select id="status" aria-label="status">
<option value="">every student</option><option value="failing">failing a check</option>
<option value="graded">graded</option><option value="error">in error</option>
<option value="pending">not graded yet</option></select></div>
<p class="legend">{legend}</p>
{_grid(entries, columns)}
<h2>Score distribution</h2>{_distribution(figures)}
<h2>Pass rate per check (lowest first)</h2>{_rates(figures)}
<h2>Students in error</h2>{_errors(figures)}
<h2>Students</h2>{"".join(_student(s, r) for s, r in entries)}
<script>{SCRIPT}</script></body></html>
"""
