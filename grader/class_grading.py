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

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from grader.classdir import ClassDir
from grader.grading_process import GradingPool
from grader.inventory import Student
from grader.report.batch_progress import Progress
from grader.result import HostResult
from grader.student_grading import TICK, Settings, StudentGrader

__all__ = ["MAX_JOBS", "BatchRun", "Settings", "default_jobs", "grade_class"]

MAX_JOBS = 16


def default_jobs(students: int) -> int:
    return max(1, min(MAX_JOBS, students))


def grading_processes(jobs: int) -> int:
    """How many hosts are graded at once (gathering waits on the network, grading on CPU)."""
    return max(1, min(jobs, os.cpu_count() or 1))


@dataclass
class BatchRun:
    results: dict[str, HostResult] = field(default_factory=dict)
    interrupted: bool = False


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
    worker = StudentGrader(settings, classdir, spool, graders, grading_processes(settings.jobs))
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
