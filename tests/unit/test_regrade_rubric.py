"""regrade grades what each run asks (issue 9.7): --only is per run, the default is the default
rubric, and the class directory records which rubric graded it. On recorded snapshots."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_batch import recorded

import grader.connect
from grader.cli import main
from grader.model import default_exercises_path, load_exercises

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "snapshots"
DEFAULT_EXERCISES = "devices,namespaces,security-groups,dhcp,routing,nat"


@pytest.fixture
def graded_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A class of two graded with the default rubric, then no host reachable."""
    inventory = tmp_path / "class.csv"
    inventory.write_text("id,target\nada,complete-1\nbob,icehouse-no-ssh-rule-2\n")
    monkeypatch.setattr(grader.connect, "run_to_file", recorded)
    out = tmp_path / "out"
    assert main(["batch", str(inventory), "--out", str(out), "--quiet"]) == 0
    monkeypatch.setattr(grader.connect, "run_to_file", None)  # regrade touches no host
    return out


def rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((out / "grades.csv").open(newline="")))


def test_only_is_for_one_regrade_then_the_default_rubric_again(graded_class: Path) -> None:
    live = rows(graded_class)
    assert [r["score"] for r in live] == ["100", "90"]
    assert main(["regrade", str(graded_class), "--only", "sg"]) == 0
    assert list(rows(graded_class)[0])[7:] == ["security-groups", "feedback", "error", "flags"]
    assert main(["regrade", str(graded_class)]) == 0
    assert rows(graded_class) == live
    manifest = json.loads((graded_class / "batch.json").read_text())
    assert manifest["only"] is None


def test_naming_every_default_exercise_grades_as_the_default(graded_class: Path) -> None:
    """No check of another backend creeps in (devices.tap-on-br-int is OVS-native/OVN's)."""
    live = rows(graded_class)
    assert main(["regrade", str(graded_class), "--only", DEFAULT_EXERCISES]) == 0
    assert [(r["score"], r["max_score"]) for r in rows(graded_class)] == [
        (r["score"], r["max_score"]) for r in live
    ]
    exercises = load_exercises()
    named = exercises.select(DEFAULT_EXERCISES.split(",")).selected_ids
    assert named == exercises.select(None).selected_ids
    assert "devices.tap-on-br-int" in exercises.select(["devices.tap-on-br-int"]).selected_ids
    assert exercises.select(["ovsfw"]).selected_ids  # nothing of it applies: all of it


def test_the_class_directory_records_the_rubric_and_regrade_says_when_it_changed(
    graded_class: Path, tmp_path: Path, capsys: Any
) -> None:
    digest = json.loads((graded_class / "batch.json").read_text())["rubric"]
    assert digest.startswith("sha256:")
    capsys.readouterr()
    assert main(["regrade", str(graded_class)]) == 0
    assert "rubric changed" not in capsys.readouterr().err
    assert main(["regrade", str(graded_class), "--only", "sg"]) == 0
    err = capsys.readouterr().err
    assert "the rubric changed since" in err
    assert "was exercises.yaml (shipped), the default exercises, now " in err
    assert "--only sg" in err
    after = json.loads((graded_class / "batch.json").read_text())["rubric"]
    assert after != digest

    copy = tmp_path / "exercises-v2.yaml"
    shutil.copy(default_exercises_path(), copy)
    assert main(["regrade", str(graded_class), "--exercises", str(copy)]) == 0
    capsys.readouterr()
    copy.write_text(copy.read_text().replace("title: Network devices", "title: Devices", 1))
    assert main(["regrade", str(graded_class)]) == 0  # the file that graded it last
    err = capsys.readouterr().err
    assert "the same file and selection, but the file's content changed" in err


def test_resume_refuses_a_changed_exercises_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    copy = tmp_path / "exercises.yaml"
    shutil.copy(default_exercises_path(), copy)
    inventory = tmp_path / "class.csv"
    inventory.write_text("id,target\nada,complete-1\n")
    monkeypatch.setattr(grader.connect, "run_to_file", recorded)
    out = str(tmp_path / "out")
    assert main(["batch", str(inventory), "--out", out, "--exercises", str(copy), "--quiet"]) == 0
    copy.write_text(copy.read_text().replace("title: Network devices", "title: Devices", 1))
    capsys.readouterr()
    command = ["batch", str(inventory), "--out", out, "--exercises", str(copy), "--resume"]
    assert main(command) == 2
    assert "changed since" in capsys.readouterr().err
