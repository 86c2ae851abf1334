"""Hostile host output and the files labgrade writes (issue 6).

test_robustness.py feeds any bytes to the gather script and any text to each parser; here the
text goes into whole snapshots: build_facts and every check through the engine (nothing escapes:
a raising check is `error`), then the text, JSON and JUnit reports, which must stay valid. Also:
the per-host caps, huge hosts, atomic writes under kill and failure, CSV formula neutralisation,
and secrets kept out of reports.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from grading import exercises, snapshot
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grader import atomic, connect, hostoutput
from grader.connect_options import ConnectOptions
from grader.engine import grade
from grader.errors import HostError
from grader.facts import build_facts
from grader.host_spec import redact
from grader.inventory import Student
from grader.report import render_json, render_junit, render_text
from grader.report.gradebook import render_gradebook
from grader.result import HostResult, host_error
from grader.snapshot import Record, Snapshot

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "grader" / "gather.sh"
STATUSES = {"pass", "fail", "skip", "error"}

NASTY = [
    "\0",
    "\x1b[2J\x1b[31m",
    "\x1b]0;title\x07",
    "\r",
    "\ufffd",
    "\udcff",
    "\ufeff",
    "\u202e",
    "$(touch pwned)",
    "`id`",
    "; rm -rf /",
    "qrouter-x;touch pwned",
    "-A neutron-openvswi-sg-chain -j",
    "inet 10.0.0.1/24",
    "x" * 5000,
    "]]>",
    "<testcase/>",
    "&amp;",
]
hostile_text = st.lists(st.one_of(st.text(max_size=60), st.sampled_from(NASTY)), max_size=20).map(
    "\n".join
)


def hostile_snapshot(base: Snapshot, texts: list[str], keys: list[int]) -> Snapshot:
    records = list(base.records)
    for index, text in zip(keys, texts, strict=False):
        record = records[index % len(records)]
        records[index % len(records)] = replace(record, out=text, err=text[:200])
    return replace(base, records=tuple(records))


def assert_reports_valid(result: HostResult) -> None:
    assert json.loads(render_json(result))["target"] == result.target
    ET.fromstring(render_junit([result]).encode("utf-8"))
    text = render_text(result)
    assert "\x1b" not in text and "\0" not in text


def record_index(name: str, key: str, ns_prefix: str | None = None) -> int:
    """Where record KEY (root namespace, or the namespace NS_PREFIX*) sits in snapshot NAME."""
    for index, record in enumerate(snapshot(name).records):
        where = record.ns is None if ns_prefix is None else (record.ns or "").startswith(ns_prefix)
        if record.key == key and where:
            return index
    raise LookupError(f"{name} has no {key} record")


# Examples random runs found, pinned so that every run (CI's derandomized ones too) tries them:
# a Unicode digit passes str.isdigit() and broke int() in three parsers (issue 10, item 9).
PIDS = (["²"], [record_index("complete", "netns_pids")])
PORT = (
    ['LISTEN 0 128 0.0.0.0:9²7 0.0.0.0:* users:(("haproxy",pid=1,fd=6))'],
    [record_index("complete", "listeners", "qrouter-")],
)
PS = (["    PID COMMAND\n   ²3 haproxy -f /x.conf"], [record_index("complete", "processes")])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip
@example(*PIDS, "complete")
@example(*PORT, "complete")
@example(*PS, "complete")
@example(
    ["\udcff\x1b[2J-A neutron-openvswi-sg-chain -j"],
    [record_index("complete", "iptables_save")],
    "complete",
)
@example(
    ["qrouter-x;touch pwned (id: 1)\n\x1b]0;title\x07"], [record_index("ovn", "netns_list")], "ovn"
)
@given(
    st.lists(hostile_text, min_size=1, max_size=8),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=8),
    st.sampled_from(["complete", "hostile-junk", "ovn", "no-ssh-rule"]),
)
def test_hostile_records_never_escape_a_check(texts, keys, name):
    snap = hostile_snapshot(snapshot(name), texts, keys)
    result = grade(exercises(), build_facts(snap), target="ssh://lab-1")
    assert result.status == "graded"
    assert {c.status for c in result.checks()} <= STATUSES
    assert_reports_valid(result)


@settings(max_examples=40, deadline=None)
@given(hostile_text)
def test_hostile_text_in_reports_and_errors_stays_valid(text):
    result = host_error(f"ssh://{text[:40]}", text, 100)
    assert_reports_valid(result)
    graded = grade(exercises(), build_facts(snapshot("complete")), target=text[:80])
    first = graded.exercises[0]
    check = replace(first.checks[0], status="fail", evidence=text, hint=text, see=text)
    graded = replace(graded, exercises=(replace(first, checks=(check,)), *graded.exercises[1:]))
    assert_reports_valid(graded)


def test_thousands_of_namespaces_and_rules_grade_quickly():
    base = snapshot("complete")
    names = "\n".join(f"qrouter-{i:08d}-x (id: {i})" for i in range(3000))
    rules = "*filter\n" + "".join(
        f"-A neutron-openvswi-sg-chain -m physdev --physdev-out tap{i:08d} -j ACCEPT\n"
        for i in range(20000)
    )
    extra = [Record("netns_list", out=names), Record("iptables_save", out=rules + "COMMIT\n")]
    extra += [Record("addr", ns=f"qrouter-{i:08d}-x", out="") for i in range(3000)]
    snap = replace(base, records=tuple(extra) + base.records)
    started = time.monotonic()
    result = grade(exercises(), build_facts(snap))
    assert time.monotonic() - started < 30
    assert {c.status for c in result.checks()} <= STATUSES
    assert_reports_valid(result)


def test_gather_caps_each_command_and_says_so(tmp_path):
    env = {**os.environ, "LABGRADE_CAP": "65536", "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        ["sh", str(SCRIPT), "head -c 300000 /dev/zero | tr '\\0' x"],
        capture_output=True,
        timeout=60,
        env=env,
    )
    snap = Snapshot.from_json(done.stdout)
    record = next(snap.by_key("extra"))
    assert record.truncated and len(record.out) <= 65536 + 2000
    assert any("cut at the size cap" in n for n in build_facts(snap).discovered["notes"])
    assert list(tmp_path.iterdir()) == []  # the gather's temporary directory is removed


def test_output_over_the_cap_is_refused_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(hostoutput, "MAX_OUTPUT", 1000)
    with pytest.raises(HostError, match=r"sent more than 1000 B of output \(the cap\); cut off"):
        connect.run_on_host("local://", "head -c 5000 /dev/zero", ConnectOptions(timeout=10))


STREAMER = """
import resource, sys, time
from grader import connect
from grader.connect_options import ConnectOptions
from grader.errors import HostError
started = time.monotonic()
try:
    connect.run_on_host("local://", "yes labgrade | head -c 1073741824", ConnectOptions())
except HostError as error:
    print(error)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, time.monotonic() - started)
"""


def test_a_host_streaming_1_gib_is_cut_at_the_cap_in_bounded_memory():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", STREAMER], capture_output=True, text=True, timeout=120, env=env
    )
    message, figures = done.stdout.strip().splitlines()
    assert message == "the local host sent more than 40 MiB of output (the cap); cut off"
    peak_mib, _seconds = figures.split()
    # Far below the 1 GiB sent (40 MiB kept, read back and decoded); the exact peak depends on
    # the allocator and the machine, so bench/hostile_batch_bench.py measures it, not this test.
    assert int(peak_mib) < 512, done.stdout


def test_local_deadline_ends_a_command_the_host_does_not(monkeypatch):
    monkeypatch.setattr(connect, "KILL_GRACE", 0)
    monkeypatch.setattr(connect, "LOCAL_GRACE", 0)
    monkeypatch.setattr(connect, "wrap_command", lambda command, options: command)  # no timeout
    started = time.monotonic()
    with pytest.raises(HostError, match=r"timed out after 1 s"):
        connect.run_on_host("local://", "sleep 30", ConnectOptions(timeout=1))
    assert time.monotonic() - started < 10


WRITER = """
import sys
from grader.atomic import write_atomic
n = 0
while True:
    n += 1
    write_atomic(sys.argv[1], (str(n % 10) * 8_000_000).encode())
"""


def test_kill_during_write_leaves_old_or_new_file_never_half(tmp_path):
    target = tmp_path / "grades.csv"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for delay in (0.05, 0.13, 0.21, 0.34, 0.55):
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], env=env)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if target.exists():
            data = target.read_bytes()
            assert len(data) == 8_000_000 and len(set(data)) == 1
    leftovers = [p for p in tmp_path.iterdir() if p.name != "grades.csv"]
    for leftover in leftovers:  # a killed writer may leave its temporary file, never the target
        assert leftover.name.startswith(".grades.csv.") and leftover.name.endswith(".tmp")


def test_failing_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        atomic.write_atomic(target, "new")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]
)
def test_gradebook_neutralises_formulas(cell):
    student = Student(id="ada", target="ssh://lab-1", name=cell, email="a@b")
    result = host_error("ssh://lab-1", cell, 100)
    text = render_gradebook([(student, result)], ["sg"])
    rows = list(csv.reader(io.StringIO(text)))
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in rows[1])


def test_junit_is_valid_with_control_characters_in_evidence():
    graded = grade(exercises(), build_facts(snapshot("complete")), target="ssh://lab-1")
    first = graded.exercises[0]
    evil = "".join(chr(i) for i in range(32)) + "\x7f\ud800\ufffe]]><x>&"
    check = replace(first.checks[0], status="error", evidence=evil)
    graded = replace(graded, exercises=(replace(first, checks=(check,)), *graded.exercises[1:]))
    ET.fromstring(render_junit([graded]).encode("utf-8"))
    assert json.loads(render_json(graded))["exercises"][0]["checks"][0]["evidence"]


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        ("ssh://ada:hunter2@lab-1:22", "ssh://ada@lab-1:22"),
        ("paramiko://ada:p%40ss@lab-1", "paramiko://ada@lab-1"),
        ("ssh://ada@lab-1", "ssh://ada@lab-1"),
        ("local://", "local://"),
    ],
)
def test_redact_drops_passwords(spec, shown):
    assert redact(spec) == shown


def test_secrets_never_reach_reports_or_messages(tmp_path):
    key = tmp_path / "id_test"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nSECRETKEYMATERIAL\n")
    out = tmp_path / "r.json"
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", "ssh://ada:hunter2@127.0.0.1:1",
         "--ssh-identity-file", str(key), "--json", str(out), "--junit", str(tmp_path / "r.xml"),
         "--timeout", "5"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 3
    written = out.read_text() + (tmp_path / "r.xml").read_text() + done.stdout + done.stderr
    assert "hunter2" not in written and "SECRETKEYMATERIAL" not in written
    assert json.loads(out.read_text())["target"] == "ssh://ada@127.0.0.1:1"
