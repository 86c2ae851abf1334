"""Grade one host's gathered output in a process of its own, which can be ended at any time.

A batch gathers each host in a thread, the output going to a file (grader/hostoutput.py), and
grades it here: parsing, facts and checks are pure Python that no thread could interrupt, so a
host whose output is slow to grade would outlive its `--timeout` and a Ctrl-C. The process is
registered with the host's ProcessWatch: the batch's deadline or Ctrl-C kills it like the
host's ssh. It also has a memory limit: a document built to be costly to read is that host's
`error`, not the batch's.

    job = GradingJob(output="spool", spec="ssh://lab-1", exercises=..., only=None, ...)
    result = grade_in_process(job, watch)   # None: killed (deadline or Ctrl-C)
"""

from __future__ import annotations

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


def start_server() -> None:
    """Start the fork server now (it imports the grader once: a second or so), so that the
    first host's grading does not wait for it; a batch calls this in a thread as it starts."""
    _forkserver()
    from multiprocessing import forkserver

    forkserver.ensure_running()


def grade_in_process(job: GradingJob, watch: ProcessWatch) -> HostResult | None:
    """JOB's result; a host `error` when the output is unusable or the grading failed; None
    when WATCH killed the process (the host's deadline, or Ctrl-C)."""
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, job), daemon=True)
    with receiver:
        process.start()
        sender.close()
        watch.add(process)
        reply: Any = None
        ready = multiprocessing.connection.wait([receiver, process.sentinel])
        if receiver in ready:
            try:
                reply = receiver.recv()
            except (EOFError, OSError):
                reply = None
    process.join()  # not close()d: the watch may still kill() it, a no-op once it ended
    if reply is None and watch.killed:
        return None
    if reply is None:
        return _error(job, "grading stopped without a result (out of memory?)")
    kind, value = reply
    if kind == "result":
        return value
    return _error(job, value)


def _error(job: GradingJob, reason: str) -> HostResult:
    max_score = sum(e.max_points for e in job.exercises.select(job.only).exercises)
    return host_error(redact(job.spec), reason, max_score)


def _child(sender: Any, job: GradingJob) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch ends us; Ctrl-C is its to handle
    resource.setrlimit(resource.RLIMIT_AS, (job.memory_limit, job.memory_limit))
    name = host_name(job.spec)
    try:
        reply: tuple[str, Any] = ("result", _grade(job))
    except HostError as error:
        reply = ("error", str(error))
    except MemoryError:
        reply = ("error", f"{name}: grading its output needs more than {_mib(job.memory_limit)}")
    except Exception as error:
        reply = ("error", f"{name}: cannot grade what the host returned: {why(error)}")
    try:
        sender.send(reply)
    except MemoryError:
        sender.send(("error", f"{name}: its report needs more than {_mib(job.memory_limit)}"))


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
