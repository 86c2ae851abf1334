"""The CLI: exit codes 0/1/2/3, reports written, one-line errors without tracebacks."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import junitparser
import pytest
from grading_fakes import EMPTY_SNAPSHOT, outcome_exercises, write_exercises

from grader.cli import main
from grader.errors import EXIT_BROKEN_PIPE, EXIT_HOST, EXIT_NOT_PASSING, EXIT_OK, EXIT_USAGE
from grader.snapshot import Snapshot

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(EMPTY_SNAPSHOT, encoding="utf-8")
    return path


def check_snapshot(tmp_path: Path, snapshot: Path, *statuses: str, extra=()) -> int:
    exercises = write_exercises(tmp_path, outcome_exercises(*statuses))
    argv = ["check", "--snapshot", str(snapshot), "--exercises", str(exercises), *extra]
    return main(argv)


def closed_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("statuses", "extra", "code"),
    [
        (("pass", "pass"), (), EXIT_OK),
        (("pass", "fail"), (), EXIT_NOT_PASSING),
        (("pass", "error"), (), EXIT_NOT_PASSING),
        (("pass", "fail"), ("--min-score", "10"), EXIT_OK),
        (("pass", "fail"), ("--min-score", "15"), EXIT_NOT_PASSING),
        (("pass", "fail"), ("--min-score", "50%"), EXIT_OK),
        (("pass", "fail"), ("--min-score", "51%"), EXIT_NOT_PASSING),
        (("error", "error"), (), EXIT_HOST),  # reached, but nothing could be graded
        (("error", "error"), ("--min-score", "0"), EXIT_HOST),
        (("pass", "fail"), ("--only", "one.c0"), EXIT_OK),
        (("pass", "fail", "pass"), ("--only", "one.c0,one.c2"), EXIT_OK),
        (("pass", "fail", "pass"), ("--only", "one.c0", "--only", "one.c1"), EXIT_NOT_PASSING),
    ],
)
def test_check_exit_codes(tmp_path, snapshot, capsys, statuses, extra, code) -> None:
    assert check_snapshot(tmp_path, snapshot, *statuses, extra=extra) == code
    out = capsys.readouterr().out
    assert "Total:" in out


def test_check_text_report_shows_what_failed(tmp_path, snapshot, capsys) -> None:
    check_snapshot(tmp_path, snapshot, "pass", "fail")
    out = capsys.readouterr().out
    assert "FAIL  Check 1" in out and "decided fail" in out and "Hint 1." in out
    assert "see:      labgrade list" in out and "Total: 10/20" in out


def test_check_writes_json_and_junit(tmp_path, snapshot, capsys) -> None:
    report, junit = tmp_path / "out" / "r.json", tmp_path / "out" / "r.xml"
    report.parent.mkdir()
    extra = ("--format", "json", "--json", str(report), "--junit", str(junit))
    assert check_snapshot(tmp_path, snapshot, "pass", "fail", "skip", extra=extra) == 1
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads(report.read_text())
    assert printed["exercises"] == saved["exercises"]
    assert (saved["status"], saved["score"], saved["max_score"]) == ("graded", 10, 30)
    assert saved["remote_commands"] == 0
    suite = next(iter(junitparser.JUnitXml.fromfile(str(junit))))
    assert (suite.tests, suite.failures, suite.skipped) == (3, 1, 1)
    assert sorted(p.name for p in report.parent.iterdir()) == ["r.json", "r.xml"]  # no temp left


def test_unknown_only_is_a_usage_error(tmp_path, snapshot, capsys) -> None:
    assert check_snapshot(tmp_path, snapshot, "pass", extra=("--only", "nope")) == EXIT_USAGE
    assert "--only nope: no such exercise or check" in capsys.readouterr().err


def test_broken_exercises_file_exits_2_naming_file_line_key(tmp_path, snapshot, capsys) -> None:
    exercises = write_exercises(
        tmp_path, outcome_exercises("pass").replace("points: 10", "points: ten")
    )
    assert main(["check", "--snapshot", str(snapshot), "--exercises", str(exercises)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == f"labgrade: error: {exercises}:8: key 'points': must be number, not str\n"


def test_broken_snapshot_exits_2(tmp_path, capsys) -> None:
    snapshot = tmp_path / "bad.json"
    snapshot.write_text("{not json", encoding="utf-8")
    assert check_snapshot(tmp_path, snapshot, "pass") == EXIT_USAGE
    assert str(snapshot) in capsys.readouterr().err


def test_target_and_snapshot_together_is_a_usage_error(tmp_path, snapshot, capsys) -> None:
    assert check_snapshot(tmp_path, snapshot, "pass", extra=("local://",)) == EXIT_USAGE


def test_unreachable_host_exits_3_with_one_line(tmp_path, capsys) -> None:
    exercises = write_exercises(tmp_path, outcome_exercises("pass"))
    report = tmp_path / "r.json"
    target = f"ssh://127.0.0.1:{closed_loopback_port()}"
    argv = ["check", target, "--exercises", str(exercises), "--json", str(report), "--timeout", "5"]
    assert main(argv) == EXIT_HOST
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "unreachable: connection refused" in captured.err
    saved = json.loads(report.read_text())
    assert (saved["status"], saved["exercises"], saved["max_score"]) == ("error", [], 10)
    assert "connection refused" in saved["error"]


def test_collect_writes_a_snapshot_that_check_grades(tmp_path, capsys) -> None:
    exercises = write_exercises(tmp_path, outcome_exercises("pass"))
    output = tmp_path / "snap.json"
    assert main(["collect", "-o", str(output), "--exercises", str(exercises)]) == EXIT_OK
    document = json.loads(output.read_text())
    assert document["format"] == "labgrade-snapshot/1"
    assert document["target"] == "local://" and document["collected_at"]
    argv = ["check", "--snapshot", str(output), "--exercises", str(exercises), "--format", "json"]
    assert main(argv) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["target"] == "local://"


def test_collect_from_an_unreachable_host_writes_nothing(tmp_path, capsys) -> None:
    exercises = write_exercises(tmp_path, outcome_exercises("pass"))
    output = tmp_path / "snap.json"
    target = f"paramiko://127.0.0.1:{closed_loopback_port()}"
    argv = ["collect", target, "-o", str(output), "--exercises", str(exercises)]
    assert main(argv) == EXIT_HOST
    assert not output.exists()
    assert "unreachable" in capsys.readouterr().err


def test_validate_and_list(tmp_path, capsys) -> None:
    exercises = write_exercises(tmp_path)
    assert main(["validate", str(exercises)]) == EXIT_OK
    assert "OK: 3 exercises, 4 checks, 20 points by default (22 in all)" in capsys.readouterr().out
    assert main(["list", "--exercises", str(exercises)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "cleanup: Clean up [2 points]  (--only cleanup)" in out
    assert "basics.second" in out and "(requires basics.first)" in out


def test_validate_in_a_fresh_process_prints_no_traceback(tmp_path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nexercises:\n  - id: [\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "grader", "validate", str(broken)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == EXIT_USAGE
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"labgrade: error: {broken}:4: YAML syntax error")


@pytest.mark.parametrize("command", ["check", "collect", "validate", "list"])
def test_help(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: labgrade {command}")
    if command == "check":
        assert "exit codes:" in out and "--min-score" in out and "--only" in out


def test_bad_option_value_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check", "--format", "xml"])
    assert caught.value.code == EXIT_USAGE


@pytest.mark.skipif(not (REPO / "exercises.yaml").is_file(), reason="no exercises.yaml yet")
def test_the_shipped_exercises_file_validates(capsys) -> None:
    assert main(["validate"]) == EXIT_OK
    assert "100 points by default" in capsys.readouterr().out


SNAPSHOTS = REPO / "tests" / "data" / "snapshots"


@pytest.mark.parametrize(
    ("name", "extra", "code"),
    [
        ("ovn", ("--only", "security-groups"), EXIT_HOST),  # every sg.* check is an error there
        ("ovn", ("--only", "ovn-security-groups"), EXIT_OK),
        ("no-ssh-rule", ("--only", "security-groups"), EXIT_NOT_PASSING),  # 27/37 points
        ("no-ssh-rule", ("--only", "security-groups", "--min-score", "27"), EXIT_OK),
        ("no-ssh-rule", ("--only", "security-groups", "--min-score", "72%"), EXIT_OK),
        ("no-ssh-rule", ("--only", "security-groups", "--min-score", "73%"), EXIT_NOT_PASSING),
        ("no-ssh-rule", ("--min-score", "90%"), EXIT_OK),  # 90/100
        ("no-ssh-rule", ("--min-score", "91"), EXIT_NOT_PASSING),
    ],
)
def test_exit_codes_on_recorded_hosts(name: str, extra: tuple[str, ...], code: int, capsys) -> None:
    assert main(["check", "--snapshot", str(SNAPSHOTS / f"{name}.json"), *extra]) == code
    assert "Total:" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["eighty", "80%%", "-1", "101%", "nan", "inf"])
def test_a_bad_min_score_is_a_usage_error(value: str, capsys) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["check", "--snapshot", str(SNAPSHOTS / "complete.json"), "--min-score", value])
    assert raised.value.code == EXIT_USAGE
    assert "N% (percent of the maximum" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "maximum"),
    [(("--min-score", "150"), 100), (("--min-score", "38", "--only", "sg"), 37)],
)
def test_a_min_score_above_the_maximum_is_a_usage_error(extra, maximum: int, capsys) -> None:
    """No score could reach it: refused before grading, naming the maximum score."""
    assert main(["check", "--snapshot", str(SNAPSHOTS / "complete.json"), *extra]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == "" and f"is more than the maximum score, {maximum} (" in err
    with pytest.raises(SystemExit) as raised:  # a percentage: already when parsed
        main(["check", "--snapshot", str(SNAPSHOTS / "complete.json"), "--min-score", "120%"])
    assert (
        raised.value.code == EXIT_USAGE
        and "percent of the maximum, 0-100" in capsys.readouterr().err
    )
    assert (
        main(["check", "--snapshot", str(SNAPSHOTS / "complete.json"), "--min-score", "100"]) == 0
    )


def test_a_snapshot_is_reported_as_one(tmp_path: Path, capsys) -> None:
    """Graded from a snapshot, the report says so: its file, its target and when it was
    collected, not only the target as a live grade would (text header and JSON)."""
    collected = Snapshot.from_json((SNAPSHOTS / "no-ssh-rule.json").read_bytes()).with_meta(
        target="ssh://bob", collected_at="2026-11-26T05:00:00Z\x1b[2J"
    )
    path = tmp_path / "bob.json"
    path.write_text(collected.to_json(), encoding="utf-8")
    assert main(["check", "--snapshot", str(path), "--only", "sg"]) == EXIT_NOT_PASSING
    lines = capsys.readouterr().out.splitlines()
    header = " ".join(lines[: lines.index(next(x for x in lines if x.startswith("backend:")))])
    assert header == (  # wrapped at 80 columns
        f"labgrade: ssh://bob, graded from the snapshot {path} "
        "(collected 2026-11-26T05:00:00Z\\x1b[2J)"
    )
    main(["check", "--snapshot", str(path), "--only", "sg", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["target"] == "ssh://bob"
    assert doc["snapshot"] == {"file": str(path), "collected_at": "2026-11-26T05:00:00Z\x1b[2J"}
    assert main(["check", "--snapshot", str(SNAPSHOTS / "fresh.json"), "--only", "sg"]) == 1
    lines = capsys.readouterr().out.splitlines()
    header = " ".join(lines[: lines.index(next(x for x in lines if x.startswith("backend:")))])
    assert header.endswith("fresh.json (collected_at not recorded)")


def test_a_reader_that_goes_away_ends_labgrade_quietly_with_141() -> None:
    command = [sys.executable, "-m", "grader", "check", "--snapshot"]
    command.append(str(SNAPSHOTS / "complete.json"))
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before labgrade writes anything: like `labgrade check | true`
    assert process.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert process.stderr.read() == b""
