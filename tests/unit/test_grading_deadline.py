"""Grading runs in a process the host's deadline can end (issue 10.2): a watch killed before
or during the grading gives no result (the batch then records "timed out after N s"), and the
grading process is gone."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from grader.deadline import ProcessWatch
from grader.grading_process import GradingJob, grade_in_process
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


def test_a_graded_job_gives_its_result(tmp_path: Path) -> None:
    result = grade_in_process(job(tmp_path), ProcessWatch())
    assert result is not None and result.status == "graded" and result.score == 100


def test_a_killed_watch_ends_the_grading_without_a_result(tmp_path: Path) -> None:
    watch = ProcessWatch()
    watch.kill()  # the deadline passed before the grading started
    assert grade_in_process(job(tmp_path), watch) is None
    slow, watch = job(tmp_path, extra_rules=300_000), ProcessWatch()
    threading.Timer(0.2, watch.kill).start()  # the deadline passes while it grades
    assert grade_in_process(slow, watch) is None
    assert all(not process.is_alive() for process in watch.processes)
