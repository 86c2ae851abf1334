"""Hostile hosts and handed-in snapshots (issue 10, items 1, 5, 6, 7 and 9): a host or a
snapshot file a student crafted costs that student, never the class, and never reaches the
instructor's terminal. Each test fails on the code before the fix (a traceback, a crash of the
whole batch, a raw escape sequence on stderr, a made-up line about another student)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from grading import exercises, snapshot, statuses

import grader.connect
import grader.grading
from grader.cli import main
from grader.errors import EXIT_USAGE, InputFileError
from grader.gather import parse_gather_output
from grader.grading import grade_snapshot
from grader.inventory import Student
from grader.report.batch_progress import LineProgress
from grader.report.safetext import escape_unsafe
from grader.report.summary import render_summary
from grader.result import host_error
from grader.snapshot import FORMAT, Snapshot

REPO = Path(__file__).resolve().parents[2]
COMPLETE = REPO / "tests" / "data" / "snapshots" / "complete.json"


def complete_doc() -> dict[str, Any]:
    return json.loads(COMPLETE.read_text())


def surrogate_text() -> str:
    """The complete host's gather output, with lone surrogate escapes in a record's output,
    its key and the hostname, as a host that prints its own document can send."""
    text = json.dumps(complete_doc())
    return text.replace('"key": "hostname"', '"key": "hostname\\udfff"', 1).replace(
        '"out": "', '"out": "\\ud800', 1
    )


# --- 10.1 lone surrogates; one student's exception is that student's error ---------------------
def test_lone_surrogates_are_replaced_where_a_snapshot_is_read() -> None:
    snap = parse_gather_output(surrogate_text(), "lab-1")
    assert snap.records[0].out.startswith("\ufffd")
    assert any(r.key == "hostname\ufffd" for r in snap.records)
    snap.to_json().encode("utf-8")  # what batch and collect write: no UnicodeEncodeError


def fake_hosts(monkeypatch: pytest.MonkeyPatch, broken: dict[str, Any]) -> list[str]:
    """The gather (run_to_file) printing the complete snapshot for ssh://<id>; BROKEN: id ->
    gather output text, or an exception to raise while gathering that host."""
    seen: list[str] = []

    def fake(spec: str, command: str, options: Any, spool: Any) -> int:
        name = spec.split("://", 1)[1]
        seen.append(name)
        what = broken.get(name)
        if isinstance(what, Exception):
            raise what
        spool.write((what or json.dumps(complete_doc())).encode("utf-8", "surrogatepass"))
        return 1

    monkeypatch.setattr(grader.connect, "run_to_file", fake)
    return seen


def write_inventory(tmp_path: Path, ids: list[str]) -> str:
    path = tmp_path / "class.csv"
    path.write_text("id,name,email,target\n" + "".join(f"{i},,,ssh://{i}\n" for i in ids))
    return str(path)


def rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def test_a_host_with_lone_surrogates_does_not_stop_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    fake_hosts(monkeypatch, {"bob": surrogate_text()})
    out = tmp_path / "out"
    inventory = write_inventory(tmp_path, ["ada", "bob", "cy"])
    assert main(["batch", inventory, "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    assert {r["status"] for r in rows(out).values()} == {"graded"}
    saved = (out / "students" / "bob.snapshot.json").read_bytes().decode("utf-8")
    assert "\ufffd" in json.loads(saved)["records"][0]["out"]


def test_an_exception_for_one_student_is_that_students_error_and_resume_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    fake_hosts(monkeypatch, {"bob": RuntimeError("boom")})
    out = tmp_path / "out"
    inventory = write_inventory(tmp_path, ["ada", "bob", "cy"])
    assert main(["batch", inventory, "--out", str(out), "--quiet", "--jobs", "1"]) == 3
    table = rows(out)
    assert table["ada"]["status"] == table["cy"]["status"] == "graded"
    assert table["bob"]["status"] == "error" and "RuntimeError: boom" in table["bob"]["error"]
    assert "bob: bob: could not grade or record this host" in capsys.readouterr().out
    seen = fake_hosts(monkeypatch, {})
    assert main(["batch", inventory, "--out", str(out), "--quiet", "--resume"]) == 0
    assert seen == ["bob"] and rows(out)["bob"]["status"] == "graded"


def printing(text: str) -> Any:
    """A run_to_file whose host prints TEXT."""

    def run_to_file(spec: str, command: str, options: Any, spool: Any) -> int:
        spool.write(text.encode("utf-8", "surrogatepass"))
        return 1

    return run_to_file


def test_collect_saves_a_host_with_lone_surrogates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grader.connect, "run_to_file", printing(surrogate_text()))
    saved = tmp_path / "s.json"
    assert main(["collect", "local://", "-o", str(saved)]) == 0
    assert Snapshot.from_json(saved.read_bytes()).records[0].out.startswith("\ufffd")


# --- 10.5 malformed snapshots ------------------------------------------------------------------
def malformed(edit: str) -> str:
    doc = complete_doc()
    text = json.dumps(doc)
    nested = "[" * 5000 + "]" * 5000
    return {
        "nested gatherer": text.replace('"gather.sh/1"', nested, 1),
        "5001-digit rc": text.replace('"rc": 0', '"rc": ' + "9" * 5001, 1),
        "rc out of range": text.replace('"rc": 0', '"rc": 300', 1),
        "rc a float": text.replace('"rc": 0', '"rc": 1e400', 1),
        "gatherer a number": text.replace('"gather.sh/1"', "5", 1),
        "complete a string": text.replace('"complete": true', '"complete": "yes"', 1),
        "total_bytes a list": text.replace('"total_bytes": ', '"total_bytes": [], "x": ', 1),
        "truncated a string": text.replace('"truncated": false', '"truncated": "no"', 1),
        "error a list": text.replace('"records"', '"error": ["x"], "records"', 1),
        "target an object": text.replace('"target": "', '"target": {}, "y": "', 1),
        "command_timeout NaN": text.replace('"records"', '"command_timeout": NaN, "records"', 1),
    }[edit]


EDITS = [
    "nested gatherer",
    "5001-digit rc",
    "rc out of range",
    "rc a float",
    "gatherer a number",
    "complete a string",
    "total_bytes a list",
    "truncated a string",
    "error a list",
    "target an object",
    "command_timeout NaN",
]


@pytest.mark.parametrize("edit", EDITS)
def test_a_malformed_snapshot_is_a_one_line_error_exit_2(
    tmp_path: Path, capsys: Any, edit: str
) -> None:
    path = tmp_path / "s.json"
    path.write_text(malformed(edit))
    assert main(["check", "--snapshot", str(path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"labgrade: error: {path}") and err.count("\n") == 1


def test_regrade_gives_a_malformed_snapshot_its_students_error_and_grades_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    fake_hosts(monkeypatch, {})
    out = tmp_path / "out"
    inventory = write_inventory(tmp_path, ["ada", "bob", "cy"])
    assert main(["batch", inventory, "--out", str(out), "--quiet"]) == 0
    (out / "students" / "bob.snapshot.json").write_text(malformed("nested gatherer"))
    (out / "students" / "cy.snapshot.json").write_text(malformed("5001-digit rc"))
    assert main(["regrade", str(out)]) == 3
    table = rows(out)
    assert table["ada"]["status"] == "graded" and table["ada"]["score"] == "100"
    for student in ("bob", "cy"):
        assert table[student]["status"] == "error"
        assert "stored snapshot is unusable" in table[student]["error"]
        stored = json.loads((out / "students" / f"{student}.json").read_text())
        assert stored["status"] == "error"  # grades.csv and students/<id>.json agree


# --- 10.6 escapes from a host or a snapshot never reach the terminal raw -----------------------
HOSTILE = "\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2J\u202eevil\u2066\x9b31m"


def assert_no_raw_escapes(text: str) -> None:
    for raw in ("\x1b", "\x07", "\u202e", "\u2066", "\x9b"):
        assert raw not in text


def test_a_snapshot_error_with_escapes_is_shown_escaped(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format": FORMAT, "error": HOSTILE, "records": []}))
    assert main(["check", "--snapshot", str(path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert_no_raw_escapes(err)
    assert "\\x1b]52;c;" in err and "\\u202e" in err and err.count("\n") == 1


def test_collect_shows_what_a_host_printed_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr(grader.connect, "run_to_file", printing(HOSTILE + "\n"))
    assert main(["collect", "local://", "-o", str(tmp_path / "s.json")]) == 3
    err = capsys.readouterr().err
    assert_no_raw_escapes(err)
    assert "printed no snapshot" in err and "\\x1b[2J" in err


def test_unicode_format_characters_are_escaped() -> None:
    for char in ("\u202e", "\u2066", "\u200b", "\ufeff", "\u2028", "\U000e0041", "\x85"):
        assert char not in escape_unsafe(f"a{char}b")


# --- 10.7 host text stays on the host's own line ----------------------------------------------
LIAR = "cut\n  bob: sx-2: host key of sx-2 changed\r\n[2/2] bob: error: fake"


def test_an_error_with_newlines_cannot_add_lines_about_other_students() -> None:
    ada, bob = Student("ada", "ssh://sx-1"), Student("bob", "ssh://sx-2")
    lie = host_error("ssh://sx-1", f"sx-1: {LIAR}", 100)
    stream = io.StringIO()
    progress = LineProgress(stream, 2)
    progress.finished(ada, lie)
    assert stream.getvalue().count("\n") == 1 and stream.getvalue().startswith("[1/2] ada: ")
    summary = render_summary([(ada, lie), (bob, None)])
    in_error = summary.split("Students in error:\n", 1)[1].split("\n\n")[0]
    assert len(in_error.splitlines()) == 1 and in_error.startswith("  ada: sx-1: cut\\n  bob:")
    assert not any(line.lstrip().startswith("bob:") for line in summary.splitlines())


# --- 10.9 ASCII numbers; a parser failure costs only the checks that need it -------------------
def with_outputs(**outputs: str) -> Snapshot:
    """The complete host with KEY's root-namespace output prefixed by OUTPUTS[KEY]."""
    doc = complete_doc()
    for record in doc["records"]:
        if record["key"] in outputs and record["ns"] is None:
            record["out"] = outputs[record["key"]] + record["out"]
    for record in doc["records"]:
        if record["key"] == "netns_pids":
            record["out"] = "\u00b2 \u0663 " + "9" * 5000 + " " + record["out"]
    return Snapshot.from_dict(doc)


def test_superscript_and_huge_numbers_in_host_output_are_not_numbers() -> None:
    snap = with_outputs(
        processes=" \u00b2 dnsmasq --fake\n",
        link="\u00b2: x: <UP> mtu 1\n" + "9" * 5000 + ": y: <UP> mtu 1\n",
        ovs_flows_br_int="table=" + "9" * 5000 + ", priority=\u00b2 actions=drop\n",
        ovs_ofctl_show_br_int=" \u00b2(tapx): addr\n",
    )
    result = grade_snapshot(snap, exercises(), None, "lab-1")
    assert result.status == "graded"
    assert {c.id: c.status for c in result.checks()} == statuses("complete")


def test_a_parser_that_raises_costs_only_the_checks_reading_its_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import grader.facts.namespace

    def broken(text: str) -> list[Any]:
        raise IndexError("crafted route line")

    expected = {**statuses("complete"), "routing.default-route": "error"}
    monkeypatch.setattr(grader.facts.namespace, "parse_ip_route", broken)
    result = grade_snapshot(snapshot("complete"), exercises(), None, "x")
    graded = {check.id: check for check in result.checks()}
    assert "IndexError: crafted route line" in graded["routing.default-route"].evidence
    assert {key: check.status for key, check in graded.items()} == expected


def test_errors_still_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(malformed("5001-digit rc"))
    with pytest.raises(InputFileError, match=r"s\.json"):
        Snapshot.from_json(path.read_bytes(), source=str(path))


def test_numbers_in_host_text_are_ascii_digits_only() -> None:
    from grader.parsers.ip_link import parse_peer_ifindex
    from grader.parsers.netns import parse_pids

    assert parse_pids("1 \u00b2 \u0663 1_0 +5 " + "9" * 5000 + " 2") == [1, 2]
    assert parse_peer_ifindex("     peer_ifindex: \u0663\n") is None
    assert parse_peer_ifindex("     peer_ifindex: 7\n") == 7


def test_a_process_list_no_parser_can_read_costs_only_the_checks_reading_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import grader.facts.build

    def broken(text: str) -> list[Any]:
        raise ValueError("crafted ps line")

    expected = {**statuses("complete"), "dhcp.dnsmasq": "error"}
    monkeypatch.setattr(grader.facts.build, "parse_processes", broken)
    result = grade_snapshot(snapshot("complete"), exercises(), None, "x")
    graded = {check.id: check for check in result.checks()}
    assert "ValueError: crafted ps line" in graded["dhcp.dnsmasq"].evidence
    assert {key: check.status for key, check in graded.items()} == expected
