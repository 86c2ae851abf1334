"""The terminal report: a header (target, backend, what was discovered), then by exercise one
line per check with its mark, title and points, and under a check that did not pass the
evidence, what was expected, the hint and the command to look for yourself; then the total.

    print(render_text(result, color=use_color(sys.stdout)))
"""

from __future__ import annotations

import os
import textwrap
from typing import TextIO

from grader.report.safetext import escape_unsafe, number
from grader.result import CheckResult, HostResult

MARKS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "error": "ERR "}
COLORS = {"pass": "32", "fail": "31", "skip": "33", "error": "35", "bold": "1", "dim": "2"}
WIDTH = 78


def wrap(text: str, width: int) -> list[str]:
    """Wrap at spaces only: chain names, options and paths stay whole, so they copy-paste."""
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)


def use_color(stream: TextIO) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class _Painter:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, style: str, text: str) -> str:
        return f"\x1b[{COLORS[style]}m{text}\x1b[0m" if self.color else text


def _block(label: str, text: str) -> list[str]:
    """LABEL: TEXT, continuation lines indented under the text."""
    lines = escape_unsafe(text).rstrip("\n").splitlines() or [""]
    prefix = f"        {label:<9} "
    return [prefix + lines[0]] + [" " * len(prefix) + line for line in lines[1:]]


def _check_lines(check: CheckResult, paint: _Painter) -> list[str]:
    points = f"{number(check.points)}/{number(check.max_points)}"
    room = WIDTH - 9 - len(points)
    # Long titles wrap under themselves rather than lose their end.
    title, *more = wrap(escape_unsafe(check.title), room) or [""]
    lines = [f"  {paint(check.status, MARKS[check.status])}  {title:<{room}} {points}"]
    lines += [f"        {line}" for line in more]
    if check.status != "pass":
        lines += _block("check:", check.id)
        if check.evidence:
            lines += _block("found:" if check.status == "fail" else "why:", check.evidence)
        if check.expected:
            lines += _block("expected:", check.expected)
        if check.hint and check.status != "skip":
            lines += _block("hint:", "\n".join(wrap(check.hint, WIDTH - 18)))
        if check.see:
            lines += _block("see:", check.see)
    return lines


def _snapshot(result: HostResult) -> str | None:
    """ "the snapshot FILE (collected TIME)" when RESULT was graded from one, else None."""
    if result.snapshot is None:
        return None
    when = result.snapshot.collected_at
    collected = f"collected {escape_unsafe(when)}" if when else "collected_at not recorded"
    return f"the snapshot {escape_unsafe(result.snapshot.file)} ({collected})"


def _header(result: HostResult, paint: _Painter) -> list[str]:
    graded = escape_unsafe(result.target) or "local host"
    if snapshot := _snapshot(result):
        graded += f", graded from {snapshot}"
    lines = [paint("bold", f"labgrade: {graded}")]
    if result.backend:
        lines.append(f"backend: {escape_unsafe(result.backend)}")
    if result.backend_problem:
        wrapped = wrap(escape_unsafe(result.backend_problem), WIDTH - 4)
        lines += [paint("error", "  ! " + line) for line in wrapped]
    if result.discovered:
        lines.append("discovered:")
        lines += [
            f"  {escape_unsafe(k)}: {escape_unsafe(v)}"
            for k, v in result.discovered.items()
            if k != "backend"  # already the line above
        ]
    return lines


def render_text(result: HostResult, color: bool = False) -> str:
    paint = _Painter(color)
    if result.status == "error":
        target = escape_unsafe(result.target) or "the local host"
        if snapshot := _snapshot(result):
            target = f"{snapshot} of {target}"
        reason = escape_unsafe(result.error or "unknown error")
        return paint("error", f"labgrade: cannot grade {target}: {reason}") + "\n"
    lines = _header(result, paint)
    for exercise in result.exercises:
        score = f"{number(exercise.score)}/{number(exercise.max_score)}"
        heading = f"{exercise.id}: {escape_unsafe(exercise.title)}"
        lines += ["", paint("bold", f"{heading:<{WIDTH - len(score)}}{score}")]
        for check in exercise.checks:
            lines += _check_lines(check, paint)
    counts = ", ".join(f"{n} {status}" for status, n in result.counts().items() if n)
    total = f"Total: {number(result.score)}/{number(result.max_score)}"
    lines += ["", paint("bold", total) + (f"  ({counts})" if counts else "")]
    return "\n".join(lines) + "\n"
