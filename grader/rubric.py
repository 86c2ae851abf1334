"""The rubric: the exercises of exercises.yaml as frozen, validated values, with the check
functions they were validated against (Exercises.registry). grader/model.py builds it once,
where a command starts, and it is passed down to whatever grades.

    exercises = load_exercises()                  # grader.model; or load_exercises(path)
    selection = exercises.select(["cleanup"])     # --only; None = the default exercises
    exercises.registry[spec.check](facts, **spec.params)   # what the engine calls
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from grader.backends import DEFAULT as DEFAULT_BACKEND
from grader.errors import LabgradeError


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    points: int | float
    check: str  # a registered check name
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)
    requires: tuple[str, ...] = ()
    hint: str = ""
    exercise: str = ""  # the id of the exercise it belongs to
    line: int = 0
    backends: tuple[str, ...] = ()  # its own `backends:`, else its exercise's; () = all
    why: str = ""  # one sentence: what the check means in Neutron
    section: str = ""  # the lab's section it belongs to (the exercise's `section:` or title)
    step: str = "explore"  # where in the lab's order it comes (exercise `step:`)
    devstack: bool = False  # passes on a fresh DevStack: Neutron's work, not the student's
    # the hint's `{command}` per release, oldest first: ((release, command), ...) (grader/hints.py)
    hint_commands: tuple[tuple[str, str], ...] = ()

    def applies_to(self, backend: str) -> bool:
        """Whether BACKEND is among those the check is made for."""
        return not self.backends or backend in self.backends


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    checks: tuple[CheckSpec, ...]
    default: bool = True
    line: int = 0

    @property
    def max_points(self) -> int | float:
        return sum(check.points for check in self.checks)


@dataclass(frozen=True)
class Selection:
    """What a run grades: the selected exercises (with only the selected checks) and every
    check to evaluate, in `requires` order (prerequisites of a selected check included)."""

    exercises: tuple[Exercise, ...]
    to_run: tuple[CheckSpec, ...]

    @property
    def selected_ids(self) -> frozenset[str]:
        return frozenset(c.id for e in self.exercises for c in e.checks)


CheckFunction = Callable[..., Any]  # a check: (facts, **params) -> Outcome (checks/)


@dataclass(frozen=True)
class Exercises:
    """The rubric: the exercises, and the check functions their specs name."""

    path: str
    exercises: tuple[Exercise, ...]
    order: tuple[str, ...] = ()  # every check id, prerequisites first
    registry: Mapping[str, CheckFunction] = field(default_factory=dict, compare=False, repr=False)
    mistakes: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def checks(self) -> list[CheckSpec]:
        return [check for exercise in self.exercises for check in exercise.checks]

    def check(self, check_id: str) -> CheckSpec:
        return next(c for c in self.checks() if c.id == check_id)

    def grading_backend(self, backend: str) -> str:
        """The backend whose set of checks grades a host running BACKEND: BACKEND itself when
        some check is made for it and not for the lab's own backend (a variant: ovsfw.*,
        ovn.*), else the lab's own (backends.DEFAULT), whose checks that leave BACKEND out
        are then `error` (grader/engine.py)."""
        variants = {
            b for c in self.checks() if DEFAULT_BACKEND not in c.backends for b in c.backends
        }
        return backend if backend in variants else DEFAULT_BACKEND

    def selectable_ids(self) -> list[str]:
        """What --only accepts: exercise ids, check ids and the prefixes before their dots."""
        ids = [e.id for e in self.exercises] + [c.id for c in self.checks()]
        prefixes = [c.id[:at] for c in self.checks() for at, char in enumerate(c.id) if char == "."]
        return list(dict.fromkeys(ids + prefixes))

    def select(
        self, only: Sequence[str] | None = None, backend: str | None = DEFAULT_BACKEND
    ) -> Selection:
        """The default exercises whose checks apply to BACKEND (None: every backend's), or
        those named by ONLY: exercise ids, check ids, or an id prefix before a dot (`sg`
        selects sg.ssh, sg.icmp ...). An exercise or prefix brings the checks of it that apply
        to BACKEND (all of them when none does); a check named by its id is always selected
        (the engine makes it `error` where its `backends:` leave BACKEND out). So naming every
        default exercise grades what the default does."""
        if only:
            unknown = [n for n in only if not any(matches(c, n) for c in self.checks())]
            if unknown:
                raise LabgradeError(
                    f"--only {unknown[0]}: no such exercise or check"
                    f"{_did_you_mean(unknown[0], self.selectable_ids())} (see `labgrade list`)"
                )
            chosen = None if backend is None else self.grading_backend(backend)
            wanted = set()
            for name in only:
                named = [c for c in self.checks() if matches(c, name)]
                fitting = [c for c in named if chosen is None or c.applies_to(chosen)]
                exact = any(c.id == name for c in named)
                wanted |= {c.id for c in (named if exact or not fitting else fitting)}
        else:
            chosen = None if backend is None else self.grading_backend(backend)
            wanted = {
                c.id
                for e in self.exercises
                if e.default
                for c in e.checks
                if chosen is None or c.applies_to(chosen)
            }
        exercises = []
        for exercise in self.exercises:
            chosen = tuple(c for c in exercise.checks if c.id in wanted)
            if chosen:
                exercises.append(replace(exercise, checks=chosen))
        needed = set(wanted)
        for check_id in reversed(self.order):  # prerequisites come after what needs them
            if check_id in needed:
                needed.update(self.check(check_id).requires)
        to_run = tuple(self.check(i) for i in self.order if i in needed)
        return Selection(tuple(exercises), to_run)


def matches(check: CheckSpec, name: str) -> bool:
    """CHECK is selected by the --only NAME: its id, its exercise, or a prefix before a dot."""
    return name in (check.id, check.exercise) or check.id.startswith(name + ".")


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    """ " (did you mean 'X'?)" for the choice closest to NAME, ignoring case; else ""."""
    close = difflib.get_close_matches(name.lower(), list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
