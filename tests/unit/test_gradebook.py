"""grades.csv, the class summary and the progress display: consumers of results only."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from grader.grading import grade_snapshot
from grader.inventory import Student, load_inventory
from grader.model import load_exercises
from grader.report.batch_progress import LineProgress, TerminalProgress, make_progress
from grader.report.gradebook import neutralise, render_gradebook
from grader.report.summary import render_summary
from grader.result import CheckResult, ExerciseResult, HostResult, host_error
from grader.snapshot import Snapshot


def check(check_id: str, status: str, points: int) -> CheckResult:
    return CheckResult(
        check_id, f"title {check_id}", status, points if status == "pass" else 0, points
    )  # type: ignore[arg-type]


def graded(ssh: str = "pass", icmp: str = "pass") -> HostResult:
    exercises = (
        ExerciseResult(
            "sg", "Security groups", (check("sg.ssh", ssh, 8), check("sg.icmp", icmp, 8))
        ),
        ExerciseResult("dhcp", "DHCP", (check("dhcp.tap", "pass", 4),)),
    )
    score = sum(e.score for e in exercises)
    return HostResult("ssh://h", exercises=exercises, score=score, max_score=20)


ENTRIES = [
    (Student("ada", "ssh://h1", name='=HYPERLINK("x")', email="ada@x.org"), graded()),
    (Student("bob", "ssh://h2", name="-2+3"), graded(ssh="fail", icmp="skip")),
    (
        Student("cy", "ssh://h3"),
        host_error("ssh://h3", "h3 is unreachable: connection refused", 20),
    ),
    (Student("di", "ssh://h4", name="@SUM(A1)"), None),
]


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert neutralise("a" + cell) == "a" + cell


def test_gradebook_rows() -> None:
    text = render_gradebook(ENTRIES, ["sg", "dhcp"])
    assert text.splitlines()[0] == (
        "id,name,email,status,score,max_score,percent,sg,dhcp,feedback,error,flags"
    )
    ada, bob, cy, di = parse(text)
    assert ada["name"] == '\'=HYPERLINK("x")'
    assert (ada["status"], ada["score"], ada["max_score"], ada["percent"]) == (
        "graded",
        "20",
        "20",
        "100",
    )
    assert (bob["name"], bob["score"], bob["percent"], bob["sg"], bob["dhcp"]) == (
        "'-2+3",
        "4",
        "20",
        "0",
        "4",
    )
    assert (cy["status"], cy["score"], cy["max_score"], cy["sg"]) == ("error", "", "20", "")
    assert cy["error"] == "h3 is unreachable: connection refused"
    assert (di["status"], di["score"], di["name"]) == ("pending", "", "'@SUM(A1)")


def test_gradebook_error_reason_is_one_clean_line() -> None:
    entry = (Student("x", "ssh://x"), host_error("ssh://x", "=bad\x1b[31m\nline", 10))
    row = parse(render_gradebook([entry], []))[0]
    assert row["error"] == "'=bad[31m line"


def test_summary() -> None:
    text = render_summary(ENTRIES)
    assert "Class: 4 students, 2 graded (1 passing every check), 1 in error" in text
    assert "1 not graded yet" in text
    lines = text.splitlines()
    rates = lines[lines.index("Pass rate per check (lowest first):") + 1 :][:3]
    assert [line.split()[:3] for line in rates] == [
        ["50", "%", "sg.ssh"],
        ["50", "%", "sg.icmp"],
        ["100", "%", "dhcp.tap"],
    ]
    assert "     100 %     1  ####" in text and "   20-29 %     1  ####" in text
    assert "   30-39 %     0" in lines
    assert "  cy: h3 is unreachable: connection refused" in text
    assert "Not graded yet: di" in text


def test_line_progress_prints_one_line_per_student() -> None:
    out = io.StringIO()
    progress = make_progress(out, total=3)
    assert isinstance(progress, LineProgress)
    for student, result in ENTRIES[:3]:
        progress.finished(student, result)  # type: ignore[arg-type]
    progress.close()
    assert out.getvalue().splitlines() == [
        "[1/3] ada: 20/20",
        "[2/3] bob: 4/20",
        "[3/3] cy: error: h3 is unreachable: connection refused",
    ]
    assert (progress.graded, progress.failing, progress.errors) == (2, 1, 1)


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_progress_rewrites_one_line() -> None:
    out = FakeTty()
    progress = make_progress(out, total=3)
    assert isinstance(progress, TerminalProgress)
    progress.finished(*ENTRIES[1])  # type: ignore[arg-type]
    progress.waiting(Student("cy", "ssh://stack@devstack-03:22"), 14.6)
    progress.close()
    last = out.getvalue().split("\r")[-1]
    assert last.startswith(
        "[1/3] graded 1 (failing 1)  error 0  waiting for cy (devstack-03:22, 14s)"
    )
    assert "\n" not in out.getvalue()[:-1]


def test_pass_rates_count_only_the_students_whose_backend_has_the_check() -> None:
    snapshots = Path(__file__).resolve().parents[1] / "data" / "snapshots"
    exercises = load_exercises()
    entries: list[tuple[Student, HostResult | None]] = []
    for name in ("complete", "ovn", "ovn-no-ssh-rule"):
        path = snapshots / f"{name}.json"
        snapshot = Snapshot.from_json(path.read_bytes(), source=str(path))
        entries.append(
            (Student(name, f"ssh://{name}"), grade_snapshot(snapshot, exercises, None, name))
        )
    rates = {
        line.split()[2]: (line.split()[0], line.split()[3])
        for line in render_summary(entries).splitlines()
        if line.startswith("  ") and " % " in line and "/" in line
    }
    assert rates["sg.ssh"] == ("100", "1/1")  # only the iptables_hybrid host has it
    assert rates["ovn.sg-ssh"] == ("50", "1/2")
    assert rates["devices.instance-tap"] == ("100", "3/3")  # every backend has it


def test_feedback_names_each_lost_check_with_its_points() -> None:
    ada, bob, cy, di = parse(render_gradebook(ENTRIES, ["sg", "dhcp"]))
    assert ada["feedback"] == "All checks passed."
    assert bob["feedback"].splitlines() == ["title sg.ssh: -8 (fail)", "title sg.icmp: -8 (skip)"]
    assert cy["feedback"] == "Could not be graded: h3 is unreachable: connection refused"
    assert di["feedback"] == ""


def test_extra_roster_columns_pass_through_after_email() -> None:
    extra = (("SIS User ID", "=S123"), ("group", "B"))
    entries = [(Student("ada", "ssh://h", extra=extra), graded()), ENTRIES[3]]
    text = render_gradebook(entries, ["sg"])
    header = text.splitlines()[0].split(",")
    assert header[:6] == ["id", "name", "email", "SIS User ID", "group", "status"]
    ada, di = parse(text)
    assert (ada["SIS User ID"], ada["group"], di["group"]) == ("'=S123", "B", "")


def test_csv_bom_is_one_utf8_byte_order_mark() -> None:
    text = render_gradebook(ENTRIES, ["sg"], bom=True)
    assert text.startswith("\ufeffid,name,") and text.count("\ufeff") == 1
    assert not render_gradebook(ENTRIES, ["sg"]).startswith("\ufeff")


def test_the_lms_samples_are_what_labgrade_reads_and_writes() -> None:
    """docs/samples: the Canvas roster loads (its columns kept for grades.csv) and the Moodle
    sample has grades.csv's current columns (docs/batch.md, Importing grades.csv)."""
    samples = Path(__file__).resolve().parents[2] / "docs" / "samples"
    ada, _ = load_inventory(samples / "canvas-roster.csv")
    assert (ada.id, ada.target) == ("10234", "ssh://stack@devstack-07")
    assert [name for name, _ in ada.extra] == [
        "Student",
        "SIS User ID",
        "SIS Login ID",
        "Section",
    ]
    sample = (samples / "moodle-grades.csv").read_text().splitlines()[0].split(",")
    exercises = load_exercises()
    lab_own = [e.id for e in exercises.select(None).exercises]
    header = render_gradebook([], lab_own, [e.id for e in exercises.exercises]).splitlines()[0]
    assert sample == header.split(",")
