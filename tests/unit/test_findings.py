"""Findings: the lab's questions, graded against the host's own facts (checks/findings.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.answers_file import answers_template, load_answers, with_answers
from grader.cli import main
from grader.errors import EXIT_NOT_PASSING, EXIT_OK, EXIT_USAGE, InputFileError
from grader.model import load_exercises

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "snapshots"
# What a student reads off the recorded host complete.json with the lab's own commands.
RIGHT = {
    "inbound-chain": "neutron-openvswi-ia1b2c3d4-e",
    "dhcp-interface": "tap4b523b2a-59",
    "router-namespace": "qrouter-9e5f2802-2462-4f5c-a95b-c60b99744451",
    "fixed-ip": "10.0.0.12",
    "metadata-port": "9697",
    "default-gateway": "172.24.4.1",
}


def write(tmp_path: Path, answers: dict[str, str], name: str = "answers.yaml") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in answers.items()))
    return path


def grade(tmp_path: Path, capsys, answers: dict[str, str], snapshot: str = "complete.json"):
    path = write(tmp_path, answers)
    args = ["check", "--snapshot", str(SNAPSHOTS / snapshot), "--answers", str(path)]
    code = main([*args, "--only", "findings", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    return code, {c["id"]: c for e in doc["exercises"] for c in e["checks"]}


def dhcp_tap() -> str:
    doc = json.loads((SNAPSHOTS / "complete.json").read_text())
    for record in doc["records"]:
        if (record.get("ns") or "").startswith("qdhcp-") and record["key"] == "addr":
            for line in record["out"].splitlines():
                word = line.split()[1].split("@")[0]
                if word.startswith("tap"):
                    return word
    raise AssertionError("no DHCP tap in complete.json")


def test_right_answers_pass_in_any_reasonable_form(tmp_path: Path, capsys) -> None:
    answers = dict(RIGHT, **{"dhcp-interface": dhcp_tap()})
    answers["router-namespace"] = f"  `{answers['router-namespace'].upper()}` "
    answers["fixed-ip"] = "10.0.0.12/32"
    code, checks = grade(tmp_path, capsys, answers)
    assert {c["status"] for c in checks.values()} == {"pass"}, checks
    assert code == EXIT_OK


def test_wrong_answers_fail_without_giving_the_answer_away(tmp_path: Path, capsys) -> None:
    wrong = dict.fromkeys(RIGHT, "10.9.9.9")
    code, checks = grade(tmp_path, capsys, wrong)
    assert code == EXIT_NOT_PASSING
    for check_id, check in checks.items():
        assert check["status"] == "fail", check_id
        shown = check["evidence"] + check["expected"] + check["see"] + check["hint"]
        truth = RIGHT[check_id.split(".", 1)[1]]
        assert truth not in shown, f"{check_id} gives the answer away"
        assert check["see"], f"{check_id} says how to find the answer"


def test_answers_of_another_host_fail(tmp_path: Path, capsys) -> None:
    """Another host has its own port, router and network ids: the answers copied from a
    classmate's host fail there."""
    text = (SNAPSHOTS / "complete.json").read_text()
    for old, new in (
        ("a1b2c3d4", "0f9e8d7c"),
        ("4f0c1d2e", "5a5a5a5a"),
        ("9e5f2802", "77aa11bb"),
        ("4b523b2a", "c0ffee00"),
    ):
        text = text.replace(old, new)
    other = tmp_path / "other.json"
    other.write_text(text)
    _, checks = grade(tmp_path, capsys, dict(RIGHT, **{"dhcp-interface": dhcp_tap()}), str(other))
    failing = {k for k, c in checks.items() if c["status"] == "fail"}
    names = {"findings.inbound-chain", "findings.dhcp-interface", "findings.router-namespace"}
    assert names <= failing


def test_questions_left_out_or_no_file(tmp_path: Path, capsys) -> None:
    _, checks = grade(tmp_path, capsys, {"metadata-port": "9697"})
    assert checks["findings.metadata-port"]["status"] == "pass"
    assert checks["findings.fixed-ip"]["status"] == "fail"
    assert "not answered" in checks["findings.fixed-ip"]["evidence"]
    main(["check", "--snapshot", str(SNAPSHOTS / "complete.json"), "--only", "findings.fixed-ip"])
    assert "labgrade answers > answers.yaml" in " ".join(capsys.readouterr().out.split())


def test_an_unknown_question_is_one_line_naming_file_line_and_key(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, {"metadata-port": "9697", "inbound-chian": "x"})
    args = ["check", "--snapshot", str(SNAPSHOTS / "complete.json"), "--answers", str(path)]
    assert main(args) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}:2" in err and "inbound-chian" in err
    assert "did you mean 'inbound-chain'" in err
    assert main([*args[:-1], str(tmp_path / "missing.yaml")]) == EXIT_USAGE
    assert "missing.yaml" in capsys.readouterr().err


def test_the_template_lists_every_question_with_empty_answers(tmp_path: Path) -> None:
    exercises = load_exercises(None)
    path = tmp_path / "answers.yaml"
    path.write_text(answers_template(exercises))
    answers = load_answers(str(path), exercises)
    assert set(answers) == set(RIGHT) and set(answers.values()) == {""}
    graded = with_answers(exercises, answers)
    assert all(c.params["given"] == "" for c in graded.checks() if c.check == "finding")


def test_a_non_scalar_answer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("fixed-ip: [1, 2]\n")
    with pytest.raises(InputFileError, match="fixed-ip"):
        load_answers(str(path), load_exercises(None))
