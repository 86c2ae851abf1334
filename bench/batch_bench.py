"""Benchmark `labgrade batch` on N simulated hosts against the floor of plain ssh (needs root).

For each count N: bring up N simulated hosts (`labsim.api`), optionally add a round-trip
delay to every connection (bench/delay_relay.py in the ssh ProxyCommand), then measure
- the floor: `ssh HOST '<the gather command>'` for every host, JOBS at a time (one connection,
  one command, nothing else), after each batch;
- the plain-commands floor: `ssh HOST sh -s < bench/plain_commands.sh`, the commands the
  gather runs and nothing else (no timeout, caps, escaping or JSON), JOBS at a time (issue
  11.7), before each batch;
- plain pytest-testinfra + pytest-xdist on the same hosts (bench/testinfra_plain.py: one test
  per check, each running its own command), `-n JOBS`, when pytest-xdist is installed;
- three batches run in one process (the library behind `labgrade batch`, JOBS at a time,
  interleaved with the two floors: the machine may be shared, and its load changes): wall
  time, remote commands per host, open file descriptors before and after each batch;
and print them with the peak resident memory of this process. Targets (issue 4): batch within
1.25x of the floor at 16 and 50 hosts, at most 2 remote commands per host, peak memory under
200 MB for 50 hosts, no growth in open file descriptors over the three batches; (issue 11.7)
batch within 1.25x of the plain-commands floor, plain testinfra + xdist at least 8x the batch.

    sudo .venv/bin/python bench/batch_bench.py [--counts 16,50] [--jobs 8] [--delay-ms 50]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.class_grading import Settings, grade_class  # noqa: E402
from grader.classdir import ClassDir  # noqa: E402
from grader.connect_options import ConnectOptions, wrap_command  # noqa: E402
from grader.gather import gather_command  # noqa: E402
from grader.inventory import Student  # noqa: E402
from grader.model import extra_commands, load_exercises  # noqa: E402
from grader.report.batch_progress import Progress  # noqa: E402
from labsim import api  # noqa: E402

RELAY = ROOT / "bench" / "delay_relay.py"
PLAIN = ROOT / "bench" / "plain_commands.sh"
TESTINFRA_SUITE = ROOT / "bench" / "testinfra_plain.py"


def ssh_config(path: Path, delay_ms: float) -> Path:
    """The lab's ssh config, each ProxyCommand behind the delaying relay when DELAY_MS > 0."""
    lines = []
    for line in api.ssh_config_text().splitlines():
        if delay_ms > 0 and line.strip().startswith("ProxyCommand "):
            inner = line.strip().removeprefix("ProxyCommand ")
            python, relay_script = shlex.quote(sys.executable), shlex.quote(str(RELAY))
            relay = f"{python} {relay_script} {delay_ms:g} -- {inner}"
            line = f"    ProxyCommand {relay}"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")
    return path


def floor(names: list[str], config: Path, command: str, jobs: int) -> float:
    """Wall time of plain `ssh HOST COMMAND` for every host, JOBS at a time."""

    def one(name: str) -> None:
        done = subprocess.run(
            ["ssh", "-F", str(config), name, command], capture_output=True, timeout=300
        )
        if done.returncode != 0 or b'"complete": true' not in done.stdout[-200:]:
            raise RuntimeError(f"{name}: plain ssh failed: {done.stderr[-300:]!r}")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, names))
    return time.monotonic() - started


def plain_floor(names: list[str], config: Path, jobs: int) -> float:
    """Wall time of `ssh HOST sh -s < plain_commands.sh` for every host, JOBS at a time."""
    script = PLAIN.read_bytes()

    def one(name: str) -> None:
        done = subprocess.run(
            ["ssh", "-F", str(config), name, "sh", "-s"], input=script, capture_output=True,
            timeout=300,
        )  # fmt: skip
        if done.returncode != 0 or b"qrouter-" not in done.stdout:
            raise RuntimeError(f"{name}: plain commands failed: {done.stderr[-300:]!r}")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, names))
    return time.monotonic() - started


def testinfra_xdist(names: list[str], config: Path, jobs: int) -> float | None:
    """Wall time of the plain testinfra suite with `pytest -n JOBS`; None without xdist."""
    if importlib.util.find_spec("xdist") is None:
        return None
    env = {**os.environ, "LABGRADE_BENCH_HOSTS": ",".join(names), "LABGRADE_BENCH_SSH": str(config)}
    command = [sys.executable, "-m", "pytest", "-q", "-n", str(jobs), "-p", "no:cacheprovider"]
    started = time.monotonic()
    done = subprocess.run(
        [*command, str(TESTINFRA_SUITE)], capture_output=True, text=True, env=env, cwd=ROOT
    )
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"plain testinfra suite failed: {done.stdout[-500:]}")
    return wall


def seconds(values: list[float]) -> str:
    return ", ".join(f"{value:.2f} s" for value in values)


def times(ratios: Iterable[float]) -> str:
    return ", ".join(f"{ratio:.2f}x" for ratio in ratios)


def load_average() -> str:
    """The 1/5/15-minute load averages: the machine is shared, a figure taken under load is
    only comparable with figures from the same run."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def batch(names: list[str], config: Path, jobs: int, out: Path) -> tuple[float, int, int]:
    """(wall time, most remote commands on one host, students in error) of one batch."""
    students = [Student(name, f"ssh://{name}") for name in names]
    options = ConnectOptions(ssh_config=str(config), timeout=120)
    settings = Settings(load_exercises(), None, options, jobs)
    classdir = ClassDir(out)
    classdir.create()
    with open(os.devnull, "w") as quiet:
        started = time.monotonic()
        run = grade_class(students, settings, classdir, Progress(quiet, len(students)))
        wall = time.monotonic() - started
    errors = [r.error for r in run.results.values() if r.status == "error"]
    if errors:
        print(f"    errors: {errors[:3]}", file=sys.stderr)
    return wall, max(r.remote_commands for r in run.results.values()), len(errors)


def bench(
    count: int, jobs: int, delay_ms: float, work: Path, rounds: int = 3, testinfra: bool = True
) -> None:
    names = [f"bb-{i:03}" for i in range(count)]
    load_before = load_average()
    started = time.monotonic()
    api.up(names, scenario="complete", jobs=8)
    print(f"{count} hosts up in {time.monotonic() - started:.1f} s")
    try:
        config = ssh_config(work / f"ssh_config.{count}", delay_ms)
        exercises = load_exercises()
        extra = extra_commands(exercises.select(None).to_run, exercises.registry)
        command = wrap_command(gather_command(extra), ConnectOptions(timeout=120))
        # Interleaved rounds (plain commands, batch, gather floor): on a shared machine the
        # load changes from minute to minute, so each batch is compared with the plain
        # commands measured just before it, and best with best.
        plains, walls, floors, fds = [], [], [], [open_fds()]
        commands = errors = 0
        for round_ in range(rounds):
            plains.append(plain_floor(names, config, jobs))
            wall, most, failed = batch(names, config, jobs, work / f"out-{count}-{round_}")
            walls.append(wall)
            commands, errors = max(commands, most), errors + failed
            fds.append(open_fds())
            floors.append(floor(names, config, command, jobs))
        testinfra_wall = testinfra_xdist(names, config, jobs) if testinfra else None
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"N={count} jobs={jobs} delay={delay_ms:g} ms  (load average {load_before})")
        print(f"  floor (plain ssh + gather): {seconds(floors)}")
        print(f"  batch x{rounds}:                   {seconds(walls)}")
        print(f"  batch / best floor:         {times(w / min(floors) for w in walls)}")
        print(f"  plain-commands floor:       {seconds(plains)} (ssh + the gather's commands)")
        rounds = times(w / p for w, p in zip(walls, plains, strict=True))
        best = min(walls) / min(plains)
        print(f"  batch / plain-commands:     {rounds} (each round), best/best {best:.2f}x")
        print("                              (goal: at most 1.25x)")
        if not testinfra:
            print("  testinfra + xdist:          not measured (--no-testinfra)")
        elif testinfra_wall is None:
            print("  testinfra + xdist:          not measured (pip install pytest-xdist)")
        else:
            print(f"  testinfra + xdist:          {testinfra_wall:.2f} s")
            speedup = testinfra_wall / min(walls)
            print(f"  testinfra / best batch:     {speedup:.2f}x  (goal: at least 8x)")
        print(f"  remote commands per host:   {commands} (students in error: {errors})")
        print(f"  peak RSS of this process:   {peak_mb:.0f} MB")
        print(f"  open fds before/after each: {' -> '.join(map(str, fds))}")
        print(f"  load average after:         {load_average()}  (2 cores: compare ratios)")
    finally:
        api.down(names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="16,50", help="host counts (default: 16,50)")
    parser.add_argument("--jobs", type=int, default=8, help="hosts at once (default: 8)")
    parser.add_argument("--delay-ms", type=float, default=50, help="added round trip (ms)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default: 3)")
    parser.add_argument(
        "--no-testinfra", action="store_true", help="skip plain testinfra + xdist (minutes at 50)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="labgrade-batch-bench-") as tmp:
        os.environ["LABGRADE_LAB_DIR"] = str(Path(tmp) / "lab")
        for count in (int(c) for c in args.counts.split(",")):
            bench(count, args.jobs, args.delay_ms, Path(tmp), args.rounds, not args.no_testinfra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
