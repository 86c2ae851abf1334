"""What grading one host produced: plain values that the reporters consume.

HostResult.to_dict() is the JSON report documented in docs/json-schema.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from grader import __version__
from grader.outcome import Status

JSON_FORMAT = "labgrade-result/1"
HostStatus = Literal["graded", "error"]
# the key, in a report's `discovered`, naming the tools the gather ran from outside the
# distribution's directories (grader/identity.py)
FOREIGN_TOOLS = "tools outside the distribution"


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    status: Status
    points: int | float  # earned: max_points when passed, else 0
    max_points: int | float
    evidence: str = ""
    expected: str = ""
    hint: str = ""
    see: str = ""
    duration: float = 0.0  # seconds the check function took (JUnit's testcase time)
    why: str = ""  # what the check means in Neutron (exercises.yaml `why:`)
    section: str = ""  # the lab section it belongs to
    step: str = "explore"  # where in the lab's order it comes

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "evidence": self.evidence,
            "expected": self.expected,
            "hint": self.hint,
            "see": self.see,
            "duration": round(self.duration, 6),
            "why": self.why,
            "section": self.section,
        }


@dataclass(frozen=True)
class ExerciseResult:
    id: str
    title: str
    checks: tuple[CheckResult, ...]

    @property
    def score(self) -> int | float:
        return sum(check.points for check in self.checks)

    @property
    def max_score(self) -> int | float:
        return sum(check.max_points for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "max_score": self.max_score,
            "checks": [check.to_dict() for check in self.checks],
        }


@dataclass(frozen=True)
class SnapshotSource:
    """Where a result graded from a saved snapshot (`check --snapshot FILE`) comes from."""

    file: str
    collected_at: str | None = None  # as `labgrade collect` recorded it; None: not recorded

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "collected_at": self.collected_at}


@dataclass(frozen=True)
class HostResult:
    target: str
    status: HostStatus = "graded"
    error: str | None = None  # the one-line reason when status is "error"
    backend: str = ""
    backend_problem: str | None = None
    verdict: str | None = None  # one line on where the host stands (e.g. looks cleaned up)
    discovered: dict[str, Any] = field(default_factory=dict)  # docs/json-schema.md
    score: int | float = 0
    max_score: int | float = 0
    remote_commands: int = 0
    exercises: tuple[ExerciseResult, ...] = ()
    duration: float = 0.0  # seconds, connect + gather + grade
    snapshot: SnapshotSource | None = None  # graded from this saved snapshot, not live
    attempts: int = 0  # connections tried to gather the host (0: graded from a snapshot)
    rubric: str | None = None  # digest of the rubric that graded it (grader/stamp.py)
    graded_at: str | None = None  # when (UTC, ISO 8601)
    gather_cut: str | None = None  # the snapshot is cut short ("complete": false): where
    # what makes the host's state its own (grader/identity.py), and what the class-level
    # cross-check found shared with classmates (batch, regrade); neither changes the score
    identity: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    def checks(self) -> list[CheckResult]:
        return [check for exercise in self.exercises for check in exercise.checks]

    @property
    def ungraded_reason(self) -> str | None:
        """Why this host has no grade, in one line; None when it has one. A host has none when
        it could not be graded (status `error`), and also when it was reached but every
        selected check is `error` and none passed or failed (gathered without root, every
        tool missing, a backend the checks cannot apply to): then the reason is the first
        errored check's. `check` exits 3 for it, and batch and regrade list it as an error."""
        if self.status == "error":
            return self.error or "could not grade"
        counts = self.counts()
        if not counts["error"] or counts["pass"] + counts["fail"]:
            return None
        first = next(check for check in self.checks() if check.status == "error")
        why = first.evidence.strip().split("\n", 1)[0] or "could not grade"
        return f"no check could be graded: {first.id}: {why}"

    @property
    def has_grade(self) -> bool:
        """Some check passed or failed (see ungraded_reason)."""
        return self.ungraded_reason is None

    @property
    def all_passed(self) -> bool:
        return self.status == "graded" and all(c.status == "pass" for c in self.checks())

    def counts(self) -> dict[str, int]:
        counts = {"pass": 0, "fail": 0, "skip": 0, "error": 0}
        for check in self.checks():
            counts[check.status] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": JSON_FORMAT,
            "labgrade_version": __version__,
            "rubric": self.rubric,
            "graded_at": self.graded_at,
            "target": self.target,
            "snapshot": self.snapshot.to_dict() if self.snapshot else None,
            "status": self.status,
            "error": self.error,
            "backend": self.backend,
            "backend_problem": self.backend_problem,
            "verdict": self.verdict,
            "gather_cut": self.gather_cut,
            "discovered": dict(self.discovered),
            "score": self.score if self.has_grade else None,  # no grade: null, never 0
            "max_score": self.max_score,
            "remote_commands": self.remote_commands,
            "attempts": self.attempts,
            "identity": {kind: list(values) for kind, values in self.identity.items()},
            "flags": list(self.flags),
            "duration": round(self.duration, 3),
            "counts": self.counts(),
            "exercises": [exercise.to_dict() for exercise in self.exercises],
        }


def host_error(target: str, reason: str, max_score: int | float = 0, **extra: Any) -> HostResult:
    """The result for a host that could not be graded: the one-line REASON, no checks."""
    return HostResult(target=target, status="error", error=reason, max_score=max_score, **extra)


@dataclass(frozen=True)
class Run:
    """One recorded `labgrade check` run on the host itself (grader/history.py)."""

    at: str  # ISO 8601, UTC, seconds
    score: float
    max_score: float
    statuses: dict[str, str]  # check id -> status


@dataclass(frozen=True)
class History:
    """What the text report shows of the history: when each check first passed, the best run."""

    first_passes: dict[str, str]
    best: Run | None
