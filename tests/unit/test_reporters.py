"""`--report FORMAT[=FILE]`: the table of formats (grader/report/reporters.py) on check, batch
and regrade; the old `--format/--json/--junit` are aliases; a new format is one table line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from test_batch import recorded, write_class

import grader.connect
from grader.cli import main
from grader.errors import EXIT_USAGE
from grader.report.reporters import REPORTERS, ClassReport, HostReport, Reporter


@pytest.fixture
def fake_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grader.connect, "run_to_file", recorded)


SNAPSHOT = str(Path(__file__).resolve().parents[1] / "data" / "snapshots" / "complete.json")


def test_report_writes_each_format_where_asked(tmp_path: Path, capsys: Any) -> None:
    """`--report text --report json=r.json --report junit=r.xml` = `--json r.json --junit r.xml`."""
    new, old = tmp_path / "new", tmp_path / "old"
    new.mkdir(), old.mkdir()
    check = ["check", "--snapshot", SNAPSHOT]
    reports = [
        "--report",
        "text",
        "--report",
        f"json={new}/r.json",
        "--report",
        f"junit={new}/r.xml",
    ]
    assert main([*check, *reports]) == 0
    shown = capsys.readouterr().out
    assert main([*check, "--json", f"{old}/r.json", "--junit", f"{old}/r.xml"]) == 0
    assert capsys.readouterr().out == shown and "Total: 100/100" in shown
    for name in ("r.json", "r.xml"):
        assert drop_timing((new / name).read_text()) == drop_timing((old / name).read_text())
    assert json.loads((new / "r.json").read_text())["score"] == 100
    ET.fromstring((new / "r.xml").read_text())


def drop_timing(text: str) -> str:
    """TEXT without the figures that change from run to run (durations, times)."""
    import re

    text = re.sub(r'("duration[^"]*"|time|timestamp|"graded_at")(=|: )"?[^",\s>]*"?', "", text)
    # and any other date-time, e.g. a JUnit property's value (a second may pass between runs)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^\"<\s]*", "", text)


def test_one_report_on_stdout_replaces_text(capsys: Any) -> None:
    assert main(["check", "--snapshot", SNAPSHOT, "--report", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] == 100
    assert main(["check", "--snapshot", SNAPSHOT, "--report", "junit=-"]) == 0
    ET.fromstring(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--report", "nope"], "unknown format 'nope' (known: text, json, junit, csv"),
        (["--report", "json="], "'json=': no FILE after '='"),
    ],
)
def test_an_unknown_format_is_a_usage_error(argv: list[str], message: str, capsys: Any) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check", "--snapshot", SNAPSHOT, *argv])
    assert caught.value.code == EXIT_USAGE and message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--report", "csv"], "--report csv: renders a class, not one host"),
        (["--report", "json", "--report", "text"], "--report: two reports to standard output"),
        (["--report", "json=a", "--junit", "a"], "--report: two reports to a"),
    ],
)
def test_a_report_that_cannot_be_is_one_line_before_grading(
    argv: list[str], message: str, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--snapshot", SNAPSHOT, *argv]) == EXIT_USAGE
    assert capsys.readouterr().err == f"labgrade: error: {message}\n"
    assert not list(tmp_path.iterdir())


def test_a_new_format_is_one_table_line(
    tmp_path: Path,
    fake_hosts: None,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A format added to REPORTERS alone is offered by check, batch and regrade."""

    def host_tap(report: HostReport) -> str:
        return f"1..1\nok 1 - {report.result.target} {report.result.score}\n"

    def class_tap(report: ClassReport) -> str:
        return "".join(f"ok - {student.id}\n" for student, _ in report.entries)

    tap = Reporter("tap", "TAP", host=host_tap, klass=class_tap, class_file="class.tap")
    monkeypatch.setitem(REPORTERS, "tap", tap)
    assert main(["check", "--snapshot", SNAPSHOT, "--report", f"tap={tmp_path}/one.tap"]) == 0
    assert (tmp_path / "one.tap").read_text().startswith("1..1\nok 1 - ")
    out = tmp_path / "out"
    inventory = write_class(tmp_path, count=3, down=1)
    assert main(["batch", str(inventory), "--out", str(out), "--report", "tap"]) == 3
    assert (out / "class.tap").read_text() == "ok - s00\nok - s01\nok - s02\nok - d0\n"
    assert (out / "grades.csv").is_file() and (out / "junit.xml").is_file()
    (out / "class.tap").unlink()
    assert main(["regrade", str(out), "--report", f"tap={tmp_path}/again.tap"]) == 3
    assert (tmp_path / "again.tap").read_text().count("ok - ") == 4
    capsys.readouterr()


def test_batch_report_to_a_file_and_to_stdout(
    tmp_path: Path,
    fake_hosts: None,
    capsys: Any,
) -> None:
    out = tmp_path / "out"
    inventory = write_class(tmp_path, count=3, down=0)
    code = main(
        [
            *("batch", str(inventory), "--out", str(out)),
            *("--report", f"junit={tmp_path}/ci.xml", "--report", "csv=-"),
        ]
    )
    assert code == 0
    assert (tmp_path / "ci.xml").read_text() == (out / "junit.xml").read_text()
    shown = capsys.readouterr().out  # the gradebook replaces the summary on stdout
    assert shown.replace("\r\n", "\n") == (out / "grades.csv").read_text().replace("\r\n", "\n")
    assert main(["batch", str(inventory), "--out", str(tmp_path / "x"), "--report", "json"]) == 2
    assert "--report json: renders one host, not a class" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
