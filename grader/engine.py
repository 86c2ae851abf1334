"""Run the selected checks over a host's facts and score them. Pure: no I/O.

    result = grade(load_exercises(), build_facts(snapshot), only=["sg"], target="ssh://lab-1")

Checks run in `requires` order. A check whose prerequisite did not pass is `skip` ("requires
sg.chain (fail)"), or `error` with its reason when the prerequisite cannot be graded on this
host (CannotGrade: e.g. the backend has no such thing), never a silent skip; a check that
raises is `error` with the exception, and the run goes on. The host's backend picks the
checks (exercises.yaml `backends:`, Exercises.select); one of them that is not made for it
(the lab's own set on Linux bridge, or named with --only) is `error` in place of being called
(`not_applicable`; the rules are in grader/backends.py).
Score = points of the passed checks; max_score = points of the selected checks.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grader.backends import DEFAULT as DEFAULT_BACKEND
from grader.backends import UNKNOWN, cannot_apply
from grader.facts.release_era import ReleaseEra, release_era
from grader.facts.types import Facts
from grader.facts.verdict import cleanup_verdict
from grader.hints import host_names, render_hint
from grader.outcome import CannotGrade, Outcome
from grader.result import CheckResult, ExerciseResult, HostResult
from grader.rubric import CheckFunction, CheckSpec, Exercises, matches

MAX_TEXT = 10_000  # characters kept of a check's evidence / expected / see


@dataclass(frozen=True)
class Ungradable(Outcome):
    """An `error` because the host cannot show what the check needs (CannotGrade): the checks
    that require it cannot be graded either, so they are `error` too, with its reason."""

    reason: str = ""  # the first check's own reason, passed down to its dependants


def not_applicable(spec: CheckSpec, facts: Facts) -> Outcome | None:
    """`error` when SPEC's `backends:` leave out the host's backend (a host with no Neutron
    found, UNKNOWN, is graded: it truly lacks what the lab asks for), or when what tells the
    backends apart was not gathered; None when the check is to be called."""
    if not spec.backends:
        return None
    try:
        facts.backend_recognised  # noqa: B018 (reading it raises CannotGrade when refused)
    except CannotGrade as error:
        return Ungradable("error", str(error) or "the backend is unknown", see=error.see)
    backend = facts.backend or DEFAULT_BACKEND
    if backend == UNKNOWN or spec.applies_to(backend):
        return None
    return Ungradable("error", cannot_apply(backend, spec.backends, bool(facts.backend_problem)))


def run_check(spec: CheckSpec, facts: Facts, checks: Mapping[str, CheckFunction]) -> Outcome:
    """Call the check function; any exception (or a non-Outcome) becomes an `error`."""
    try:
        outcome = checks[spec.check](facts, **spec.params)
    except CannotGrade as error:
        reason = str(error) or "cannot grade this check on this host"
        return Ungradable("error", reason, see=error.see)
    except Exception as error:
        return Outcome("error", f"check '{spec.check}' raised {type(error).__name__}: {error}")
    if not isinstance(outcome, Outcome):
        return Outcome("error", f"check '{spec.check}' returned {type(outcome).__name__}")
    return outcome


def _clip(text: str) -> str:
    text = str(text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "\n... (cut)"


def _to_result(
    spec: CheckSpec, outcome: Outcome, duration: float = 0.0, hint: str | None = None
) -> CheckResult:
    return CheckResult(
        id=spec.id,
        title=spec.title,
        status=outcome.status,
        points=spec.points if outcome.status == "pass" else 0,
        max_points=spec.points,
        evidence=_clip(outcome.evidence),
        expected=_clip(outcome.expected),
        hint=spec.hint if hint is None else hint,
        see=_clip(outcome.see),
        duration=duration,
        why=spec.why,
        section=spec.section,
        step=spec.step,
    )


def evaluate(
    specs: Sequence[CheckSpec],
    facts: Facts,
    checks: Mapping[str, CheckFunction],
    durations: dict[str, float] | None = None,
) -> dict[str, Outcome]:
    """Outcomes of SPECS (already in requires order), prerequisites deciding skips; the
    seconds each check function took go to DURATIONS."""
    outcomes: dict[str, Outcome] = {}
    titles = {spec.id: spec.title for spec in specs}
    for spec in specs:
        blocking = [r for r in spec.requires if not outcomes[r].passed]
        ungradable = [r for r in blocking if isinstance(outcomes[r], Ungradable)]
        if ungradable:
            first = outcomes[ungradable[0]]
            reason = (first.reason if isinstance(first, Ungradable) else "") or first.evidence
            text = f"requires {ungradable[0]}, which cannot be graded here: {reason}"
            outcomes[spec.id] = Ungradable("error", text, reason=reason)
        elif blocking:
            # Titles first: a student knows "ICMP is allowed in", not "sg.icmp".
            reasons = ", ".join(f'"{titles[r]}" ({r}: {outcomes[r].status})' for r in blocking)
            outcomes[spec.id] = Outcome("skip", f"requires {reasons} to pass first")
        else:
            began = time.perf_counter()
            outcomes[spec.id] = not_applicable(spec, facts) or run_check(spec, facts, checks)
            if durations is not None:
                durations[spec.id] = time.perf_counter() - began
    return outcomes


def _discovered(
    facts: Facts,
    exercises: Exercises,
    backend: str,
    only: Sequence[str] | None,
    era: ReleaseEra | None = None,
) -> dict[str, Any]:
    """What the facts discovered, the Neutron releases the host can run (and why), and the
    lab's checks left out for this backend."""
    found = dict(facts.discovered)
    if isinstance(facts, Facts) and era is not None:
        found["release"] = era.describe()
        found["release_evidence"] = list(era.evidence)
    graded_as = exercises.grading_backend(backend)
    if not only and graded_as != DEFAULT_BACKEND:
        left_out = [
            c.id
            for e in exercises.exercises
            if e.default
            for c in e.checks
            if c.applies_to(DEFAULT_BACKEND) and not c.applies_to(graded_as)
        ]
        found["not_graded_on_backend"] = left_out
    return found


def only_hint(exercises: Exercises, only: Sequence[str] | None, backend: str) -> str | None:
    """When --only names a part of the lab that this host's backend grades under another id
    (`--only sg` on ML2/OVN), the id to use instead."""
    graded_as = exercises.grading_backend(backend)
    for name in only or ():
        named = [c for c in exercises.checks() if matches(c, name)]
        if not named or any(c.applies_to(graded_as) for c in named):
            continue
        sections = {c.section for c in named}
        instead = [
            e.id
            for e in exercises.exercises
            if any(
                c.backends and c.section in sections and c.applies_to(graded_as) for c in e.checks
            )
        ]
        if instead:
            return (
                f"--only {name}: this host ({backend}) grades that part of the lab as "
                f"{', '.join(instead)}: run `labgrade check --only {','.join(instead)}`"
            )
    return None


def grade(
    exercises: Exercises,
    facts: Facts,
    only: Sequence[str] | None = None,
    *,
    target: str = "",
    remote_commands: int = 0,
    checks: Mapping[str, CheckFunction] | None = None,
    started: float | None = None,
) -> HostResult:
    """Grade FACTS with the exercises selected by ONLY (None: the default exercises), calling
    the rubric's check functions (CHECKS overrides them)."""
    checks = exercises.registry if checks is None else checks
    started = time.monotonic() if started is None else started
    backend = facts.backend or DEFAULT_BACKEND
    selection = exercises.select(only, backend=backend)
    durations: dict[str, float] = {}
    outcomes = evaluate(selection.to_run, facts, checks, durations)
    # hints name the host's release's commands and its own names (grader/hints.py)
    era = release_era(facts) if isinstance(facts, Facts) else ReleaseEra()
    names = host_names(facts)
    results = tuple(
        ExerciseResult(
            exercise.id,
            exercise.title,
            tuple(
                _to_result(
                    spec,
                    outcomes[spec.id],
                    durations.get(spec.id, 0.0),
                    render_hint(spec.hint, spec.hint_commands, era, names),
                )
                for spec in exercise.checks
            ),
        )
        for exercise in selection.exercises
    )
    return HostResult(
        target=target,
        status="graded",
        backend=facts.backend,
        backend_problem=facts.backend_problem,
        verdict=only_hint(exercises, only, backend)
        or (cleanup_verdict(facts) if isinstance(facts, Facts) else None),
        gather_cut=getattr(facts, "gather_cut", None),
        discovered=_discovered(facts, exercises, backend, only, era),
        score=sum(e.score for e in results),
        max_score=sum(e.max_score for e in results),
        remote_commands=remote_commands,
        exercises=results,
        duration=time.monotonic() - started,
    )
