"""Benchmark `labgrade batch` on a class with hostile hosts (issue 10; needs root).

Brings up 16 simulated hosts: 12 honest ones in the scenarios of tests/integration/
test_batch_lab.py and 4 hostile ones (tests/integration/hostile_gather.py: a lone surrogate in
the gather output, 12,000 namespaces, a 1 GiB stream, terminal escapes; each a `timeout`
wrapper mounted inside that host only). Then
1. one batch, whole: wall time against --timeout, the peak memory of the batch's process tree
   (sum of RSS, and of PSS, sampled every 50 ms, and the largest single process), whether the
   12 honest hosts are graded as their scenario says and what each hostile host got;
2. one batch interrupted with SIGINT while the hostile hosts are in flight: seconds from the
   signal to the exit, whether grades.csv, junit.xml and students/*.json are valid; then
   --resume: whether it finishes the class.
Targets: within --timeout + a few seconds, peak under 300 MB, Ctrl-C answered within 5 s.

    sudo .venv/bin/python bench/hostile_batch_bench.py [--timeout 30] [--repo DIR]

--repo runs the labgrade of another checkout (e.g. an older main) on the same hosts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "integration")]

from hostile_gather import HOSTILE, make_hostile  # noqa: E402
from test_batch_lab import FAILING  # noqa: E402

from labsim import api  # noqa: E402

HONEST = 12


def tree(root: int) -> list[int]:
    """ROOT and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of PID in KiB; (0, 0) when it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = {line.split()[0]: int(line.split()[1]) for line in text.splitlines()[1:]}
    return values.get("Rss:", 0), values.get("Pss:", 0)


class Sampler(threading.Thread):
    """Peak memory of a process tree, sampled every 50 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.rss = self.pss = self.single = 0

    def run(self) -> None:
        while not self.stop.is_set():
            figures = [memory_kib(pid) for pid in tree(self.pid)]
            self.rss = max(self.rss, sum(r for r, _ in figures))
            self.pss = max(self.pss, sum(p for _, p in figures))
            self.single = max([self.single, *(r for r, _ in figures)])
            time.sleep(0.05)


def start_batch(repo: Path, args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "labgrade", "batch", *args],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def valid_files(out: Path) -> dict[str, dict[str, str]]:
    """grades.csv rows by id, after checking that junit.xml and every JSON file parse."""
    ET.parse(out / "junit.xml")
    for path in (out / "students").glob("*.json"):
        json.loads(path.read_text())
    with open(out / "grades.csv", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def not_passing(out: Path, student: str) -> set[str]:
    doc = json.loads((out / "students" / f"{student}.json").read_text())
    return {c["id"] for e in doc["exercises"] for c in e["checks"] if c["status"] != "pass"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--repo", type=Path, default=ROOT)
    parser.add_argument("--keep", action="store_true", help="leave the hosts up")
    options = parser.parse_args()
    os.environ.setdefault("LABGRADE_LAB_DIR", "/run/lg-hostile-bench")
    scenarios = list(FAILING)
    honest = {f"lg-hb{i:02}": scenarios[i % len(scenarios)] for i in range(HONEST)}
    hostile = {f"lg-hb-{kind}": "complete" for kind in HOSTILE}
    started = time.monotonic()
    hosts = {h.name: h for h in api.up_scenarios(honest | hostile, jobs=8)}
    print(f"16 hosts up in {time.monotonic() - started:.0f} s")
    try:
        for kind in HOSTILE:
            make_hostile(hosts[f"lg-hb-{kind}"], kind)
        run(options, honest, hostile)
    finally:
        if not options.keep:
            api.down(list(hosts))


def run(options: argparse.Namespace, honest: dict[str, str], hostile: dict[str, str]) -> None:
    work = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    ssh_config = api.write_ssh_config(work / "ssh_config")
    students = [{"id": name.removeprefix("lg-"), "target": name} for name in honest | hostile]
    inventory = work / "class.yaml"
    inventory.write_text(json.dumps({"students": students}))

    def args(out: Path) -> list[str]:
        return [str(inventory), "--out", str(out), "--ssh-config", str(ssh_config),
                "--timeout", str(options.timeout), "--quiet"]  # fmt: skip

    # 1. the whole batch
    out = work / "whole"
    started = time.monotonic()
    process = start_batch(options.repo, args(out))
    sampler = Sampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    print(f"batch of 16 (4 hostile), --timeout {options.timeout}: {wall:.1f} s, "
          f"exit {process.returncode}")  # fmt: skip
    print(
        f"peak memory of the batch's processes: RSS sum {sampler.rss / 1024:.0f} MB, "
        f"PSS sum {sampler.pss / 1024:.0f} MB, largest process {sampler.single / 1024:.0f} MB"
    )
    print(f"traceback: {'Traceback' in stderr}; raw ESC on the terminal: "
          f"{chr(27) in stdout + stderr}")  # fmt: skip
    rows = valid_files(out)
    right = 0
    for name, scenario in honest.items():
        sid = name.removeprefix("lg-")
        wanted = set(FAILING[scenario].split())
        ok = rows[sid]["status"] == "graded" and not_passing(out, sid) == wanted
        right += ok
        if not ok:
            print(f"  WRONG {sid} ({scenario}): {rows[sid]['status']} {rows[sid]['score']}")
    print(f"honest hosts graded as their scenario says: {right}/{len(honest)}")
    for name in hostile:
        row = rows[name.removeprefix("lg-")]
        print(f"  {name}: {row['status']} {row['score'] or ''} {row['error'][:110]!r}")

    # 2. Ctrl-C in flight, then --resume
    out = work / "interrupted"
    process = start_batch(options.repo, args(out))
    deadline = time.monotonic() + 60
    while not list((out / "students").glob("hb0*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, stderr = process.communicate()
    answered = time.monotonic() - sent
    try:
        rows = valid_files(out)
        files = "valid"
    except Exception as error:  # what the bench reports, not a test
        rows, files = {}, f"INVALID ({type(error).__name__}: {error})"
    pending = sum(1 for row in rows.values() if row["status"] == "pending")
    print(f"SIGINT 2 s after the first result: exit {process.returncode} after {answered:.2f} s; "
          f"files {files}; {pending} pending")  # fmt: skip
    started = time.monotonic()
    process = start_batch(options.repo, [*args(out), "--resume"])
    process.communicate()
    rows = valid_files(out)
    pending = sum(1 for row in rows.values() if row["status"] == "pending")
    print(f"--resume: exit {process.returncode} in {time.monotonic() - started:.1f} s; "
          f"{pending} pending")  # fmt: skip


if __name__ == "__main__":
    main()
