"""The terminal report, "how far am I" first: the total, a bar per exercise and `next:` (the
first thing to do in the lab's order, with the command to run) on the first screen; then by
exercise one line per check, and under a check that did not pass what it means in Neutron,
the evidence, what was expected, the hint and the command to look for yourself; then what
was discovered (with VERBOSE) and the total again. Wrapped to WIDTH, never over it but for
tokens that cannot break (chain names, paths), so they copy-paste.

    print(render_text(result, color=use_color(sys.stdout), width=terminal_width(sys.stdout)))
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from typing import Any, TextIO

from grader.report.safetext import escape_unsafe, number
from grader.result import CheckResult, ExerciseResult, History, HostResult

MARKS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "error": "ERR "}
COLORS = {"pass": "32", "fail": "31", "skip": "33", "error": "35", "bold": "1", "dim": "2"}
WIDTH = 80  # when neither COLUMNS nor the terminal says
MIN_WIDTH = 40
STEPS = ("instance", "rules", "floating-ip", "explore", "cleanup")  # the lab's order
LABEL = 10  # "expected: " and friends
INDENT = 6  # under a check's mark


def wrap(text: str, width: int, indent: str = "", more: str = "") -> list[str]:
    """Wrap at spaces only: chain names, options and paths stay whole, so they copy-paste."""
    return textwrap.wrap(
        text,
        max(width, 10),
        initial_indent=indent,
        subsequent_indent=more or indent,
        break_on_hyphens=False,
        break_long_words=False,
    ) or [indent.rstrip()]


def terminal_width(stream: TextIO | None = None) -> int:
    """COLUMNS, else the terminal's width, else 80; never under MIN_WIDTH."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit():
        return max(int(columns), MIN_WIDTH)
    try:
        fileno = stream.fileno() if stream is not None else 1
        return max(os.get_terminal_size(fileno).columns, MIN_WIDTH)
    except (OSError, ValueError, AttributeError):
        return max(shutil.get_terminal_size((WIDTH, 24)).columns, MIN_WIDTH)


def use_color(stream: TextIO, mode: str = "auto") -> bool:
    """`--color always|never|auto`: auto colours a terminal unless NO_COLOR is set
    (https://no-color.org) or TERM is dumb."""
    if mode in ("always", "never"):
        return mode == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class _Painter:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, style: str, text: str) -> str:
        return f"\x1b[{COLORS[style]}m{text}\x1b[0m" if self.color else text


class _Layout:
    def __init__(self, width: int, paint: _Painter, verbose: bool, progress: History | None = None):
        self.width = max(width, MIN_WIDTH)
        self.paint = paint
        self.verbose = verbose
        self.progress = progress

    def block(self, label: str, text: str, indent: int = INDENT) -> list[str]:
        """LABEL: TEXT, each line wrapped at spaces, continuation lines under the text."""
        prefix = " " * indent + f"{label:<{LABEL}}"
        lines: list[str] = []
        for i, raw in enumerate(escape_unsafe(text).rstrip("\n").splitlines() or [""]):
            first = prefix if i == 0 else " " * len(prefix)
            lines += wrap(raw, self.width, first, " " * (len(prefix) + 2))
        return lines

    def scored(self, left: str, score: str, shown: int | None = None) -> list[str]:
        """LEFT (wrapped) with SCORE at the right margin of its first line. SHOWN: LEFT's
        printed width when it holds colour codes."""
        room = self.width - len(score) - 1
        if shown is not None:  # already laid out (coloured): pad by its printed width
            return [left + " " * max(room - shown, 0) + " " + score]
        first, *rest = wrap(left, room)
        return [f"{first:<{room}} {score}"] + [" " * INDENT + line.lstrip() for line in rest]


def _bar(exercise: ExerciseResult, size: int) -> str:
    share = exercise.score / exercise.max_score if exercise.max_score else 0
    full = round(share * size)
    return "[" + "#" * full + "." * (size - full) + "]"


def _summary(result: HostResult, layout: _Layout) -> list[str]:
    """The first screen: the total, where the host stands, next, then one bar per exercise and
    the note on the backend (often long: after what the student acts on)."""
    counts = ", ".join(f"{n} {status}" for status, n in result.counts().items() if n)
    total = f"Total: {number(result.score)}/{number(result.max_score)}"
    lines = [layout.paint("bold", total) + (f"  ({counts})" if counts else "")]
    best = layout.progress.best if layout.progress else None
    share = result.score / result.max_score if result.max_score else 0
    if best is not None and best.max_score and best.score / best.max_score > share:
        text = f"best so far: {number(best.score)}/{number(best.max_score)} on {best.at}"
        lines += wrap(f"{text} (`labgrade history` shows the timeline)", layout.width)
    if result.verdict:
        lines += [layout.paint("error", x) for x in wrap(result.verdict, layout.width, "! ", "  ")]
    lines += _next(result, layout)
    size = 10 if layout.width >= 60 else 5
    scores = [f"{number(e.score)}/{number(e.max_score)}" for e in result.exercises]
    column = max((len(score) for score in scores), default=0)
    room = layout.width - size - column - 6
    for exercise, score in zip(result.exercises, scores):
        title = escape_unsafe(exercise.title)
        title = title if len(title) <= room else title[: max(room - 1, 1)] + "~"
        lines.append(f"  {title:<{room}} {_bar(exercise, size)} {score:>{column}}")
    if result.backend_problem:
        note = wrap(result.backend_problem, layout.width, "! ", "  ")
        lines += [layout.paint("error", line) for line in note]
    return lines


def next_check(result: HostResult) -> CheckResult | None:
    """The first check to work on in the lab's order: a failing one (what the student can
    fix) before an error (what the grader could not see)."""
    checks = result.checks()
    for wanted in ("fail", "error"):
        pending = [c for c in checks if c.status == wanted]
        if pending:
            return min(pending, key=lambda c: STEPS.index(c.step) if c.step in STEPS else 3)
    return None


def _next(result: HostResult, layout: _Layout) -> list[str]:
    check = next_check(result)
    if check is None:
        return ["next: nothing left to fix: every graded check passed"]
    where = f" (lab: {escape_unsafe(check.section)})" if check.section else ""
    lines = wrap(f"next: {escape_unsafe(check.title)}{where}", layout.width, "", "      ")
    if check.hint:
        lines += wrap(escape_unsafe(check.hint), layout.width, " " * INDENT)
    if check.see:
        lines += layout.block("run:", check.see, indent=6)
    return lines


def _check_lines(check: CheckResult, layout: _Layout) -> list[str]:
    points = f"{number(check.points)}/{number(check.max_points)}"
    mark = layout.paint(check.status, MARKS[check.status])
    room = layout.width - len(points) - 1 - 8  # "  PASS  " before the title
    title, *more = wrap(escape_unsafe(check.title), room)
    lines = [f"  {mark}  {title:<{room}} {points}"]
    lines += [" " * 8 + line for line in more]
    if check.status == "pass" and not layout.verbose:
        return lines
    if check.status != "pass":
        lines += layout.block("check:", check.id)
        first = layout.progress.first_passes.get(check.id) if layout.progress else None
        if first:
            lines += layout.block("before:", f"passed on this host on {first} (best so far)")
        if check.why and check.status == "fail":
            lines += layout.block("why:", check.why)
    if check.evidence:
        label = {"fail": "found:", "pass": "found:"}.get(check.status, "reason:")
        lines += layout.block(label, check.evidence)
    if check.status == "pass":
        return lines + (layout.block("see:", check.see) if check.see else [])
    if check.expected:
        lines += layout.block("expected:", check.expected)
    if check.hint and check.status != "skip":
        lines += layout.block("hint:", check.hint)
    if check.see:
        lines += layout.block("see:", check.see)
    return lines


def _snapshot(result: HostResult) -> str | None:
    """ "the snapshot FILE (collected TIME)" when RESULT was graded from one, else None."""
    if result.snapshot is None:
        return None
    when = result.snapshot.collected_at
    collected = f"collected {escape_unsafe(when)}" if when else "collected_at not recorded"
    return f"the snapshot {escape_unsafe(result.snapshot.file)} ({collected})"


def _header(result: HostResult, layout: _Layout) -> list[str]:
    graded = escape_unsafe(result.target) or "local host"
    if snapshot := _snapshot(result):
        graded += f", graded from {snapshot}"
    lines = [layout.paint("bold", line) for line in wrap(f"labgrade: {graded}", layout.width)]
    if result.gather_cut:  # first: every `error` below may come from it
        note = escape_unsafe(result.gather_cut)
        lines += [layout.paint("error", line) for line in wrap(note, layout.width, "! ", "  ")]
    if result.backend:
        lines.append(f"backend: {escape_unsafe(result.backend)}")
    return lines


def discovered_lines(discovered: dict[str, Any]) -> list[str]:
    """`discovered` (machine keys, docs/json-schema.md) for a person: "fixed IP: 10.0.0.12",
    what was not found left out, each note a line of its own."""
    lines = []
    for key, value in discovered.items():
        if key in ("backend", "notes", "inbound_chain_wired") or value in (None, [], ""):
            continue  # the backend is in the header; notes come last
        if key == "fixed_ips" and len(value) < 2:
            continue  # the same as fixed_ip
        if key == "release_evidence":  # each sign is a whole line (a rule, a process)
            lines += [f"release sign: {sign}" for sign in value]
            continue
        label = re.sub(r"\bip(s?)\b", r"IP\1", str(key).replace("_", " "))
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        elif key == "inbound_chain" and discovered.get("inbound_chain_wired") is False:
            value = f"{value} (not wired)"
        lines.append(f"{label}: {value}")
    lines += [f"note: {note}" for note in discovered.get("notes") or ()]
    return [escape_unsafe(line) for line in lines]


def _discovered(result: HostResult, layout: _Layout) -> list[str]:
    if not result.discovered:
        return []
    lines = ["", "discovered:"]
    for text in discovered_lines(result.discovered):
        lines += wrap(text, layout.width, "  ", "    ")
    return lines


def render_text(
    result: HostResult,
    color: bool = False,
    width: int = WIDTH,
    verbose: bool = False,
    progress: History | None = None,
) -> str:
    """The report for a person. VERBOSE: the evidence behind passing checks too. PROGRESS:
    this host's history, shown as the best run so far and when a failing check passed."""
    paint = _Painter(color)
    layout = _Layout(width, paint, verbose, progress)
    if result.status == "error":
        target = escape_unsafe(result.target) or "the local host"
        if snapshot := _snapshot(result):
            target = f"{snapshot} of {target}"
        reason = escape_unsafe(result.error or "unknown error")
        return paint("error", f"labgrade: cannot grade {target}: {reason}") + "\n"
    lines = _header(result, layout) + _summary(result, layout)
    for exercise in result.exercises:
        score = f"{number(exercise.score)}/{number(exercise.max_score)}"
        heading = f"{exercise.id}: {escape_unsafe(exercise.title)}"
        lines += [""] + [paint("bold", line) for line in layout.scored(heading, score)]
        for check in exercise.checks:
            lines += _check_lines(check, layout)
    if verbose:  # the details behind the grade; the checks' evidence already names them
        lines += _discovered(result, layout)
    counts = ", ".join(f"{n} {status}" for status, n in result.counts().items() if n)
    total = f"Total: {number(result.score)}/{number(result.max_score)}"
    lines += ["", paint("bold", total) + (f"  ({counts})" if counts else "")]
    return "\n".join(lines) + "\n"
