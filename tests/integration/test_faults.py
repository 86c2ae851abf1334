"""The fault matrix on the simulated lab (issue 6): each fault gives that student `error` with the
reason, the other students their grades, and valid files.

One batch grades a class where each student's host has one fault, made inside that host's own
(private) mount namespace, so nothing outside the host changes:
  down           a closed loopback port (nothing listens)
  sshd-killed    the host's sshd killed before grading
  sshd-dies      sshd killed in the middle of the gather (by an iptables-save on PATH)
  hang           iptables-save that sleeps: the gather hangs until --timeout
  sudo           a non-root user whose sudo wants a password (a stand-in printing sudo's message)
  no-iptables    iptables-save (and the -legacy/-nft variants) not installed
  no-ovs         ovs-vsctl not installed
  netns-refused  `ip netns exec` refused (an `ip` on PATH that fails it, as a locked-down host)
Then: a full filesystem under the output, and SIGINT/SIGTERM during a batch.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hostops import REPO, labgrade, on_host, own_hosts

pytestmark = pytest.mark.lab

TIMEOUT = "8"
WRAPPER_DIR = "mount -t tmpfs tmpfs /usr/local/sbin"


def hide(directory: str, *names: str) -> str:
    """Make NAMES disappear from DIRECTORY on this host only: a tmpfs of symlinks over it. Every
    other name is linked, even one whose target is not linked yet (awk -> /etc/alternatives/awk
    -> /usr/bin/mawk): testing it with -e while the tmpfs fills would hide awk too."""
    keep = "|".join(names)
    return (
        'cp "$(command -v ln)" /run/lab/ln\n'
        f"mkdir -p /run/lab/orig{directory} && mount --bind {directory} /run/lab/orig{directory}\n"
        f"mount -t tmpfs tmpfs {directory}\n"
        f"for f in /run/lab/orig{directory}/* /run/lab/orig{directory}/.[!.]*; do n=${{f##*/}}; "
        f'case $n in {keep}) ;; *) {{ [ -e "$f" ] || [ -L "$f" ]; }} && '
        f'/run/lab/ln -s "$f" "{directory}/$n" ;; esac; '
        "done; :"
    )


def wrapper(name: str, body: str) -> str:
    path = f"/usr/local/sbin/{name}"
    return f"cat > {path} <<'EOF'\n#!/bin/sh\n{body}\nEOF\nchmod 755 {path}"


FAULTS = {
    "sshd-killed": "kill -9 $(cat /run/lab/sshd.pid)",
    "sshd-dies": WRAPPER_DIR
    + "\n"
    + wrapper("iptables-save", "kill -9 $(pgrep -x sshd)\nsleep 20"),
    "hang": WRAPPER_DIR + "\n" + wrapper("iptables-save", "exec sleep 3600"),
    "sudo": "\n".join(
        [
            'cp /etc/passwd /run/lab/passwd; echo "lgstudent:x:4242:4242::/run/lab:/bin/sh" '
            ">> /run/lab/passwd; mount --bind /run/lab/passwd /etc/passwd",
            'cp /etc/group /run/lab/group; echo "lgstudent:x:4242:" >> /run/lab/group; '
            "mount --bind /run/lab/group /etc/group",
            'cp /etc/shadow /run/lab/shadow; echo "lgstudent:*:19000:0:99999:7:::" '
            ">> /run/lab/shadow; mount --bind /run/lab/shadow /etc/shadow",
            "mount -t tmpfs tmpfs /usr/local/bin",
            "printf '#!/bin/sh\\necho \"sudo: a password is required\" >&2\\nexit 1\\n' "
            "> /usr/local/bin/sudo; chmod 755 /usr/local/bin/sudo",
        ]
    ),
    "no-iptables": hide("/usr/sbin", "iptables-save", "iptables-legacy-save", "iptables-nft-save"),
    "no-ovs": hide("/usr/bin", "ovs-vsctl"),
    "netns-refused": WRAPPER_DIR
    + "\n"
    + wrapper(
        "ip",
        'if [ "$1" = netns ] && [ "$2" = exec ]; then\n'
        '  echo "setting the network namespace \\"$3\\" failed: Operation not permitted" >&2\n'
        '  exit 1\nfi\nexec /usr/bin/ip "$@"',
    ),
}


@pytest.fixture(scope="module")
def faulty(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    names = {f"lg-f-{fault}": "complete" for fault in ["ok", *FAULTS]}
    machine_tmp = set(Path("/tmp").glob("labgrade.*"))
    with own_hosts(lab, names, tmp) as (hosts, ssh_config):
        for fault, script in FAULTS.items():
            on_host(hosts[f"lg-f-{fault}"], script)
        yield hosts, ssh_config, tmp
    # Gathers killed mid-way (hung, sshd gone, hosts torn down) leave nothing in the machine's /tmp.
    assert set(Path("/tmp").glob("labgrade.*")) <= machine_tmp


def class_file(path: Path, students: dict[str, str]) -> Path:
    lines = ["students:"]
    for student, target in students.items():
        lines.append(f"  - {{id: {student}, target: '{target}'}}")
        if student == "sudo":
            lines[-1] = lines[-1][:-1] + ", user: lgstudent, sudo: true}"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def batch(faulty):
    _hosts, ssh_config, tmp = faulty
    students = {"ok": "lg-f-ok", "down": "ssh://root@127.0.0.1:1"}
    students |= {fault: f"lg-f-{fault}" for fault in FAULTS}
    inventory = class_file(tmp / "class.yaml", students)
    out = tmp / "out"
    started = time.monotonic()
    done = labgrade(
        "batch", str(inventory), "--out", str(out), "--ssh-config", str(ssh_config),
        "--timeout", TIMEOUT, "--quiet",
    )  # fmt: skip
    elapsed = time.monotonic() - started
    results = {
        p.name.removesuffix(".json"): json.loads(p.read_text())
        for p in (out / "students").glob("*.json")
        if not p.name.endswith(".snapshot.json")
    }
    return done, out, results, elapsed


def checks_of(result: dict) -> dict[str, dict]:
    return {c["id"]: c for e in result["exercises"] for c in e["checks"]}


def test_batch_finishes_in_time_and_writes_valid_files(batch):
    done, out, results, elapsed = batch
    assert done.returncode == 3, done.stderr  # some students could not be graded
    assert "Traceback" not in done.stderr
    assert elapsed < 60
    assert set(results) == {"ok", "down", *FAULTS}
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(results)
    suites = ET.parse(out / "junit.xml").getroot()
    assert len(suites.findall("testsuite")) == len(results)
    assert not list(out.rglob(".*.tmp"))  # no half-written file left


def test_healthy_student_is_graded_fully(batch):
    _, _out, results, _ = batch
    assert results["ok"]["status"] == "graded"
    assert results["ok"]["score"] == results["ok"]["max_score"]


@pytest.mark.parametrize(
    ("student", "reason"),
    [
        ("down", "127.0.0.1:1 is unreachable: connection refused"),
        ("sshd-killed", "lg-f-sshd-killed"),
        ("sshd-dies", "lg-f-sshd-dies"),
        ("hang", f"timed out after {TIMEOUT} s"),
        ("sudo", "sudo on lg-f-sudo wants a password"),
    ],
)
def test_host_fault_is_that_students_error(batch, student, reason):
    _, out, results, _ = batch
    result = results[student]
    assert result["status"] == "error" and reason in result["error"], result["error"]
    assert "\n" not in result["error"] and "Traceback" not in result["error"]
    with open(out / "grades.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == student)
    assert row["status"] == "error" and reason in row["error"]


@pytest.mark.parametrize(
    ("student", "command", "checks"),
    [
        ("no-iptables", "iptables-save", ["sg.chain", "sg.wiring", "sg.ssh", "nat.dnat"]),
        ("no-ovs", "ovs-vsctl", ["devices.ovs-bridges", "devices.ovs-ports"]),
        ("netns-refused", "Operation not permitted", ["dhcp.tap", "routing.interfaces"]),
    ],
)
def test_missing_command_errors_the_checks_that_need_it(batch, student, command, checks):
    _, _, results, _ = batch
    graded = checks_of(results[student])
    for check_id in checks:
        assert graded[check_id]["status"] in ("error", "skip"), (check_id, graded[check_id])
    errors = [c for c in graded.values() if c["status"] == "error"]
    assert errors and all(command in c["evidence"] for c in errors[:1])
    assert not any(c["status"] == "fail" for c in graded.values() if c["id"] in checks)


def test_check_gives_up_on_a_hanging_gather(faulty):
    _hosts, ssh_config, _ = faulty
    started = time.monotonic()
    done = labgrade("check", "lg-f-hang", "--ssh-config", str(ssh_config), "--timeout", "3")
    assert time.monotonic() - started < 20
    assert done.returncode == 3
    assert done.stderr.strip().count("\n") == 0 and "timed out after 3 s" in done.stderr


def test_full_filesystem_keeps_the_old_report(tmp_path):
    """The output directory on a full tmpfs (in a private mount namespace): exit 2, one line, the
    previous report intact, no temporary file left."""
    snapshot = REPO / "tests" / "data" / "snapshots" / "complete.json"
    out = tmp_path / "full"
    out.mkdir()
    script = (
        f"mount -t tmpfs -o size=64k tmpfs {out} && echo old > {out}/report.json && "
        f"(dd if=/dev/zero of={out}/filler bs=4k 2>/dev/null || :) && "
        f"{sys.executable} -m grader check --snapshot {snapshot} --json {out}/report.json; rc=$?; "
        f"cat {out}/report.json; ls -a {out}; exit $rc"
    )
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"labgrade: error: cannot write {out}/report.json: No space left on device"
    ]
    listing = done.stdout.split()
    assert "old" in listing and not [n for n in listing if n.endswith(".tmp")]
    assert not any(out.iterdir())  # the tmpfs went with its mount namespace


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_batch_stops_cleanly(faulty, sig):
    hosts, ssh_config, tmp = faulty
    inventory = class_file(tmp / f"class-{sig.name}.yaml", {"ok": "lg-f-ok", "hang": "lg-f-hang"})
    out = tmp / f"out-{sig.name}"
    process = subprocess.Popen(
        [sys.executable, "-m", "labgrade", "batch", str(inventory), "--out", str(out),
         "--ssh-config", str(ssh_config), "--timeout", "60", "--quiet"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not (out / "students" / "ok.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode in (130, 128 + sig), stderr
    assert "Traceback" not in stderr
    ok = json.loads((out / "students" / "ok.json").read_text())
    assert ok["status"] == "graded"
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows["ok"]["status"] == "graded" and rows["hang"]["status"] in ("pending", "error")
    ET.parse(out / "junit.xml")
    assert not list(out.rglob(".*.tmp"))
    leftover = subprocess.run(["pgrep", "-f", f"ProxyCommand|{hosts['lg-f-hang'].init_pid} --net"],
                              capture_output=True, text=True)  # fmt: skip
    assert leftover.stdout == ""  # no ssh of ours left running
