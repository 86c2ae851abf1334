"""A batch with hostile hosts (issue 10): one honest host and four whose gather output is a
surrogate escape, 12,000 namespaces, a 1 GiB stream or terminal escapes, one whose document is
within every cap but slower to grade than --timeout, one replaying the honest host's gather
and one running iptables-save through a wrapper. The batch ends within --timeout and a few
seconds, grades the honest host right, gives each hostile one an `error` (or, for the
surrogate, the honest grade) with a one-line reason, flags the replay, names the wrapper, and
Ctrl-C ends it within 5 s with every file valid; --resume then finishes it.
bench/hostile_batch_bench.py runs the same with 16 hosts and measures memory.
"""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hostile_gather import HOSTILE, make_hostile, make_replay, make_wrapped
from hostops import REPO, labgrade, own_hosts

pytestmark = pytest.mark.lab

TIMEOUT = 15
HOSTS = {"lg-hb-ok": "complete"} | {f"lg-hb-{kind}": "complete" for kind in HOSTILE}
HOSTS |= {"lg-hb-replay": "complete", "lg-hb-wrapped": "complete", "lg-hb-slow": "complete"}


@pytest.fixture(scope="module")
def hostile_class(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-batch")
    with own_hosts(lab, HOSTS, tmp) as (hosts, ssh_config):
        for kind in HOSTILE:
            make_hostile(hosts[f"lg-hb-{kind}"], kind)
        make_hostile(hosts["lg-hb-slow"], "slow")
        make_replay(hosts["lg-hb-replay"], hosts["lg-hb-ok"])
        make_wrapped(hosts["lg-hb-wrapped"])
        inventory = tmp / "class.yaml"
        students = [{"id": name.removeprefix("lg-hb-"), "target": name} for name in HOSTS]
        inventory.write_text(json.dumps({"students": students}))
        yield inventory, ssh_config, tmp


def batch_args(inventory: Path, out: Path, ssh_config: Path) -> list[str]:
    return ["batch", str(inventory), "--out", str(out), "--ssh-config", str(ssh_config),
            "--timeout", str(TIMEOUT), "--quiet"]  # fmt: skip


def read_class(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    ET.parse(out / "junit.xml")
    for path in (out / "students").glob("*.json"):
        json.loads(path.read_text())
    assert not list(out.rglob(".*.tmp"))
    return rows


def test_hostile_hosts_are_errors_and_the_batch_keeps_its_deadline(hostile_class):
    inventory, ssh_config, tmp = hostile_class
    out = tmp / "whole"
    started = time.monotonic()
    done = labgrade(*batch_args(inventory, out, ssh_config))
    elapsed = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stdout + done.stderr
    assert elapsed < TIMEOUT + 10
    rows = read_class(out)
    assert (rows["ok"]["status"], rows["ok"]["score"]) == ("graded", "100")
    for kind in ("namespaces", "stream", "escapes"):
        assert rows[kind]["status"] == "error", rows[kind]
        assert rows[kind]["error"] and "\n" not in rows[kind]["error"]
    assert "sent more than 40 MiB of output (the cap); cut off" in rows["stream"]["error"]
    # A document slow to grade is cut at --timeout; on a fast, quiet machine it may be graded
    # in time instead (rightly). Either way the batch kept its deadline (above).
    slow = rows["slow"]
    assert slow["error"] == f"lg-hb-slow: timed out after {TIMEOUT} s (--timeout)" or (
        slow["status"],
        slow["score"],
    ) == ("graded", "100"), slow
    surrogate = rows["surrogate"]
    assert surrogate["status"] == "error" or surrogate["score"] == "100", surrogate
    assert "\n" not in surrogate["error"]


def test_a_replayed_gather_is_flagged_and_a_wrapper_named(hostile_class):
    """replay prints ok's gather output as its own: both keep 100 and are flagged; wrapped
    runs iptables-save through /usr/local/sbin: graded, and the wrapper is named."""
    inventory, ssh_config, tmp = hostile_class
    out = tmp / "whole"  # written by the test above
    if not (out / "grades.csv").exists():
        labgrade(*batch_args(inventory, out, ssh_config))
    rows = read_class(out)
    assert (rows["ok"]["score"], rows["replay"]["score"]) == ("100", "100")
    assert rows["ok"]["flags"].startswith("shares Neutron port UUIDs with replay;")
    assert "shares machine-id with ok" in rows["replay"]["flags"]
    assert "shares boot_id with ok" in rows["replay"]["flags"]
    assert rows["wrapped"]["flags"] == "" and rows["wrapped"]["score"] == "100"
    report = json.loads((out / "students" / "wrapped.json").read_text())
    found = report["discovered"]["tools outside the distribution"]
    assert found == "iptables-save: /usr/local/sbin/iptables-save"
    done = labgrade("regrade", str(out))
    assert "  wrapped: iptables-save: /usr/local/sbin/iptables-save" in done.stdout
    assert "  replay: shares Neutron port UUIDs with ok;" in done.stdout


def test_ctrl_c_ends_the_batch_at_once_and_resume_finishes_it(hostile_class):
    inventory, ssh_config, tmp = hostile_class
    out = tmp / "interrupted"
    process = subprocess.Popen(
        [sys.executable, "-m", "labgrade", *batch_args(inventory, out, ssh_config)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (out / "students" / "ok.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1)  # the slow host is being graded
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    assert time.monotonic() - sent < 5
    assert process.returncode == 130, stderr
    rows = read_class(out)
    assert rows["ok"]["status"] == "graded" and "pending" in {r["status"] for r in rows.values()}
    done = labgrade(*batch_args(inventory, out, ssh_config), "--resume")
    assert done.returncode == 3, done.stderr
    assert "pending" not in {r["status"] for r in read_class(out).values()}
