"""Gradescope and PrairieLearn results.json, validated against JSON Schemas written from each
platform's published specification (tests/data/schemas/), on real grades of recorded hosts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from grader.grading import grade_snapshot
from grader.model import load_exercises
from grader.report.gradescope import render_gradescope
from grader.report.prairielearn import render_prairielearn
from grader.result import HostResult, host_error
from grader.snapshot import Snapshot

DATA = Path(__file__).resolve().parents[1] / "data"
SCENARIOS = ["complete", "no-ssh-rule", "fresh", "dhcp-down"]


def schema(name: str) -> jsonschema.Draft202012Validator:
    doc = json.loads((DATA / "schemas" / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(doc)
    return jsonschema.Draft202012Validator(doc)


GRADESCOPE = schema("gradescope-results")
PRAIRIELEARN = schema("prairielearn-results")


def recorded(name: str, only: list[str] | None = None) -> HostResult:
    path = DATA / "snapshots" / f"{name}.json"
    snapshot = Snapshot.from_json(path.read_bytes(), source=str(path))
    return grade_snapshot(snapshot, load_exercises(), only, f"ssh://{name}")


def all_errors() -> HostResult:
    """Reached, but every check is `error`: an OVN host graded on the hybrid checks."""
    result = recorded("ovn", only=["sg"])
    assert not result.has_grade
    return result


def validated(validator: jsonschema.Draft202012Validator, text: str) -> dict[str, Any]:
    doc = json.loads(text)
    validator.validate(doc)
    return doc


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_gradescope_results_follow_the_spec_and_add_up(scenario: str) -> None:
    result = recorded(scenario)
    doc = validated(GRADESCOPE, render_gradescope(result))
    assert doc["score"] == result.score
    assert sum(t["score"] for t in doc["tests"]) == result.score
    assert sum(t["max_score"] for t in doc["tests"]) == result.max_score
    for test in doc["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")
    # nothing is rendered as HTML or markdown: host text stays text
    formats = [doc["output_format"], doc["test_output_format"], doc["test_name_format"]]
    formats += [t[k] for t in doc["tests"] for k in ("output_format", "name_format")]
    assert set(formats) == {"text"}


def test_gradescope_output_teaches_what_to_do() -> None:
    result = recorded("no-ssh-rule")
    doc = validated(GRADESCOPE, render_gradescope(result))
    ssh = next(c for c in result.checks() if c.id == "sg.ssh")
    test = next(t for t in doc["tests"] if t["name"].startswith("sg.ssh:"))
    assert test["status"] == "failed" and test["score"] == 0
    for part in (f"expected: {ssh.expected}", f"hint: {ssh.hint}", f"see: {ssh.see}"):
        assert part in test["output"]
    assert test["output"].startswith("found: no rule allowing tcp port 22")


@pytest.mark.parametrize(
    "result",
    [host_error("ssh://lab-9", "lab-9 is unreachable: connection refused", 100), all_errors()],
    ids=["unreachable", "every-check-error"],
)
def test_gradescope_host_in_error_says_it_is_not_a_grade(result: HostResult) -> None:
    doc = validated(GRADESCOPE, render_gradescope(result))
    assert doc["score"] == 0
    assert "not a grade" in doc["output"]
    assert result.ungraded_reason in doc["output"]
    assert doc["extra_data"]["labgrade_status"] == "error"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_prairielearn_results_follow_the_spec(scenario: str) -> None:
    result = recorded(scenario)
    doc = validated(PRAIRIELEARN, render_prairielearn(result))
    assert doc["gradable"] is True
    assert doc["score"] == pytest.approx(result.score / result.max_score)
    assert [t["name"] for t in doc["tests"]] == [c.id for c in result.checks()]
    assert sum(t["points"] for t in doc["tests"]) == result.score


@pytest.mark.parametrize(
    "result",
    [host_error("ssh://lab-9", "lab-9 is unreachable: connection refused", 100), all_errors()],
    ids=["unreachable", "every-check-error"],
)
def test_prairielearn_host_in_error_is_not_gradable(result: HostResult) -> None:
    doc = validated(PRAIRIELEARN, render_prairielearn(result))
    assert doc["gradable"] is False and "score" not in doc
    assert result.ungraded_reason.rstrip(".") in doc["message"]
    assert doc["format_errors"] == [doc["message"]]


def test_results_stay_small_with_huge_evidence() -> None:
    """PrairieLearn refuses a results.json over 1 MB: each part of a test's output is cut."""
    result = recorded("fresh")
    texts = {"evidence": "x" * 10_000, "expected": "e" * 10_000, "see": "y" * 10_000}
    huge = [
        replace(e, checks=tuple(replace(c, **texts) for c in e.checks)) for e in result.exercises
    ]
    big = replace(result, exercises=tuple(huge))
    assert len(render_prairielearn(big).encode()) < 1_000_000
    assert len(render_gradescope(big).encode()) < 1_000_000


def test_the_schemas_refuse_what_the_specs_do_not_allow() -> None:
    """The schemas have teeth: a status Gradescope does not know, a score out of [0, 1]."""
    assert not GRADESCOPE.is_valid({"score": 1, "tests": [{"status": "skipped"}]})
    assert not GRADESCOPE.is_valid({"tests": [{"name": "no score, no status"}]})
    assert not GRADESCOPE.is_valid({"score": 1, "visibility": "always"})
    assert not PRAIRIELEARN.is_valid({"gradable": True, "score": 85})
    assert not PRAIRIELEARN.is_valid({"message": "no score"})
    assert PRAIRIELEARN.is_valid({"gradable": False, "format_errors": "why"})
