"""Grade hosts' gathered output in processes of their own, which can be ended at any time.

A batch gathers each host in a thread, the output going to a file (grader/hostoutput.py), and
grades it here: parsing, facts and checks are pure Python that no thread could interrupt, so a
host whose output is slow to grade would outlive its `--timeout` and a Ctrl-C. The process
grading a host is registered with the host's ProcessWatch: the batch's deadline or Ctrl-C kills
it like the host's ssh. It also has a memory limit: a document built to be costly to read is
that host's `error`, not the batch's.

The processes are kept and reused (a GradingPool): starting one costs 50 to 100 ms of CPU
(the fork, multiprocessing's start-up, the main script run again), grading a host about 5 ms.
One that was killed, ran out of memory or died is not reused; a host whose process died
between two hosts is graded again by a fresh one.

    with GradingPool() as pool:
        job = GradingJob(output="spool", spec="ssh://lab-1", exercises=..., only=None, ...)
        result = pool.grade(job, watch)   # None: killed (deadline or Ctrl-C)
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import resource
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.answers_file import StudentAnswers, graded_answers, with_answers
from grader.atomic import write_atomic
from grader.deadline import ProcessWatch
from grader.errors import HostError
from grader.gather import parse_gather_output
from grader.grading import grade_snapshot, ungraded_cut, why
from grader.host_spec import host_name, redact
from grader.model import Exercises
from grader.result import HostResult, host_error

MEMORY_LIMIT = 1024 * 1024 * 1024  # bytes of address space for one grading process
PRELOAD = ["grader.grading_process", "grader.facts", "grader.engine", "checks"]

_context_lock = threading.Lock()
_context: Any = None


@dataclass(frozen=True)
class GradingJob:
    output: str  # the file holding the host's stdout
    spec: str  # the host spec, as given
    exercises: Exercises
    only: tuple[str, ...] | None
    remote_commands: int
    started: float  # time.monotonic() when the host was started (same clock in every process)
    snapshot_path: str | None  # where to write the snapshot (None: nowhere)
    memory_limit: int = MEMORY_LIMIT
    answers: StudentAnswers | None = None  # the student's findings answers (None: none)
    answers_copy: str | None = None  # where to write the answers graded (None: nowhere)


def _forkserver() -> Any:
    """The multiprocessing context: a fork server started once, the grader already imported
    (forking this process itself is unsafe: it runs threads)."""
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


@dataclass
class _Grader:
    process: Any  # multiprocessing's Process
    connection: Any  # our end of its duplex pipe

    def stop(self) -> None:
        """End the process: asked to when idle, killed if it does not go."""
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


class GradingPool:
    """Grading processes started as they are needed and kept for the next hosts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[_Grader] = []
        self.closed = False

    def __enter__(self) -> GradingPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def warm(self, count: int) -> None:
        """Start COUNT processes now (a batch does it in a thread as it starts), so that the
        first hosts' grading does not wait for them."""
        for _ in range(count):
            grader = self._start()
            with self.lock:
                if self.closed:
                    grader.stop()
                    return
                self.idle.append(grader)

    def grade(self, job: GradingJob, watch: ProcessWatch) -> HostResult | None:
        """JOB's result; a host `error` when the output is unusable or the grading failed;
        None when WATCH killed the process (the host's deadline, or Ctrl-C)."""
        for attempt in range(2):
            grader, reused = self._take(fresh=attempt > 0)
            reply, keep = self._ask(grader, job, watch)
            if keep:
                self._give(grader)
            else:
                grader.stop()
            if reply is None and watch.killed:
                return None
            if reply is not None or not reused:
                break  # else it died while idle (between two hosts): once more, a fresh one
        if reply is None:
            return _error(job, "grading stopped without a result (out of memory?)")
        kind, value = reply
        return value if kind == "result" else _error(job, value)

    def close(self) -> None:
        with self.lock:
            self.closed, idle, self.idle = True, self.idle, []
        for grader in idle:
            grader.stop()

    def _start(self) -> _Grader:
        context = _forkserver()
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(target=_serve, args=(theirs,), daemon=True)
        process.start()
        theirs.close()
        return _Grader(process, ours)

    def _take(self, fresh: bool) -> tuple[_Grader, bool]:
        """(a grading process, whether it graded other hosts before): an idle one, unless
        FRESH, or a new one."""
        with self.lock:
            if self.idle and not fresh:
                return self.idle.pop(), True
        return self._start(), False

    def _give(self, grader: _Grader) -> None:
        with self.lock:
            if not self.closed:
                self.idle.append(grader)
                return
        grader.stop()

    @staticmethod
    def _ask(grader: _Grader, job: GradingJob, watch: ProcessWatch) -> tuple[Any, bool]:
        """(GRADER's reply to JOB or None, whether GRADER can take another host)."""
        watch.add(grader.process)
        reply: Any = None
        try:
            grader.connection.send(job)
            ready = multiprocessing.connection.wait([grader.connection, grader.process.sentinel])
            if grader.connection in ready:
                reply = grader.connection.recv()
        except (EOFError, OSError):
            reply = None
        released = watch.release(grader.process)  # False: killed, maybe after it replied
        if reply is None:
            return None, False
        kind, value, keep = reply
        return (kind, value), keep and released


def _serve(connection: Any) -> None:
    """A grading process: grades the jobs it is sent, one at a time, until told to stop (None)
    or its memory ran out (then it replies and ends: a fresh one takes the next host)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch ends us; Ctrl-C is its to handle
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        soft = job.memory_limit if hard == resource.RLIM_INFINITY else min(job.memory_limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))  # a lower hard limit (ulimit) holds
        kind, value, keep = _reply(job)
        try:
            connection.send((kind, value, keep))
        except MemoryError:
            name = host_name(job.spec)
            message = f"{name}: its report needs more than {_mib(job.memory_limit)}"
            connection.send(("error", message, False))
            return
        if not keep:
            return


def _reply(job: GradingJob) -> tuple[str, Any, bool]:
    """(kind, value, whether this process can take another host) for JOB."""
    name = host_name(job.spec)
    try:
        return "result", _grade(job), True
    except HostError as error:
        return "error", str(error), True
    except MemoryError:
        limit = _mib(job.memory_limit)
        return "error", f"{name}: grading its output needs more than {limit}", False
    except Exception as error:
        return "error", f"{name}: cannot grade what the host returned: {why(error)}", True


def _error(job: GradingJob, reason: str) -> HostResult:
    max_score = sum(e.max_points for e in job.exercises.select(job.only).exercises)
    return host_error(redact(job.spec), reason, max_score)


def _grade(job: GradingJob) -> HostResult:
    name = host_name(job.spec)
    stdout = Path(job.output).read_bytes()
    snapshot = parse_gather_output(stdout, target=name)
    del stdout
    ungraded_cut(snapshot, name)
    collected_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    snapshot = snapshot.with_meta(target=redact(job.spec), collected_at=collected_at)
    exercises, answers = job.exercises, None
    if job.answers is not None:  # HostError: that student's error, naming the file
        answers, given = graded_answers(job.answers, snapshot, exercises)
        exercises = with_answers(exercises, given)
    result = grade_snapshot(
        snapshot,
        exercises,
        job.only,
        redact(job.spec),
        remote_commands=job.remote_commands,
        started=job.started,
        unreadable="cannot read what the host returned",
    )
    if answers is not None and job.answers_copy is not None:
        write_atomic(job.answers_copy, answers)  # before the snapshot: regrade needs both
    if job.snapshot_path is not None:
        write_atomic(job.snapshot_path, snapshot.to_json())
    return result


def _mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB"


def only_tuple(only: Sequence[str] | None) -> tuple[str, ...] | None:
    return tuple(only) if only is not None else None
