"""Grade a class in parallel: one connection and one gather per student's host, JOBS at a time.

    run = grade_class(students, settings, ClassDir("out"), progress)
    run.results["ada"], run.interrupted

Each student's report and snapshot are written to DIR as soon as the host is graded. A
student with findings answers (class.yaml `answers:` or `answers_path:`) is graded on them too
(the default exercises plus findings, unless --only says what), and the answers graded are
kept in DIR for regrade; an unusable answers file is that student's `error`. A host
that fails (unreachable, key refused, timeout...) becomes that student's `error` result; the
others go on. A host still running after `timeout` seconds is cut off (its ssh is killed).
JOBS bounds the connections open at once: a host gives its place up as soon as its output is
in, so the next host's ssh starts while this one is graded (its clock, for `timeout`, starts
when it gets a place).
Ctrl-C (KeyboardInterrupt) stops cleanly: nothing new is started, the hosts in flight are cut
off and not recorded, and what was already written stays as it is. The caller makes sure that
only one KeyboardInterrupt comes (commands/batch.py StopSignals): a second one would cut the
shutdown short.
The hosts are graded in a few processes kept for the whole batch (grader/grading_process.py),
started from a multiprocessing fork server, which runs the caller's main script again in each:
a script calling grade_class keeps its work under `if __name__ == "__main__":`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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
from grader.report.batch_progress import Progress
from grader.report.json import render_json
from grader.result import HostResult, host_error
from grader.stamp import stamped

MAX_JOBS = 16
TICK = 0.2  # seconds between checks of the deadlines and redraws of the progress line


def default_jobs(students: int) -> int:
    return max(1, min(MAX_JOBS, students))


def grading_processes(jobs: int) -> int:
    """How many hosts are graded at once (gathering waits on the network, grading on CPU)."""
    return max(1, min(jobs, os.cpu_count() or 1))


@dataclass(frozen=True)
class Settings:
    exercises: Exercises
    only: Sequence[str] | None
    options: ConnectOptions  # the command line's; each student's own settings go on top
    jobs: int


@dataclass
class BatchRun:
    results: dict[str, HostResult] = field(default_factory=dict)
    interrupted: bool = False


@dataclass
class _Running:
    student: Student
    watch: ProcessWatch = field(default_factory=ProcessWatch)
    started: float = field(default_factory=time.monotonic)
    connected: bool = True  # holds one of the JOBS places for a connection


class _Worker:
    """Grades one student at a time in a pool thread and records the result in DIR."""

    def __init__(self, settings: Settings, classdir: ClassDir, spool: Path, graders: GradingPool):
        self.settings, self.classdir, self.graders = settings, classdir, graders
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.running: dict[str, _Running] = {}
        self.spool = spool  # a private directory for the hosts' output in flight
        self.grading = threading.BoundedSemaphore(grading_processes(settings.jobs))
        self.connections = threading.BoundedSemaphore(settings.jobs)

    def __call__(self, student: Student) -> HostResult | None:
        while not self.stop.is_set():
            if self.connections.acquire(timeout=TICK):
                break
        else:
            return None
        state = _Running(student)
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

    def hang_up(self, state: _Running) -> None:
        """Give STATE's connection place to the next host (once)."""
        with self.lock:
            connected, state.connected = state.connected, False
        if connected:
            self.connections.release()

    def grade(self, state: _Running) -> HostResult | None:
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
        state: _Running,
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

    def cut_off_late(self, timeout: float) -> _Running | None:
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


def grade_class(
    students: Sequence[Student],
    settings: Settings,
    classdir: ClassDir,
    progress: Progress,
    finished: Callable[[], object] = lambda: None,
) -> BatchRun:
    """Grade STUDENTS into CLASSDIR; see the module docstring. FINISHED is called once every
    student is done, before the pool is shut down (the batch command stops taking signals as
    interrupts there, so that none can land in the shutdown)."""
    spool = Path(tempfile.mkdtemp(prefix="labgrade-batch-"))
    graders = GradingPool()
    warm = threading.Thread(target=graders.warm, args=(grading_processes(settings.jobs),))
    warm.start()  # while the first hosts gather
    worker = _Worker(settings, classdir, spool, graders)
    run = BatchRun()
    # JOBS threads gather; a few more grade the hosts whose output is in (worker.connections)
    threads = settings.jobs + grading_processes(settings.jobs)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="labgrade-batch")
    futures: dict[Future[HostResult | None], Student] = {}
    try:
        futures = {pool.submit(worker, student): student for student in students}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=TICK, return_when=FIRST_COMPLETED)
            _collect(done, futures, run, progress)
            oldest = worker.cut_off_late(settings.options.timeout)
            progress.waiting(
                oldest.student if oldest else None,
                time.monotonic() - oldest.started if oldest else 0,
            )
        finished()
    except KeyboardInterrupt:
        run.interrupted = True
        worker.interrupt()
        pool.shutdown(wait=True, cancel_futures=True)
        finished = {f for f in futures if f.done() and not f.cancelled()}
        _collect(finished - {f for f in futures if futures[f].id in run.results}, futures, run)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        warm.join()
        graders.close()
        shutil.rmtree(spool, ignore_errors=True)
        progress.close()
    return run


def _collect(
    done: set[Future[HostResult | None]],
    futures: dict[Future[HostResult | None], Student],
    run: BatchRun,
    progress: Progress | None = None,
) -> None:
    for future in done:
        if future.exception() is not None:
            raise future.exception()  # type: ignore[misc]
        result = future.result()
        if result is not None:
            student = futures[future]
            run.results[student.id] = result
            if progress is not None:
                progress.finished(student, result)
