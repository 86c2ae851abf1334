"""The wrapper scripts each platform runs (scripts/autograders/), run as the platform runs
them, on a directory laid out like its container: Gradescope's /autograder (submission/,
results/results.json) and PrairieLearn's /grade (student/, results/results.json). What they
write is validated against the platform's schema (tests/data/schemas/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
GRADESCOPE = REPO / "scripts" / "autograders" / "gradescope" / "run_autograder"
PRAIRIELEARN = REPO / "scripts" / "autograders" / "prairielearn" / "run.sh"


def validator(name: str) -> jsonschema.Draft202012Validator:
    doc = json.loads((DATA / "schemas" / f"{name}.schema.json").read_text())
    return jsonschema.Draft202012Validator(doc)


def run(script: Path, root: Path, variable: str) -> dict[str, Any]:
    """SCRIPT as the platform runs it (working directory ROOT), with labgrade from this venv."""
    labgrade = Path(sys.executable).with_name("labgrade")
    env = {**os.environ, variable: str(root), "LABGRADE": str(labgrade)}
    env["PYTHON"] = sys.executable
    done = subprocess.run([str(script)], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def submit(folder: Path, *snapshots: str) -> None:
    folder.mkdir(parents=True)
    for index, name in enumerate(snapshots):
        shutil.copy(DATA / "snapshots" / f"{name}.json", folder / f"snapshot{index}.json")


@pytest.mark.parametrize(("scenario", "score"), [("complete", 100), ("no-ssh-rule", 90)])
def test_gradescope_grades_the_submitted_snapshot(tmp_path: Path, scenario: str, score: int):
    submit(tmp_path / "submission", scenario)
    doc = run(GRADESCOPE, tmp_path, "AUTOGRADER_ROOT")
    validator("gradescope-results").validate(doc)
    assert doc["score"] == score
    assert len(doc["tests"]) > 20


def test_gradescope_uses_the_rubric_in_the_zip(tmp_path: Path) -> None:
    submit(tmp_path / "submission", "complete")
    (tmp_path / "source").mkdir()
    rubric = (REPO / "exercises.yaml").read_text()
    assert "title: SSH (tcp/22) is allowed in" in rubric
    rubric = rubric.replace("title: SSH (tcp/22) is allowed in", "title: SSH, as our course says")
    (tmp_path / "source" / "exercises.yaml").write_text(rubric)
    doc = run(GRADESCOPE, tmp_path, "AUTOGRADER_ROOT")
    assert "sg.ssh: SSH, as our course says" in [t["name"] for t in doc["tests"]]


@pytest.mark.parametrize(
    ("files", "why"),
    [((), "this submission has 0"), (("complete", "fresh"), "this submission has 2")],
    ids=["nothing", "two-files"],
)
def test_gradescope_wrong_submission_is_not_a_grade(
    tmp_path: Path, files: tuple[str, ...], why: str
) -> None:
    submit(tmp_path / "submission", *files)
    doc = run(GRADESCOPE, tmp_path, "AUTOGRADER_ROOT")
    validator("gradescope-results").validate(doc)
    assert doc["score"] == 0 and why in doc["output"] and "not a grade" in doc["output"]


def test_gradescope_a_file_that_is_not_a_snapshot_says_why(tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "notes.json").write_text('{"hello": "world"}')
    doc = run(GRADESCOPE, tmp_path, "AUTOGRADER_ROOT")
    validator("gradescope-results").validate(doc)
    assert doc["score"] == 0 and "notes.json" in doc["output"]


def test_prairielearn_grades_the_uploaded_snapshot(tmp_path: Path) -> None:
    submit(tmp_path / "student", "no-ssh-rule")
    doc = run(PRAIRIELEARN, tmp_path, "GRADE_ROOT")
    validator("prairielearn-results").validate(doc)
    assert doc["gradable"] is True and doc["score"] == pytest.approx(0.90)


@pytest.mark.parametrize("content", [None, "not json at all"], ids=["nothing", "not-json"])
def test_prairielearn_wrong_upload_is_not_gradable(tmp_path: Path, content: str | None) -> None:
    (tmp_path / "student").mkdir()
    if content is not None:
        (tmp_path / "student" / "upload.json").write_text(content)
    doc = run(PRAIRIELEARN, tmp_path, "GRADE_ROOT")
    validator("prairielearn-results").validate(doc)
    assert doc["gradable"] is False and "score" not in doc
    assert "labgrade could not grade this submission" in doc["message"]
