"""Progress of a batch. On a terminal, one line rewritten in place:

    [ 12/40] graded 10 (failing 3)  error 2  waiting for ada (lab-7, 14s)

otherwise one plain line per student as it finishes ("[12/40] ada: 85/100").

    progress = make_progress(sys.stderr, total=40)
    progress.finished(student, result); progress.waiting(student, seconds); progress.close()
"""

from __future__ import annotations

import shutil
from typing import TextIO

from grader.inventory import Student
from grader.report.safetext import number, one_line
from grader.result import HostResult


class Progress:
    """Counts what finished; subclasses decide how to show it."""

    def __init__(self, stream: TextIO, total: int):
        self.stream, self.total = stream, total
        self.done = self.failing = self.errors = 0

    @property
    def graded(self) -> int:
        return self.done - self.errors

    def finished(self, student: Student, result: HostResult) -> None:
        self.done += 1
        if not result.has_grade:
            self.errors += 1
        elif not result.all_passed:
            self.failing += 1

    def waiting(self, student: Student | None, seconds: float) -> None:
        """STUDENT's host is the one waited on longest (None: nothing running)."""

    def close(self) -> None:
        """Leave the terminal on a fresh line."""


class LineProgress(Progress):
    def finished(self, student: Student, result: HostResult) -> None:
        super().finished(student, result)
        if result.ungraded_reason is not None:
            what = f"error: {one_line(result.ungraded_reason)}"
        else:
            what = f"{number(result.score)}/{number(result.max_score)}"
        self.stream.write(f"[{self.done}/{self.total}] {student.id}: {what}\n")
        self.stream.flush()


class TerminalProgress(Progress):
    def __init__(self, stream: TextIO, total: int):
        super().__init__(stream, total)
        self.waited = ""

    def _draw(self) -> None:
        width = shutil.get_terminal_size((80, 24)).columns - 1
        line = (
            f"[{self.done:>{len(str(self.total))}}/{self.total}] graded {self.graded} "
            f"(failing {self.failing})  error {self.errors}{self.waited}"
        )
        self.stream.write("\r" + line[:width] + "\x1b[K")
        self.stream.flush()

    def finished(self, student: Student, result: HostResult) -> None:
        super().finished(student, result)
        self._draw()

    def waiting(self, student: Student | None, seconds: float) -> None:
        self.waited = ""
        if student is not None:
            host = one_line(student.host)
            self.waited = f"  waiting for {student.id} ({host}, {int(seconds)}s)"
        self._draw()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def make_progress(stream: TextIO, total: int, quiet: bool = False) -> Progress:
    """A TerminalProgress on a terminal, LineProgress otherwise, a silent one when QUIET."""
    if quiet:
        return Progress(stream, total)
    if getattr(stream, "isatty", lambda: False)():
        return TerminalProgress(stream, total)
    return LineProgress(stream, total)
