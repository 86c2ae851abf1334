"""Findings answers in a batch (class.yaml `answers:` / `answers_path:`), on recorded hosts:
each student graded on their own answers, an unusable answers file that student's error only,
and regrade grading the answers the batch kept."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import IO, Any

import pytest
from class_outputs import findings, grades
from json_contract import validated
from test_findings import dhcp_tap

import grader.ansible_inventory
import grader.connect
from grader.cli import main
from grader.errors import InputFileError
from grader.inventory import load_inventory
from grader.inventory_ansible import load_ansible_inventory

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "snapshots"
HOST_FILE = "/home/stack/my answers.yaml"  # a space: the path is quoted in the gather
# What a student reads off the recorded host complete.json (tests/unit/test_findings.py).
RIGHT = {
    "inbound-chain": "neutron-openvswi-ia1b2c3d4-e",
    "router-namespace": "qrouter-9e5f2802-2462-4f5c-a95b-c60b99744451",
    "fixed-ip": "10.0.0.12",
    "metadata-port": "9697",
    "default-gateway": "172.24.4.1",
}
# another host: its own port, router and network ids (test_findings.py does the same)
OTHER_IDS = (
    ("a1b2c3d4", "0f9e8d7c"),
    ("4f0c1d2e", "5a5a5a5a"),
    ("9e5f2802", "77aa11bb"),
    ("4b523b2a", "c0ffee00"),
)


def answers_text(answers: dict[str, str]) -> str:
    return "".join(f"{key}: {json.dumps(value)}\n" for key, value in answers.items())


def right_answers() -> dict[str, str]:
    return {**RIGHT, "dhcp-interface": dhcp_tap()}


class RecordedHosts:
    """run_to_file on recorded snapshots: ssh://<host> prints HOSTS[host]'s snapshot, and an
    extra command `cat -- PATH` prints FILES[host][PATH] (absent: cat's error, exit 1)."""

    def __init__(self, hosts: dict[str, str], files: dict[str, dict[str, str]]):
        self.hosts, self.files, self.commands = hosts, files, []

    def __call__(self, spec: str, command: str, options: Any, spool: IO[bytes]) -> int:
        host = spec.split("://", 1)[1]
        self.commands.append(command)
        doc = json.loads(self.hosts[host])
        for key in ("target", "collected_at", "complete"):
            doc.pop(key, None)
        words = shlex.split(command)
        for cat in (w for w in words if w.startswith("cat -- ")):
            path = shlex.split(cat)[2]
            text = self.files.get(host, {}).get(path)
            record = {"key": "extra", "command": cat, "rc": 0, "out": text or "", "err": ""}
            if text is None:
                record |= {"rc": 1, "err": f"cat: {path}: No such file or directory\n"}
            doc["records"].append(record)
        spool.write(json.dumps({**doc, "complete": True}).encode())
        return 1


@pytest.fixture
def answers_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, RecordedHosts]:
    complete = (SNAPSHOTS / "complete.json").read_text()
    other = complete
    for old, new in OTHER_IDS:
        other = other.replace(old, new)
    right = answers_text(right_answers())
    hosts = {f"h-{name}": complete for name in ("ada", "cy", "dee", "eve", "fay")}
    hosts["h-bob"] = other
    recorded = RecordedHosts(hosts, {"h-cy": {HOST_FILE: right}})
    monkeypatch.setattr(grader.connect, "run_to_file", recorded)
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "ada.yaml").write_text(right)
    (tmp_path / "answers" / "bob.yaml").write_text(right)  # ada's, copied
    (tmp_path / "class.yaml").write_text(
        "students:\n"
        "  - {id: ada, target: h-ada, answers: answers/ada.yaml}\n"
        "  - {id: bob, target: h-bob, answers: answers/bob.yaml}\n"
        f"  - {{id: cy, target: h-cy, answers_path: '{HOST_FILE}'}}\n"
        "  - {id: dee, target: h-dee, answers: answers/dee.yaml}\n"
        f"  - {{id: eve, target: h-eve, answers_path: '{HOST_FILE}'}}\n"
        "  - {id: fay, target: h-fay}\n"
    )
    return tmp_path, recorded


def test_each_student_is_graded_on_their_own_answers(answers_class: Any, capsys: Any) -> None:
    base, recorded = answers_class
    out = base / "out"
    assert main(["batch", str(base / "class.yaml"), "--out", str(out), "--quiet"]) == 3
    captured = capsys.readouterr()
    table = grades(out)
    assert set(findings(out, "ada").values()) == {"pass"}
    assert set(findings(out, "cy").values()) == {"pass"}  # read off the host, same gather
    copied = findings(out, "bob")
    for check in ("inbound-chain", "dhcp-interface", "router-namespace"):
        assert copied[f"findings.{check}"] == "fail", copied
    assert findings(out, "fay") == {}  # no answers: graded without findings
    assert table["ada"]["max_score"] == "118" and table["ada"]["findings"] == "18"
    assert table["fay"]["max_score"] == "100" and table["fay"]["findings"] == ""
    assert table["fay"]["status"] == "graded"
    # a missing file is that student's error, with the file and what to do; no host reached
    assert table["dee"]["status"] == "error" and table["dee"]["score"] == ""
    dee = table["dee"]["error"]
    assert str(base / "answers" / "dee.yaml") in dee and "no such file" in dee
    assert "--resume" in dee and not any("h-dee" in c for c in recorded.commands)
    eve = table["eve"]["error"]
    assert table["eve"]["status"] == "error" and f"h-eve:{HOST_FILE}" in eve
    assert "No such file" in eve and "\n" not in eve
    assert not (out / "students" / "eve.snapshot.json").exists()
    # one gather each, the answers read within it; the kept copies are what was graded
    assert len(recorded.commands) == 5
    assert (out / "students" / "cy.answers.yaml").read_text() == answers_text(right_answers())
    assert not (out / "students" / "fay.answers.yaml").exists()
    manifest = validated(json.loads((out / "batch.json").read_text()), "batch")
    by_id = {s["id"]: s for s in manifest["students"]}
    assert by_id["ada"]["answers"] == str(base / "answers" / "ada.yaml")
    assert by_id["cy"]["answers_path"] == HOST_FILE and "answers" not in by_id["fay"]
    assert "(1 student);" in captured.out and "(3 students) (different maximums" in captured.out
    assert "Findings graded for 3 of 4 graded students" in captured.out


def test_regrade_grades_the_answers_the_batch_kept(answers_class: Any, capsys: Any) -> None:
    base, _ = answers_class
    out = base / "out"
    main(["batch", str(base / "class.yaml"), "--out", str(out), "--quiet"])
    live = grades(out)
    (base / "answers" / "ada.yaml").write_text("fixed-ip: 1.2.3.4\n")  # changed afterwards
    assert main(["regrade", str(out)]) == 3
    again = grades(out)
    for student in ("ada", "bob", "cy", "fay"):
        assert again[student]["score"] == live[student]["score"], student
        assert again[student]["max_score"] == live[student]["max_score"], student
    assert again["dee"]["error"] == live["dee"]["error"]
    (out / "students" / "ada.answers.yaml").unlink()
    (out / "students" / "cy.answers.yaml").write_text("fixd-ip: 10.0.0.12\n")
    capsys.readouterr()
    assert main(["regrade", str(out)]) == 3
    after = grades(out)
    assert after["ada"]["status"] == "error" and "ada.answers.yaml" in after["ada"]["error"]
    assert "cy.answers.yaml:1: key 'fixd-ip'" in after["cy"]["error"]
    assert after["bob"]["score"] == live["bob"]["score"]  # the others as before


def test_resume_grades_a_fixed_answers_file(answers_class: Any) -> None:
    base, recorded = answers_class
    out = base / "out"
    main(["batch", str(base / "class.yaml"), "--out", str(out), "--quiet"])
    (base / "answers" / "dee.yaml").write_text(answers_text(right_answers()))
    recorded.files["h-eve"] = {HOST_FILE: "fixed-ip: 10.0.0.12\n"}
    inventory = str(base / "class.yaml")
    assert main(["batch", inventory, "--out", str(out), "--quiet", "--resume"]) == 0
    table = grades(out)
    assert set(findings(out, "dee").values()) == {"pass"}
    assert (
        table["eve"]["status"] == "graded" and findings(out, "eve")["findings.fixed-ip"] == "pass"
    )


def test_an_invalid_answers_file_is_that_students_error(answers_class: Any) -> None:
    base, recorded = answers_class
    (base / "answers" / "bob.yaml").write_text("fixed-ip: 10.0.0.12\ninbound-chian: x\n")
    recorded.files["h-cy"] = {HOST_FILE: "fixed-ip: [1, 2]\n"}
    out = base / "out"
    assert main(["batch", str(base / "class.yaml"), "--out", str(out), "--quiet"]) == 3
    table = grades(out)
    assert f"{base / 'answers' / 'bob.yaml'}:2: key 'inbound-chian'" in table["bob"]["error"]
    assert "did you mean 'inbound-chain'" in table["bob"]["error"]
    assert f"h-cy:{HOST_FILE}:1: key 'fixed-ip'" in table["cy"]["error"]
    assert table["ada"]["status"] == "graded" and table["fay"]["status"] == "graded"


def test_only_names_what_is_graded_for_students_with_answers(answers_class: Any) -> None:
    base, _ = answers_class
    out = base / "out"
    main(["batch", str(base / "class.yaml"), "--out", str(out), "--quiet", "--only", "sg"])
    table = grades(out)
    assert table["ada"]["max_score"] == table["fay"]["max_score"] and findings(out, "ada") == {}
    main(["regrade", str(out), "--only", "findings"])
    assert set(findings(out, "ada").values()) == {"pass"}
    assert set(findings(out, "fay").values()) == {"fail"}  # no answers: "no answers given"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_inventory_answers_keys(tmp_path: Path) -> None:
    text = (
        "defaults:\n  answers_path: /home/stack/answers.yaml\n"
        "students:\n"
        "  - {id: a, target: h1}\n"
        "  - {id: b, target: h2, answers: sub/b.yaml}\n"
        "  - {id: c, target: h3, answers_path: ''}\n"
    )
    a, b, c = load_inventory(write(tmp_path, "class.yaml", text))
    assert (a.answers, a.answers_path) == (None, "/home/stack/answers.yaml")
    assert (b.answers, b.answers_path) == (str(tmp_path / "sub" / "b.yaml"), None)
    assert (c.answers, c.answers_path) == (None, None)
    csv_text = "id,target,answers,answers_path\nx,h1,x.yaml,\ny,h2,,/root/a.yaml\n"
    x, y = load_inventory(write(tmp_path, "class.csv", csv_text))
    assert (x.answers, y.answers_path, x.extra) == (str(tmp_path / "x.yaml"), "/root/a.yaml", ())


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "students:\n  - {id: a, target: h, answers_path: answers.yaml}\n",
            ":2: key 'answers_path'",
        ),
        (
            "students:\n  - id: a\n    target: h\n    answers: a.yaml\n    answers_path: /a.yaml\n",
            ":5: key 'answers_path': give answers",
        ),
        ("defaults:\n  answers: a.yaml\nstudents:\n  - {id: a, target: h}\n", ":2: key 'answers'"),
        ("students:\n  - {id: a, target: h, answers: [a.yaml]}\n", ":2: key 'answers': must be"),
        ('students:\n  - {id: a, target: h, answers_path: "/a\\nb"}\n', ":2: key 'answers_path'"),
    ],
)
def test_inventory_answers_errors_name_file_line_and_key(
    tmp_path: Path, text: str, where: str
) -> None:
    path = write(tmp_path, "class.yaml", text)
    with pytest.raises(InputFileError) as caught:
        load_inventory(path)
    assert str(caught.value).startswith(path + where), str(caught.value)
    assert "\n" not in str(caught.value)


def test_ansible_inventory_answers_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grader.ansible_inventory, "program", lambda: None)  # the built-in parser
    text = (
        "[class]\n"
        "ux-1 ansible_host=10.0.0.21 student_answers=answers/ux-1.yaml\n"
        "ux-2 ansible_host=10.0.0.22 student_answers_path=relative.yaml\n"
    )
    path = write(tmp_path, "hosts.ini", text)
    with pytest.raises(InputFileError) as caught:
        load_ansible_inventory(path)
    assert str(caught.value).startswith(f"{path}:3: key 'student_answers_path'")
    ux1, ux2 = load_ansible_inventory(write(tmp_path, "ok.ini", text.replace("=relative", "=/r")))
    assert ux1.answers == str(tmp_path / "answers" / "ux-1.yaml") and ux2.answers_path == "/r.yaml"


def test_check_answers_grades_the_default_exercises_plus_findings(tmp_path: Path, capsys) -> None:
    """`check --answers` without --only: the host's own backend's default exercises and the
    findings that apply there (naming the default exercises would bring other backends')."""
    path = write(tmp_path, "answers.yaml", answers_text(right_answers()))
    for snapshot, most in (("complete.json", 118), ("ovn.json", 106)):
        args = ["check", "--snapshot", str(SNAPSHOTS / snapshot), "--answers", path]
        main([*args, "--format", "json"])
        doc = json.loads(capsys.readouterr().out)
        assert doc["max_score"] == most, [(e["id"], e["max_score"]) for e in doc["exercises"]]


def test_a_hostile_answers_file_on_the_host_is_one_short_line(answers_class: Any) -> None:
    """The host's answers file is the student's: an unknown key with escape sequences and
    newlines, 900 characters long, is shown escaped and cut, on one line."""
    base, recorded = answers_class
    key = "\\e[31m\\n" + "x" * 900  # PyYAML: a plain key is at most 1024 characters
    recorded.files["h-cy"] = {HOST_FILE: f'"{key}": 1\n'}
    out = base / "out"
    main(["batch", str(base / "class.yaml"), "--out", str(out), "--quiet"])
    error = grades(out)["cy"]["error"]
    assert "\x1b" not in error and "\n" not in error and len(error) < 600, error
    assert f"h-cy:{HOST_FILE}:1: key '" in error
