"""Findings answers in a batch, on lab hosts over real SSH (issue 12 item 4): a class of two
hosts where answers read off a host with the lab's own commands all pass, a classmate's copied
answers fail, answers saved on the host (`answers_path:`) are read in the same gather, and a
missing answers file, here or on the host, is that student's one-line error while the others
are graded; regrade grades the answers the batch kept."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from class_outputs import findings, grades
from test_findings_lab import answers_read_as_a_student

REPO = Path(__file__).resolve().parents[2]
ON_HOST = "/run/labgrade-test-answers"  # the host's private /run: gone with the host
pytestmark = pytest.mark.lab


def labgrade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labgrade", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
    )


def yaml_text(answers: dict[str, str]) -> str:
    return "".join(f"{key}: {json.dumps(value)}\n" for key, value in answers.items())


def test_a_class_graded_on_its_answers(lab: Any, tmp_path: Path) -> None:
    mine, theirs = lab["complete"], lab["no-icmp-rule"]
    ada = tmp_path / "ada.yaml"
    ada.write_text(yaml_text(answers_read_as_a_student(lab, "complete")))
    (tmp_path / "bob.yaml").write_text(ada.read_text())  # ada's answers, copied
    cy = yaml_text(answers_read_as_a_student(lab, "no-icmp-rule"))
    saved = f"{ON_HOST}/cy answers.yaml"
    write = f"mkdir -p {ON_HOST} && printf %s {shlex.quote(cy)} > {shlex.quote(saved)}"
    assert lab.run("no-icmp-rule", write).returncode == 0
    try:
        students = [
            {"id": "ada", "target": mine.name, "answers": "ada.yaml"},
            {"id": "bob", "target": theirs.name, "answers": "bob.yaml"},
            {"id": "cy", "target": theirs.name, "answers_path": saved},
            {"id": "dee", "target": mine.name, "answers_path": f"{ON_HOST}/none.yaml"},
            {"id": "eve", "target": mine.name, "answers": "eve.yaml"},
            {"id": "fay", "target": mine.name},
        ]
        inventory = tmp_path / "class.yaml"
        defaults = {"ssh_config": str(lab.ssh_config)}
        inventory.write_text(json.dumps({"defaults": defaults, "students": students}))
        out = tmp_path / "out"
        done = labgrade("batch", str(inventory), "--out", str(out), "--quiet")
        assert done.returncode == 3, done.stderr  # dee and eve in error
    finally:
        lab.run("no-icmp-rule", f"rm -rf {ON_HOST}")
    table = grades(out)
    assert set(findings(out, "ada").values()) == {"pass"}, findings(out, "ada")
    assert set(findings(out, "cy").values()) == {"pass"}, findings(out, "cy")
    copied = findings(out, "bob")
    for check in ("inbound-chain", "dhcp-interface", "router-namespace"):
        assert copied[f"findings.{check}"] == "fail", copied
    assert table["ada"]["max_score"] == "118" and table["ada"]["findings"] == "18"
    assert table["fay"]["status"] == "graded" and table["fay"]["max_score"] == "100"
    assert table["fay"]["findings"] == ""
    dee, eve = table["dee"]["error"], table["eve"]["error"]
    assert table["dee"]["status"] == "error" and f"{mine.name}:{ON_HOST}/none.yaml" in dee
    assert "No such file" in dee
    assert table["eve"]["status"] == "error" and str(tmp_path / "eve.yaml") in eve
    assert "no such file" in eve and "--resume" in eve
    summary = done.stdout
    assert "Findings graded for 3 of 4 graded students" in summary
    assert f"dee: {mine.name}:{ON_HOST}/none.yaml (answers_path): cannot read it" in summary
    # the answers on the host are read by the gather itself (its snapshot holds them), not by a
    # command of their own (remote_commands is not compared: a loaded machine may cut a gather,
    # which is then run once more)
    snapshot = json.loads((out / "students" / "cy.snapshot.json").read_text())
    read = [r for r in snapshot["records"] if r.get("command") == f"cat -- {shlex.quote(saved)}"]
    assert [r["out"] for r in read] == [cy]
    live = {s: (r["score"], r["max_score"]) for s, r in table.items()}
    redone = labgrade("regrade", str(out))
    assert redone.returncode == 3, redone.stderr
    assert {s: (r["score"], r["max_score"]) for s, r in grades(out).items()} == live
