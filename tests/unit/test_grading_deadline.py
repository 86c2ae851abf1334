"""Grading runs in a process the host's deadline can end (issue 10.2): a watch killed before
or during the grading gives no result (the batch then records "timed out after N s"), and the
grading process is gone. The processes are reused from host to host (issue 11.7), never one
that was killed, ran out of memory or died; a watch that was let go of kills nothing later."""

from __future__ import annotations

import dataclasses
import json
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.deadline import ProcessWatch
from grader.grading_process import GradingJob, GradingPool
from grader.model import load_exercises

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "snapshots"


def job(tmp_path: Path, extra_rules: int = 0) -> GradingJob:
    doc = json.loads((SNAPSHOTS / "complete.json").read_text())
    rule = "-A neutron-openvswi-sg-chain -s 10.{}.{}.{}/32 -j RETURN\n"
    extra = "".join(rule.format(i >> 16 & 255, i >> 8 & 255, i & 255) for i in range(extra_rules))
    for record in doc["records"]:
        if record["key"] == "iptables_save" and record["ns"] is None:
            record["out"] = record["out"].replace("COMMIT\n", extra + "COMMIT\n", 1)
    output = tmp_path / "host.out"
    output.write_text(json.dumps(doc))
    return GradingJob(str(output), "ssh://lab-1", load_exercises(), None, 1, time.monotonic(), None)


@pytest.fixture
def pool() -> Iterator[GradingPool]:
    with GradingPool() as graders:
        yield graders


def test_a_graded_job_gives_its_result(tmp_path: Path, pool: GradingPool) -> None:
    result = pool.grade(job(tmp_path), ProcessWatch())
    assert result is not None and result.status == "graded" and result.score == 100


def test_one_process_grades_host_after_host(tmp_path: Path, pool: GradingPool) -> None:
    pool.grade(job(tmp_path), ProcessWatch())
    [first] = [grader.process.pid for grader in pool.idle]
    result = pool.grade(job(tmp_path), ProcessWatch())
    assert result is not None and result.score == 100
    assert [grader.process.pid for grader in pool.idle] == [first]


def test_a_killed_watch_ends_the_grading_without_a_result(tmp_path: Path, pool: GradingPool):
    watch = ProcessWatch()
    watch.kill()  # the deadline passed before the grading started
    assert pool.grade(job(tmp_path), watch) is None
    slow, watch = job(tmp_path, extra_rules=300_000), ProcessWatch()
    threading.Timer(0.2, watch.kill).start()  # the deadline passes while it grades
    assert pool.grade(slow, watch) is None
    assert all(not process.is_alive() for process in watch.processes)
    assert pool.idle == []  # a killed process is not kept
    after = pool.grade(job(tmp_path), ProcessWatch())  # the next host: a fresh process
    assert after is not None and after.score == 100


def test_a_watch_let_go_of_kills_nothing_later(tmp_path: Path, pool: GradingPool) -> None:
    done = ProcessWatch()
    assert pool.grade(job(tmp_path), done) is not None
    [grader] = pool.idle
    done.kill()  # that host's deadline passes after its grading: the process grades others
    assert grader.process.is_alive() and done.processes == []


def test_a_process_that_died_between_hosts_is_replaced(tmp_path: Path, pool: GradingPool):
    pool.grade(job(tmp_path), ProcessWatch())
    [grader] = pool.idle
    grader.process.kill()  # e.g. the kernel's OOM killer, while it waited for a host
    grader.process.join()
    result = pool.grade(job(tmp_path), ProcessWatch())
    assert result is not None and result.status == "graded" and result.score == 100
    assert [g.process.pid for g in pool.idle] != [grader.process.pid]


def test_out_of_memory_is_that_hosts_error_and_the_next_host_is_graded(
    tmp_path: Path, pool: GradingPool
) -> None:
    small = dataclasses.replace(job(tmp_path, extra_rules=50_000), memory_limit=16 * 2**20)
    result = pool.grade(small, ProcessWatch())
    assert result is not None and result.status == "error"
    assert "needs more than 16 MiB" in result.error or "memory allowed" in result.error
    after = pool.grade(job(tmp_path), ProcessWatch())
    assert after is not None and after.status == "graded" and after.score == 100


def test_a_hard_memory_limit_below_the_grading_limit_is_kept(tmp_path: Path) -> None:
    """Under `ulimit -v` lower than the 1 GiB grading limit, hosts are still graded (the
    grading process keeps the lower limit rather than failing to raise it)."""
    code = (
        "import sys, time; sys.path[:0] = sys.argv[1:3]\n"
        "from test_grading_deadline import job\n"
        "from grader.deadline import ProcessWatch\n"
        "from grader.grading_process import GradingPool\n"
        "from pathlib import Path\n"
        "with GradingPool() as pool:\n"
        "    result = pool.grade(job(Path(sys.argv[3])), ProcessWatch())\n"
        "print(result.status, result.score, result.error)\n"
    )
    here = Path(__file__).resolve()
    limit = 900 * 2**20

    def lower_hard_limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-c", code, str(here.parent), str(here.parents[2]), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lower_hard_limit,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["graded", "100"], done.stdout
