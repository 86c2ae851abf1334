"""Acceptance of `labgrade batch` and `labgrade regrade` on the simulated lab (issue 4).

A class of 22: 20 simulated hosts in mixed scenarios (the session's `lab` hosts plus 12 more,
brought up together) and 2 bogus students, one at a closed port on 127.0.0.1 and one whose key
the host refuses. Only loopback and the lab's namespaces are ever contacted.
"""

from __future__ import annotations

import csv
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from json_contract import validated, without_timing
from junitparser import JUnitXml

from grader.snapshot import Snapshot
from labsim import api

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab

# The checks that must not pass in each scenario; every other selected check passes.
NO_INSTANCE = (
    "devices.instance-tap devices.hybrid-plug devices.ovs-ports sg.chain sg.wiring sg.ssh "
    "sg.icmp sg.stateful routing.floating-ip nat.dnat nat.snat nat.pair"
)
FAILING = {
    "complete": "",
    "no-ssh-rule": "sg.ssh",
    "no-icmp-rule": "sg.icmp",
    "dhcp-down": "dhcp.dnsmasq",
    "no-metadata": "nat.metadata-redirect nat.metadata-proxy",
    "no-floating-ip": "routing.floating-ip nat.dnat nat.snat nat.pair",
    "fresh": NO_INSTANCE,
    "cleaned-up": NO_INSTANCE,
}
CLASS_HOSTS = 20


@dataclass
class ClassLab:
    inventory: Path
    scenario: dict[str, str]  # student id -> scenario ("" for the bogus two)
    target: dict[str, str]  # student id -> target
    ssh_config: Path
    whole: Path  # the output of one uninterrupted batch


def free_closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def refused_key_config(lab: Any, directory: Path) -> Path:
    """An ssh config reaching the complete host as `badkey`, with a key it does not accept."""
    key = directory / "not_authorized"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, timeout=30
    )
    block = api.ssh_config_text([lab["complete"]]).splitlines()
    lines = []
    for line in block:
        if line.startswith("Host "):
            line = "Host badkey"
        elif line.strip().startswith("IdentityFile"):
            line = f"    IdentityFile {key}"
        lines.append(line)
    path = directory / "badkey.ssh_config"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_labgrade(*args: str, expect: int | set[int]) -> subprocess.CompletedProcess[str]:
    """`labgrade ARGS` in a child process; its exit code must be EXPECT (or one of them)."""
    done = subprocess.run(
        [sys.executable, "-m", "labgrade", *args], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode in (expect if isinstance(expect, set) else {expect}), done.stderr
    return done


@pytest.fixture(scope="module")
def class_lab(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("class")
    scenarios = list(lab)
    known = [s for s in scenarios if s in FAILING]
    count = CLASS_HOSTS - len(scenarios)
    extra = {f"lgb-{i:02}": known[i % len(known)] for i in range(count)}
    api.up_scenarios(extra, release=lab["complete"].release, jobs=8)
    try:
        hosts = {lab[s].name: s for s in scenarios} | extra
        ssh_config = api.write_ssh_config(base / "lab.ssh_config")
        students = [
            {
                "id": f"stu{i:02}",
                "name": f"Student {i}",
                "email": f"s{i}@example.edu",
                "target": name,
            }
            for i, name in enumerate(sorted(hosts))
        ]
        scenario = {s["id"]: hosts[s["target"]] for s in students}
        students.append({"id": "closed", "target": f"ssh://root@127.0.0.1:{free_closed_port()}"})
        students.append(
            {"id": "badkey", "target": "badkey", "ssh_config": str(refused_key_config(lab, base))}
        )
        scenario |= {"closed": "", "badkey": ""}
        inventory = base / "class.yaml"
        inventory.write_text(
            json.dumps({"defaults": {"ssh_config": str(ssh_config)}, "students": students})
        )
        whole = base / "whole"
        started = time.monotonic()
        run_labgrade("batch", str(inventory), "--out", str(whole), expect=3)  # 2 in error
        print(f"uninterrupted batch of 22: {time.monotonic() - started:.1f} s")
        targets = {s["id"]: s["target"] for s in students}
        yield ClassLab(inventory, scenario, targets, ssh_config, whole)
    finally:
        api.down(list(extra))


def rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def reports(out: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in (out / "students").glob("*.json"):
        if not path.name.endswith(".snapshot.json"):
            found[path.stem] = without_timing(validated(json.loads(path.read_text()), "result"))
        else:
            validated(json.loads(path.read_text()), "snapshot")
    validated(json.loads((out / "batch.json").read_text()), "batch")
    return found


def not_passing(report: dict[str, Any]) -> set[str]:
    return {c["id"] for e in report["exercises"] for c in e["checks"] if c["status"] != "pass"}


def expected_failing(class_lab: ClassLab, scenario: str) -> set[str]:
    """The scenario's failing checks: from FAILING, else as `labgrade check` grades its host."""
    if scenario in FAILING:
        return set(FAILING[scenario].split())
    host = next(t for i, t in class_lab.target.items() if class_lab.scenario[i] == scenario)
    done = run_labgrade(
        "check", host, "--ssh-config", str(class_lab.ssh_config), "--format", "json", expect={0, 1}
    )
    return not_passing(json.loads(done.stdout))


def test_grades_match_each_scenario(class_lab: ClassLab) -> None:
    table = rows(class_lab.whole)
    docs = reports(class_lab.whole)
    assert len(table) == 22 and set(table) == set(class_lab.scenario)
    for student_id, scenario in class_lab.scenario.items():
        if not scenario:
            continue
        row, doc = table[student_id], docs[student_id]
        assert row["status"] == "graded", (student_id, row["error"])
        assert not_passing(doc) == expected_failing(class_lab, scenario), (student_id, scenario)
        assert float(row["score"]) == doc["score"] and doc["max_score"] == 100
        assert doc["remote_commands"] == 1 and doc["attempts"] == 1
        snapshot = class_lab.whole / "students" / f"{student_id}.snapshot.json"
        meta = Snapshot.from_json(snapshot.read_bytes()).meta
        assert meta["target"] == doc["target"]
        assert meta["collected_at"].startswith("20")  # says when, for a later regrade


def test_bogus_students_are_errors_with_the_reason(class_lab: ClassLab) -> None:
    table = rows(class_lab.whole)
    closed, badkey = table["closed"], table["badkey"]
    assert closed["status"] == "error" and closed["score"] == ""
    assert "unreachable: connection refused" in closed["error"]
    assert badkey["status"] == "error" and badkey["score"] == ""
    assert "permission denied" in badkey["error"].lower()
    assert not (class_lab.whole / "students" / "closed.snapshot.json").exists()


def test_junit_counts_match(class_lab: ClassLab) -> None:
    xml = JUnitXml.fromfile(str(class_lab.whole / "junit.xml"))
    suites = {suite.name: suite for suite in xml}
    docs = reports(class_lab.whole)
    assert set(suites) == set(class_lab.scenario)
    for student_id, suite in suites.items():
        doc = docs[student_id]
        if doc["status"] == "error":
            assert (suite.tests, suite.errors) == (1, 1)
            continue
        counts = doc["counts"]
        assert suite.tests == sum(counts.values())
        assert (suite.failures, suite.skipped, suite.errors) == (
            counts["fail"],
            counts["skip"],
            counts["error"],
        )
        classes = {case.classname for case in suite}
        assert classes == {f"{student_id}.{e['id']}" for e in doc["exercises"]}


def test_sigint_then_resume_equals_an_uninterrupted_run(
    class_lab: ClassLab, tmp_path: Path
) -> None:
    out = tmp_path / "part"
    command = [sys.executable, "-m", "labgrade", "batch", str(class_lab.inventory)]
    process = subprocess.Popen(
        [*command, "--out", str(out), "--jobs", "2"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(list(out.glob("students/*.snapshot.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr

    partial = rows(out)
    assert len(partial) == 22 and "pending" in {r["status"] for r in partial.values()}
    for path in (out / "students").glob("*.json"):
        doc = json.loads(path.read_text())  # every file complete
        if path.name.endswith(".snapshot.json"):
            Snapshot.from_dict(doc)
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(out / "junit.xml"))}
    assert len(suites) == 22  # every student, those not graded yet as one skipped testcase
    for student_id, row in partial.items():
        if row["status"] == "pending":
            assert (suites[student_id].tests, suites[student_id].skipped) == (1, 1)
    assert not list(out.rglob(".*.tmp"))

    run_labgrade("batch", str(class_lab.inventory), "--out", str(out), "--resume", expect=3)
    assert rows(out) == rows(class_lab.whole)
    assert reports(out) == reports(class_lab.whole)


def test_regrade_equals_the_live_grades(class_lab: ClassLab, tmp_path: Path) -> None:
    out = tmp_path / "regraded"
    shutil.copytree(class_lab.whole, out)
    done = run_labgrade("regrade", str(out), expect=3)
    assert rows(out) == rows(class_lab.whole)
    live = reports(class_lab.whole)
    for student_id, doc in reports(out).items():
        same = {k: live[student_id][k] for k in ("remote_commands", "attempts")}
        assert {**doc, **same} == live[student_id]  # from a snapshot: 0 commands, 0 connections
    assert "Pass rate per check" in done.stdout and "badkey:" in done.stdout


def test_a_lab_host_name_as_target_suggests_lab(lab: Any) -> None:
    """`labgrade check lg-complete` while that simulated host is up: its name resolves only
    through the lab's ssh config, so the error says to use --lab (which grades it)."""
    name = lab["complete"].name
    done = run_labgrade("check", name, expect=3)
    assert done.stderr.startswith(
        f"labgrade: cannot grade ssh://{name}: name not resolved: {name} is not a known host "
        f"name (did you mean `--lab {name}`?"
    )
    assert len(done.stderr.splitlines()) == 1
    run_labgrade("check", "--lab", name, "--format", "json", expect=0)
