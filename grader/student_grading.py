"""Grade one student of a class: connect (one of JOBS places), gather, give the place up, grade
in one of the batch's grading processes, record the result in the class directory.

    grader = StudentGrader(settings, classdir, spool, graders, grading_at_once=2)
    result = grader(student)       # in a pool thread; None: stopped (Ctrl-C) before recording
    grader.cut_off_late(timeout)   # from the batch's loop; grader.interrupt() on Ctrl-C

grade_class (grader/class_grading.py) runs it for every student.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.answers_file import REMEDY, StudentAnswers, student_answers, with_findings
from grader.classdir import ClassDir
from grader.connect_options import ConnectOptions
from grader.deadline import ProcessWatch
from grader.errors import InputFileError, LabgradeError
from grader.grading import gather_to_file, why
from grader.grading_process import GradingJob, GradingPool, only_tuple
from grader.host_spec import host_name, redact
from grader.inventory import Student
from grader.model import Exercises, extra_commands
from grader.report.json import render_json
from grader.result import HostResult, host_error
from grader.stamp import stamped

TICK = 0.2  # seconds between checks of the deadlines and redraws of the progress line


@dataclass(frozen=True)
class Settings:
    exercises: Exercises
    only: Sequence[str] | None
    options: ConnectOptions  # the command line's; each student's own settings go on top
    jobs: int


@dataclass
class Running:
    student: Student
    watch: ProcessWatch = field(default_factory=ProcessWatch)
    started: float = field(default_factory=time.monotonic)
    connected: bool = True  # holds one of the JOBS places for a connection


class StudentGrader:
    """Grades one student at a time in a pool thread and records the result in DIR."""

    def __init__(
        self,
        settings: Settings,
        classdir: ClassDir,
        spool: Path,
        graders: GradingPool,
        grading_at_once: int,
    ):
        self.settings, self.classdir, self.graders = settings, classdir, graders
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.running: dict[str, Running] = {}
        self.spool = spool  # a private directory for the hosts' output in flight
        self.grading = threading.BoundedSemaphore(grading_at_once)
        self.connections = threading.BoundedSemaphore(settings.jobs)

    def __call__(self, student: Student) -> HostResult | None:
        while not self.stop.is_set():
            if self.connections.acquire(timeout=TICK):
                break
        else:
            return None
        state = Running(student)
        with self.lock:
            self.running[student.id] = state
        try:
            return self.grade(state)
        except Exception as error:  # a bug or a hostile host costs one student, not the class
            return None if self.stop.is_set() else self.unrecorded(student, error)
        finally:
            self.hang_up(state)
            with self.lock:
                del self.running[student.id]

    def hang_up(self, state: Running) -> None:
        """Give STATE's connection place to the next host (once)."""
        with self.lock:
            connected, state.connected = state.connected, False
        if connected:
            self.connections.release()

    def grade(self, state: Running) -> HostResult | None:
        student, settings = state.student, self.settings
        options = student.options(settings.options)
        only, exercises = settings.only, self.rubric(student)
        self.classdir.forget_answers(student.id)  # the grading writes the ones it graded
        try:
            answers = student_answers(
                student.answers, student.answers_path, host_name(student.target), settings.exercises
            )
        except InputFileError as error:  # this student's error: no host is reached for it
            reason = f"answers file {error}; {REMEDY}"
            result = host_error(redact(student.target), reason, self.max_score(exercises))
            result = stamped(result, settings.exercises, only)
            self.classdir.write_student(student.id, render_json(result), None)
            return result
        with state.watch.active():
            if self.stop.is_set():
                return None
            result, graded = self.gather_and_grade(student, options, state, answers)
        if state.watch.killed and (result is None or result.status == "error"):
            if self.stop.is_set():
                return None  # interrupted: graded again by --resume
            name = host_name(student.target)
            reason = f"{name}: timed out after {options.timeout:g} s (--timeout)"
            result = host_error(
                redact(student.target), reason, self.max_score(exercises), duration=options.timeout
            )
            graded = False
        assert result is not None
        result = stamped(result, settings.exercises, only)
        if graded:  # the grading process wrote the snapshot
            self.classdir.write_result(student.id, render_json(result))
        else:
            self.classdir.write_student(student.id, render_json(result), None)
        return result

    def rubric(self, student: Student) -> Exercises:
        """The rubric of STUDENT: with findings among the default exercises if they have
        answers (--only, when given, names what is graded all the same)."""
        if student.answers or student.answers_path:
            return with_findings(self.settings.exercises)
        return self.settings.exercises

    def unrecorded(self, student: Student, error: Exception) -> HostResult:
        """STUDENT's `error` when grading or writing its files raised ERROR; written if it can
        be (if not, the result still goes into grades.csv and --resume grades it again)."""
        reason = f"{host_name(student.target)}: could not grade or record this host: {why(error)}"
        result = host_error(redact(student.target), reason, self.max_score(self.rubric(student)))
        result = stamped(result, self.settings.exercises, self.settings.only)
        with contextlib.suppress(Exception):
            self.classdir.write_student(student.id, render_json(result))
        return result

    def gather_and_grade(
        self,
        student: Student,
        options: ConnectOptions,
        state: Running,
        answers: StudentAnswers | None,
    ) -> tuple[HostResult | None, bool]:
        """(result, whether a grading process made it); (None, False) when the host's watch
        was killed. The host's output goes to a file of its own, graded in a process of its
        own once the connection's place is given up; ANSWERS on the host are read by one more
        command of the same gather."""
        settings, started, watch = self.settings, time.monotonic(), state.watch
        exercises, only = self.rubric(student), only_tuple(settings.only)
        candidates = exercises.select(only, backend=None).to_run
        extra = extra_commands(candidates, exercises.registry)
        if answers is not None and answers.command:
            extra.append(answers.command)
        output = self.spool / f"{student.id}.out"
        try:
            try:
                with open(output, "w+b") as spool:
                    remote_commands, attempts = gather_to_file(
                        student.target, extra, options, spool
                    )
            except LabgradeError as error:  # anything else: unrecorded() names it
                duration = time.monotonic() - started
                error_result = host_error(
                    redact(student.target), str(error), self.max_score(exercises), duration=duration
                )
                return replace(error_result, attempts=getattr(error, "attempts", 1)), False
            finally:
                self.hang_up(state)  # the output is in: the next host may connect
            job = GradingJob(
                output=str(output),
                spec=student.target,
                exercises=exercises,
                only=only,
                remote_commands=remote_commands,
                started=started,
                snapshot_path=str(self.classdir.snapshot_path(student.id)),
                answers=answers,
                answers_copy=str(self.classdir.answers_path(student.id)),
            )
            with self.grading_slot(watch) as slot:
                result = self.graders.grade(job, watch) if slot else None
            if result is None:
                return None, False
            return replace(result, attempts=attempts), result.status == "graded"
        finally:
            output.unlink(missing_ok=True)

    def max_score(self, exercises: Exercises) -> int | float:
        """What a student graded with the rubric EXERCISES can score (the lab's backend)."""
        selection = exercises.select(self.settings.only)
        return sum(exercise.max_points for exercise in selection.exercises)

    @contextlib.contextmanager
    def grading_slot(self, watch: ProcessWatch) -> Iterator[bool]:
        """One of the few grading processes allowed at once (each may hold a big document);
        False when WATCH was killed while waiting for it."""
        acquired = False
        while not watch.killed and not acquired:
            acquired = self.grading.acquire(timeout=TICK)
        try:
            yield acquired
        finally:
            if acquired:
                self.grading.release()

    def cut_off_late(self, timeout: float) -> Running | None:
        """Kill the hosts past TIMEOUT; return the one waited on longest (None: none)."""
        now = time.monotonic()
        with self.lock:
            running = sorted(self.running.values(), key=lambda r: r.started)
        for state in running:
            if now - state.started >= timeout:
                state.watch.kill()
        return running[0] if running else None

    def interrupt(self) -> None:
        self.stop.set()
        with self.lock:
            for state in self.running.values():
                state.watch.kill()
