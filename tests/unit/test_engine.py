"""The engine: requires/skip, errors from raising checks, scoring, --only, backend problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from grading_fakes import FAKE_EXERCISES, StandInFacts, write_exercises

from checks import CHECKS
from grader import backends
from grader.engine import grade
from grader.model import load_exercises

FAKES = {name: fn for name, fn in CHECKS.items() if name.startswith("fake_")}


@pytest.fixture
def exercises(tmp_path: Path):
    return load_exercises(write_exercises(tmp_path), checks=FAKES)


def statuses(result) -> dict[str, str]:
    return {check.id: check.status for check in result.checks()}


def test_everything_passes(exercises) -> None:
    result = grade(exercises, StandInFacts(), target="local://", checks=FAKES)
    assert statuses(result) == {
        "basics.first": "pass",
        "basics.second": "pass",
        "more.third": "pass",
    }
    assert (result.score, result.max_score) == (20, 20)
    assert result.all_passed and result.status == "graded" and result.target == "local://"
    assert result.backend == backends.HYBRID
    assert result.discovered == {"instance_port": "tap1234"}


def test_a_failed_prerequisite_skips_what_requires_it(exercises) -> None:
    result = grade(exercises, StandInFacts(failing={"first"}), checks=FAKES)
    assert statuses(result) == {
        "basics.first": "fail",
        "basics.second": "skip",
        "more.third": "skip",
    }
    second, third = result.checks()[1:]
    assert second.evidence == 'requires "The first thing" (basics.first: fail) to pass first'
    assert third.evidence.startswith('requires "') and "(basics.second: skip)" in third.evidence
    assert (result.score, result.max_score) == (0, 20)
    assert second.points == 0 and second.max_points == 10


def test_scoring_counts_only_passed_points(exercises) -> None:
    result = grade(exercises, StandInFacts(failing={"third"}), checks=FAKES)
    assert (result.score, result.max_score) == (15, 20)
    assert result.exercises[0].score == 15 and result.exercises[1].score == 0
    assert not result.all_passed
    assert result.counts() == {"pass": 2, "fail": 1, "skip": 0, "error": 0}


def test_failure_carries_evidence_hint_and_see(exercises) -> None:
    result = grade(exercises, StandInFacts(failing={"third"}), checks=FAKES)
    third = result.checks()[2]
    assert third.evidence == "third is missing"
    assert third.hint == "The third needs the second."
    assert third.see == "look for third"


def test_a_raising_check_is_an_error_and_the_run_goes_on(tmp_path: Path) -> None:
    text = FAKE_EXERCISES.replace(
        "check: fake_switch\n        params: {name: first}", "check: fake_raise"
    )
    exercises = load_exercises(write_exercises(tmp_path, text), checks=FAKES)
    result = grade(exercises, StandInFacts(), checks=FAKES)
    first = result.checks()[0]
    assert first.status == "error"
    assert "KeyError" in first.evidence and "qg-" in first.evidence
    assert statuses(result)["basics.second"] == "skip"
    assert result.checks()[1].evidence == (
        'requires "The first thing" (basics.first: error) to pass first'
    )


def test_cannot_grade_and_non_outcomes_are_errors(tmp_path: Path) -> None:
    from grader.outcome import CannotGrade

    def cannot(facts) -> None:
        raise CannotGrade("ML2/OVN has no qbr bridges", "sudo ovn-nbctl show")

    def returns_none(facts) -> None:
        return None

    checks = {**FAKES, "fake_switch": lambda facts, name: cannot(facts)}
    exercises = load_exercises(write_exercises(tmp_path), checks=FAKES)
    result = grade(exercises, StandInFacts(), checks=checks)
    assert result.checks()[0].status == "error"
    assert result.checks()[0].evidence == "ML2/OVN has no qbr bridges"
    assert result.checks()[0].see == "sudo ovn-nbctl show"  # where to look, kept
    checks = {**FAKES, "fake_switch": lambda facts, name: returns_none(facts)}
    result = grade(exercises, StandInFacts(), checks=checks)
    assert "returned NoneType" in result.checks()[0].evidence


def test_only_an_exercise_or_a_check(exercises) -> None:
    result = grade(exercises, StandInFacts(), only=["cleanup"], checks=FAKES)
    assert statuses(result) == {"cleanup.gone": "pass"}
    assert (result.score, result.max_score) == (2, 2)
    result = grade(exercises, StandInFacts(failing={"first"}), only=["more.third"], checks=FAKES)
    # the prerequisites run, unreported, to decide the skip
    assert statuses(result) == {"more.third": "skip"}
    assert result.max_score == 5


def test_backend_problem_is_carried_to_the_result(exercises) -> None:
    facts = StandInFacts(backend=backends.OVN, backend_problem="this host runs ML2/OVN")
    result = grade(exercises, facts, checks=FAKES)
    assert result.backend == backends.OVN
    assert result.backend_problem == "this host runs ML2/OVN"
