"""The batch engine and the batch/regrade commands, on recorded snapshots (no host)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import IO, Any

import pytest
import testinfra
from json_contract import validated, without_timing

import grader.class_grading
import grader.connect
from grader.class_grading import Settings, default_jobs, grade_class
from grader.classdir import ClassDir
from grader.cli import main
from grader.connect_options import ConnectOptions
from grader.deadline import ProcessWatch
from grader.errors import HostError
from grader.inventory import Student
from grader.model import load_exercises
from grader.report.batch_progress import Progress

REPO = Path(__file__).resolve().parents[2]
SNAPSHOTS = REPO / "tests" / "data" / "snapshots"
SCENARIOS = ["complete", "no-ssh-rule", "dhcp-down", "fresh", "no-metadata"]


def recorded(spec: str, command: str, options: Any, spool: IO[bytes]) -> int:
    """run_to_file on recorded snapshots: ssh://<scenario>-N prints the scenario's snapshot
    as gather.sh would; ssh://down-N is unreachable."""
    name = spec.split("://", 1)[1].rsplit("-", 1)[0]
    if name == "down":
        raise HostError(f"{spec[6:]} is unreachable: connection refused")
    doc = json.loads((SNAPSHOTS / f"{name}.json").read_text())
    for key in ("target", "collected_at", "complete"):
        doc.pop(key, None)
    spool.write(json.dumps({**doc, "complete": True}).encode())
    return 1


def write_class(tmp_path: Path, count: int = 10, down: int = 2) -> Path:
    lines = ["id,name,email,target"]
    for index in range(count):
        scenario = SCENARIOS[index % len(SCENARIOS)]
        lines.append(f"s{index:02},Student {index},s{index}@x.edu,{scenario}-{index}")
    lines += [f"d{index},,,down-{index}" for index in range(down)]
    path = tmp_path / "class.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def fake_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grader.connect, "run_to_file", recorded)


def spy_on_hosts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The recorded hosts from now on; the list fills with each target as it is graded."""
    seen: list[str] = []

    def spy(spec: str, *args: Any) -> Any:
        seen.append(spec)
        return recorded(spec, *args)

    monkeypatch.setattr(grader.connect, "run_to_file", spy)
    return seen


def rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((out / "grades.csv").open(newline="")))


def reports(out: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((out / "students").glob("*.json")):
        if not path.name.endswith(".snapshot.json"):
            found[path.stem] = without_timing(validated(json.loads(path.read_text()), "result"))
        else:
            validated(json.loads(path.read_text()), "snapshot")
    if (out / "batch.json").is_file():
        validated(json.loads((out / "batch.json").read_text()), "batch")
    return found


def test_default_jobs() -> None:
    assert (default_jobs(1), default_jobs(5), default_jobs(500)) == (1, 5, 16)


def test_batch_writes_every_output(tmp_path: Path, fake_hosts: None, capsys: Any) -> None:
    out = tmp_path / "out"
    code = main(["batch", str(write_class(tmp_path)), "--out", str(out), "--quiet"])
    assert code == 3  # two students in error
    table = rows(out)
    assert [r["id"] for r in table] == [f"s{i:02}" for i in range(10)] + ["d0", "d1"]
    by_id = {r["id"]: r for r in table}
    assert by_id["s00"]["status"] == "graded" and by_id["s00"]["max_score"] == "100"
    assert by_id["s00"]["score"] == by_id["s05"]["score"]  # same scenario, same score
    assert by_id["d0"]["status"] == "error" and "connection refused" in by_id["d0"]["error"]
    assert (out / "students" / "s00.snapshot.json").is_file()
    assert not (out / "students" / "d0.snapshot.json").exists()
    assert reports(out)["s01"]["remote_commands"] == 1
    summary = capsys.readouterr().out
    assert "Class: 12 students, 10 graded" in summary and "d1: down-1 is unreachable" in summary


def test_existing_dir_needs_resume(tmp_path: Path, fake_hosts: None, capsys: Any) -> None:
    out = tmp_path / "out"
    inventory = str(write_class(tmp_path, 2, 0))
    assert main(["batch", inventory, "--out", str(out), "--quiet"]) == 0
    assert main(["batch", inventory, "--out", str(out), "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["batch", inventory, "--out", str(out), "--resume", "--only", "sg"]) == 2
    assert main(["batch", inventory, "--out", str(out), "--resume", "--quiet"]) == 0


class InterruptAfter(Progress):
    """Raises KeyboardInterrupt (as Ctrl-C would, in the main thread) after N results."""

    def __init__(self, count: int):
        super().__init__(io.StringIO(), 0)
        self.count = count

    def finished(self, student: Student, result: Any) -> None:
        super().finished(student, result)
        if self.done == self.count:
            raise KeyboardInterrupt


def test_interrupt_then_resume_equals_uninterrupted(
    tmp_path: Path, fake_hosts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = str(write_class(tmp_path))
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert main(["batch", inventory, "--out", str(whole), "--quiet"]) == 3

    monkeypatch.setattr("grader.commands.batch.make_progress", lambda *a, **k: InterruptAfter(3))
    assert main(["batch", inventory, "--out", str(part), "--jobs", "1"]) == 130
    interrupted = rows(part)
    assert len(interrupted) == 12 and 3 <= len(reports(part)) < 12
    assert {r["status"] for r in interrupted} >= {"pending"}
    assert not list(part.rglob(".*.tmp"))

    monkeypatch.undo()
    monkeypatch.setattr(grader.connect, "run_to_file", recorded)
    assert main(["batch", inventory, "--out", str(part), "--resume", "--quiet"]) == 3
    assert rows(part) == rows(whole)
    assert reports(part) == reports(whole)


def test_resume_grades_only_missing_and_errors(
    tmp_path: Path, fake_hosts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = str(write_class(tmp_path, 3, 1))
    out = tmp_path / "out"
    main(["batch", inventory, "--out", str(out), "--quiet"])
    (out / "students" / "s01.json").unlink()
    seen = spy_on_hosts(monkeypatch)
    main(["batch", inventory, "--out", str(out), "--resume", "--quiet"])
    assert sorted(seen) == ["ssh://down-0", "ssh://no-ssh-rule-1"]


def test_regrade_equals_live_and_follows_the_rubric(
    tmp_path: Path, fake_hosts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    main(["batch", str(write_class(tmp_path)), "--out", str(out), "--quiet"])
    live = rows(out)
    live_reports = reports(out)
    monkeypatch.setattr(grader.connect, "run_to_file", None)  # no host is touched
    assert main(["regrade", str(out)]) == 3
    assert rows(out) == live
    for student_id, doc in reports(out).items():
        expected = dict(live_reports[student_id])
        if doc["status"] == "graded":
            expected |= {"remote_commands": 0, "attempts": 0}  # graded from the snapshot
        assert doc == expected
    assert main(["regrade", str(out), "--only", "sg"]) == 3
    assert list(rows(out)[0])[7:] == ["security-groups", "feedback", "error", "flags"]
    assert json.loads((out / "batch.json").read_text())["only"] == ["sg"]


def test_batch_and_regrade_write_the_class_report(
    tmp_path: Path, fake_hosts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """report.html (docs/batch.md): every student with a row and a view, written by batch
    and rewritten by regrade (after a rubric change it shows the new selection)."""
    out = tmp_path / "out"
    main(["batch", str(write_class(tmp_path)), "--out", str(out), "--quiet"])
    students = [r["id"] for r in rows(out)]
    html = (out / "report.html").read_text(encoding="utf-8")
    for student_id in students:
        assert f'<details id="s-{student_id}"' in html
    assert html.count('<tr data-status="error"') == 2  # the two unreachable hosts
    monkeypatch.setattr(grader.connect, "run_to_file", None)  # no host is touched
    assert main(["regrade", str(out), "--only", "sg"]) == 3
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "sg.ssh" in html and "dhcp.dnsmasq" not in html


def test_mixed_backends_cells_add_up_to_the_score(
    tmp_path: Path, fake_hosts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A class on three backends: every graded row's exercise cells add up to its score, the
    variants (ovsfw-security-groups, ovn-*) have columns, in the rubric's order; regrade too."""
    scenarios = ["complete", "native-firewall", "ovn", "native-firewall-no-icmp-rule"]
    lines = ["id,target"] + [f"s{i},{name}-{i}" for i, name in enumerate(scenarios)]
    inventory = tmp_path / "class.csv"
    inventory.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert main(["batch", str(inventory), "--out", str(out), "--quiet"]) == 0
    monkeypatch.setattr(grader.connect, "run_to_file", None)  # regrade touches no host
    for command in ([], ["regrade", str(out)]):
        if command:
            assert main(command) == 0
        table = rows(out)
        header = list(table[0])[7:-3]
        order = [e.id for e in load_exercises().exercises]
        assert header == sorted(header, key=order.index)
        assert {"security-groups", "ovsfw-security-groups", "ovn-security-groups"} <= set(header)
        for row in table:
            cells = [float(row[c]) for c in header if row[c] != ""]
            assert row["status"] == "graded" and sum(cells) == float(row["score"]), row
        by_id = {r["id"]: r for r in table}
        assert by_id["s1"]["ovsfw-security-groups"] == "37" and by_id["s1"]["security-groups"] == ""
        assert by_id["s3"]["ovsfw-security-groups"] == "27"  # 10 points for ICMP missing


def test_regrade_refuses_a_directory_without_batch(tmp_path: Path, capsys: Any) -> None:
    assert main(["regrade", str(tmp_path)]) == 2
    assert "not a batch directory" in capsys.readouterr().err


def hang(spec: str, command: str, options: ConnectOptions, spool: IO[bytes]) -> int:
    host = testinfra.get_host("local://")
    done = host.run("sleep 30")
    raise HostError(f"sleep ended with {done.rc}")


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_hung_host_is_cut_off_and_nothing_leaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grader.connect, "run_to_file", hang)
    students = [Student(f"h{i}", f"ssh://hung-{i}") for i in range(3)]
    options = ConnectOptions(timeout=0.5)
    settings = Settings(load_exercises(), None, options, jobs=3)
    counts = []
    for round_ in range(3):
        classdir = ClassDir(tmp_path / f"out{round_}")
        classdir.create()
        started = time.monotonic()
        run = grade_class(students, settings, classdir, Progress(io.StringIO(), 3))
        assert time.monotonic() - started < 5
        assert {r.error for r in run.results.values()} == {
            f"hung-{i}: timed out after 0.5 s (--timeout)" for i in range(3)
        }
        counts.append(fd_count())
    assert counts[0] == counts[-1]


def test_process_watch_kills_what_started_in_its_thread() -> None:
    watch = ProcessWatch()
    result: list[int] = []

    def work() -> None:
        with watch.active():
            result.append(testinfra.get_host("local://").run("sleep 30").rc)

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(0.3)
    watch.kill()
    thread.join(timeout=5)
    assert result and result[0] != 0
    assert testinfra.get_host("local://").run("echo ok").stdout == "ok\n"  # outside a watch


def slow_local_class(tmp_path: Path, count: int, seconds: float) -> tuple[Path, dict[str, str]]:
    """A class of COUNT local:// hosts whose gather takes SECONDS more (its first command,
    mktemp, is slowed by a wrapper first on PATH); the environment to run labgrade in."""
    slow = tmp_path / "slow-bin"
    slow.mkdir()
    mktemp = slow / "mktemp"
    mktemp.write_text(f'#!/bin/sh\nsleep {seconds}\nexec /usr/bin/mktemp "$@"\n')
    mktemp.chmod(0o755)
    inventory = tmp_path / "class.csv"
    inventory.write_text("id,target\n" + "".join(f"h{i},local://\n" for i in range(count)))
    return inventory, {**os.environ, "PATH": f"{slow}:{os.environ['PATH']}"}


@pytest.mark.parametrize(
    ("second", "gap"),
    [(signal.SIGINT, 0.0), (signal.SIGTERM, 0.01)],
    ids=["sigint-sigint", "sigint-sigterm"],
)
def test_a_second_signal_during_shutdown_still_writes_everything(
    tmp_path: Path, second: signal.Signals, gap: float
) -> None:
    """Two signals in quick succession (`timeout -s INT`, an impatient double Ctrl-C): the
    batch still shuts down, writes grades.csv and junit.xml for what is done, and says how
    to resume."""
    inventory, env = slow_local_class(tmp_path, 4, 1)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "batch", str(inventory), "--out", str(out), "--jobs=1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (out / "students" / "h0.json").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # h1 is being gathered
    process.send_signal(signal.SIGINT)
    time.sleep(gap)
    process.send_signal(second)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    statuses = {r["id"]: r["status"] for r in rows(out)}
    assert statuses["h0"] != "pending" and list(statuses.values()).count("pending") >= 2
    assert (out / "junit.xml").is_file() and not list(out.rglob(".*.tmp"))
    # junit.xml has a testsuite for every student, those not graded one skipped testcase
    suites = {s.get("name"): s for s in ET.parse(out / "junit.xml").getroot()}
    assert list(suites) == ["h0", "h1", "h2", "h3"]
    for student, status in statuses.items():
        if status == "pending":
            assert [c.get("name") for c in suites[student].iter("testcase")] == ["grade"]
            assert suites[student].find("testcase/skipped") is not None


def test_a_host_where_every_check_is_an_error_is_that_students_error(
    tmp_path: Path, fake_hosts: None, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """An OVN host graded on the hybrid security groups: reached, but every check is `error`
    (none passed or failed), as `labgrade check` exits 3 for: an error, never a zero."""
    inventory = tmp_path / "class.csv"
    inventory.write_text("id,target\nok,complete-0\novn,ovn-1\n")
    out = tmp_path / "out"
    assert main(["batch", str(inventory), "--out", str(out), "--quiet", "--only", "sg"]) == 3
    by_id = {r["id"]: r for r in rows(out)}
    assert (by_id["ok"]["status"], by_id["ok"]["score"]) == ("graded", "37")
    ovn = by_id["ovn"]
    assert (ovn["status"], ovn["score"], ovn["percent"], ovn["security-groups"]) == (
        "error",
        "",
        "",
        "",
    )
    assert ovn["max_score"] == "37"
    assert ovn["error"].startswith(
        "no check could be graded: sg.chain: cannot apply to this host's backend (ml2-ovn)"
    )
    summary = capsys.readouterr().out
    assert "Class: 2 students, 1 graded (1 passing every check), 1 in error" in summary
    assert "  ovn: no check could be graded: sg.chain: cannot apply" in summary
    assert reports(out)["ovn"]["counts"]["error"] == 5  # the report is kept, every check in it
    assert (out / "students" / "ovn.snapshot.json").is_file()

    seen = spy_on_hosts(monkeypatch)
    argv = ["batch", str(inventory), "--out", str(out), "--quiet", "--only", "sg", "--resume"]
    assert main(argv) == 3
    assert seen == ["ssh://ovn-1"]
    monkeypatch.setattr(grader.connect, "run_to_file", None)  # regrade touches no host
    assert main(["regrade", str(out), "--only", "sg"]) == 3  # --only is per run
    assert {r["id"]: r["status"] for r in rows(out)} == {"ok": "graded", "ovn": "error"}


def test_roster_columns_survive_batch_and_regrade_and_csv_bom(
    tmp_path: Path, fake_hosts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `;`-separated roster (an LMS export) with columns labgrade does not know: grades.csv
    keeps them after email, through regrade too; --csv-bom starts it with a BOM."""
    inventory = tmp_path / "roster.csv"
    inventory.write_text("id;target;SIS User ID;group\nada;complete-0;S-1;B\nbob;down-1;S-2;A\n")
    out = tmp_path / "out"
    assert main(["batch", str(inventory), "--out", str(out), "--quiet", "--csv-bom"]) == 3
    raw = (out / "grades.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,name,email,SIS User ID,group,status,")
    monkeypatch.setattr(grader.connect, "run_to_file", None)  # regrade touches no host
    assert main(["regrade", str(out)]) == 3
    table = {r["id"]: r for r in rows(out)}
    assert (table["ada"]["SIS User ID"], table["ada"]["group"], table["bob"]["group"]) == (
        "S-1",
        "B",
        "A",
    )
    assert table["ada"]["feedback"] == "All checks passed."
    assert table["bob"]["feedback"].startswith("Could not be graded: down-1 is unreachable")
