"""Benchmark the simulated lab: bring up and tear down 1, 10 and 50 hosts (needs root).

Prints, per run: wall time to bring up (total and per host), wall time to tear down, and the
memory of each host: the sum over every process in its PID namespace plus its `unshare` (RSS,
which counts shared library pages once per process, and PSS, which shares them fairly), the
largest host and the mean, and the drop of the machine's MemAvailable divided by the hosts
(kernel objects included). Targets: <= 2 s per host to bring up,
<= 50 MB resident per host, 50 hosts up at once without a failure.

    sudo .venv/bin/python bench/lab_bench.py [--counts 1,10,50] [--scenario complete] [--jobs 8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labsim import api, health


def mem_available_kb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    return 0


def memory_kb(init_pid: int, unshare_pid: int) -> tuple[int, int]:
    """(RSS, PSS) in kB summed over every process of the host (its PID namespace + unshare)."""
    target = os.readlink(f"/proc/{init_pid}/ns/pid")
    rss = pss = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if entry != str(unshare_pid) and os.readlink(f"/proc/{entry}/ns/pid") != target:
                continue
            for line in Path(f"/proc/{entry}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def run(count: int, scenario: str, jobs: int) -> None:
    names = [f"bench-{i}" for i in range(1, count + 1)]
    available = mem_available_kb()
    start = time.monotonic()
    hosts = api.up(names, scenario=scenario, jobs=jobs)
    up_s = time.monotonic() - start
    healthy = sum(1 for h in hosts if health.health(h) == "ok")
    memory = [memory_kb(h.init_pid, h.unshare_pid) for h in hosts]
    used = (available - mem_available_kb()) / 1024 / count
    start = time.monotonic()
    api.down(all_hosts=True)
    down_s = time.monotonic() - start
    rss = [m[0] / 1024 for m in memory]
    pss = [m[1] / 1024 for m in memory]
    print(
        f"{count:3d} hosts  up {up_s:6.2f} s ({up_s / count:.2f} s/host)  "
        f"down {down_s:5.2f} s  healthy {healthy}/{count}  "
        f"RSS/host max {max(rss):5.1f} MB mean {sum(rss) / count:5.1f} MB  "
        f"PSS/host max {max(pss):5.1f} MB mean {sum(pss) / count:5.1f} MB  "
        f"MemAvailable drop/host {used:5.1f} MB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1,10,50")
    parser.add_argument("--scenario", default="complete")
    parser.add_argument("--jobs", type=int, default=api.DEFAULT_JOBS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="labgrade-bench-") as state:
        os.environ["LABGRADE_LAB_DIR"] = state + "/lab"
        print(f"scenario {args.scenario}, jobs {args.jobs}, {os.cpu_count()} CPUs", flush=True)
        try:
            for count in (int(c) for c in args.counts.split(",")):
                run(count, args.scenario, args.jobs)
        finally:
            api.down(all_hosts=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
