"""Benchmark grading a hostile host's snapshot: many namespaces and very long lines.

Builds documents from tests/data/snapshots/complete.json (a full lab host) with
- N extra qrouter namespaces (each with the records gather.sh writes for a namespace), and
- one very long line in one record (the `ip -o addr` line `1: ` + `@` x N that once took a
  quadratic regex 14.5 s at 32 768; lines of spaces, `((` and `=` for the other parsers),
then times reading the document (`Snapshot.from_json`) and grading it (`grade_snapshot`, the
path of check, batch and regrade) and prints the figures with what the grade says. A host over
a cap is refused in the read (its time is the cost of the refusal); the last columns grade it
once more with the caps lifted, to show what the record index alone costs.

    python3 bench/hostile_snapshot_bench.py [--namespaces 1000,4000,12000] [--lines 32768,4194304]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import grader.snapshot  # noqa: E402
from grader.errors import InputFileError  # noqa: E402
from grader.grading import grade_snapshot  # noqa: E402
from grader.model import load_exercises  # noqa: E402
from grader.snapshot import Snapshot  # noqa: E402

BASE = ROOT / "tests" / "data" / "snapshots" / "complete.json"
NS_KEYS = ("link", "addr", "route", "iptables_save", "iptables_legacy_save")
NS_KEYS += ("iptables_nft_save", "listeners")
LINK = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\\    link/loopback 00:00:00:00:00:00\n"
ADDR = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n"


def base() -> dict[str, Any]:
    return json.loads(BASE.read_text())


def with_namespaces(count: int) -> dict[str, Any]:
    """The lab host with COUNT namespaces in all (its own 2 and COUNT - 2 more)."""
    doc = base()
    names = [f"qrouter-{i:08d}-bench" for i in range(count - 2)]
    outputs = {"link": LINK, "addr": ADDR}
    for name in names:
        for key in NS_KEYS:
            doc["records"].append(
                {"key": key, "ns": name, "arg": None, "rc": 0, "out": outputs.get(key, "")}
            )
        doc["records"].append({"key": "netns_pids", "ns": None, "arg": name, "rc": 0, "out": ""})
    for record in doc["records"]:
        if record["key"] == "netns_list":
            record["out"] += "".join(f"{name} (id: {i})\n" for i, name in enumerate(names))
    return doc


# record key -> a long line its parser once found hard (LENGTH characters)
LONG_LINES = {
    "addr": lambda n: "1: " + "@" * n,
    "netns_list": lambda n: " " * n + "x",
    "listeners": lambda n: "LISTEN 0 1 0.0.0.0:22 * " + '(("' * (n // 3),
    "ovs_external_ids": lambda n: "a" * n,
    "processes": lambda n: "1 " + "x " * (n // 2),
    "iptables_save": lambda n: "*filter\n-A INPUT " + "-p " * (n // 3),
}


def with_long_line(key: str, length: int) -> dict[str, Any]:
    doc = base()
    for record in doc["records"]:
        if record["key"] == key and record["ns"] is None:
            record["out"] = LONG_LINES[key](length) + "\n" + record["out"]
    return doc


def timed(doc: dict[str, Any], capped: bool = True) -> tuple[float, float, str]:
    exercises = load_exercises()
    data = json.dumps(doc).encode()
    started = time.perf_counter()
    try:
        snapshot = Snapshot.from_json(data, source="bench") if capped else uncapped(data)
    except InputFileError as error:
        return time.perf_counter() - started, 0.0, f"refused: {error.problem[:70]}"
    read = time.perf_counter() - started
    result = grade_snapshot(snapshot, exercises, None, "bench")
    graded = time.perf_counter() - started - read
    if result.ungraded_reason is not None:
        return read, graded, f"error: {result.ungraded_reason[:100]}"
    errors = sum(1 for check in result.checks() if check.status == "error")
    return read, graded, f"{result.score:g}/{result.max_score:g} ({errors} checks error)"


def uncapped(data: bytes) -> Snapshot:
    """The snapshot read with the namespace and record caps lifted."""
    check_counts, check_namespaces = grader.snapshot.check_counts, grader.snapshot.check_namespaces
    grader.snapshot.check_counts = grader.snapshot.check_namespaces = lambda *args: None
    try:
        return Snapshot.from_json(data, source="bench")
    finally:
        grader.snapshot.check_counts = check_counts
        grader.snapshot.check_namespaces = check_namespaces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", default="1000,4000,12000")
    parser.add_argument("--lines", default="32768,4194304")
    args = parser.parse_args()
    print(f"{'snapshot':<40} {'MB':>6} {'read s':>8} {'grade s':>8}  outcome")
    for count in (int(n) for n in args.namespaces.split(",") if n):
        doc = with_namespaces(count)
        size = len(json.dumps(doc)) / 1e6
        read, graded, what = timed(doc)
        print(f"{f'{count} namespaces':<40} {size:>6.1f} {read:>8.2f} {graded:>8.2f}  {what}")
        if what.startswith("refused"):
            read, graded, what = timed(doc, capped=False)
            label = f"{count} namespaces, caps lifted"
            print(f"{label:<40} {size:>6.1f} {read:>8.2f} {graded:>8.2f}  {what}")
    for length in (int(n) for n in args.lines.split(",") if n):
        for key in LONG_LINES:
            doc = with_long_line(key, length)
            size = len(json.dumps(doc)) / 1e6
            read, graded, what = timed(doc)
            label = f"{key}: one {length}-char line"
            print(f"{label:<40} {size:>6.1f} {read:>8.2f} {graded:>8.2f}  {what}")


if __name__ == "__main__":
    main()
