"""Small stand-ins for the grading tests: fake checks, a Facts-like value, exercise files.

The fake checks are registered in the real registry under names starting with `fake_`, so
the CLI finds them like any check; each decides from the stand-in facts it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from checks import check
from grader import backends
from grader.outcome import Outcome, failed, passed


@dataclass
class StandInFacts:
    """What the engine reads from grader.facts.Facts, plus a switch per fake check."""

    backend: str = backends.HYBRID
    backend_problem: str | None = None
    discovered: dict[str, object] = field(default_factory=lambda: {"instance_port": "tap1234"})
    failing: set[str] = field(default_factory=set)  # ids passed to fake_switch that fail


@check("fake_pass")
def fake_pass(facts: StandInFacts) -> Outcome:
    return passed("found it", see="ip link")


@check("fake_fail")
def fake_fail(facts: StandInFacts, *, evidence: str = "nothing matched") -> Outcome:
    return failed(evidence, expected="a RETURN rule", see="iptables-save | grep tap")


@check("fake_switch")
def fake_switch(facts: StandInFacts, *, name: str) -> Outcome:
    if name in getattr(facts, "failing", ()):
        return failed(f"{name} is missing", see=f"look for {name}")
    return passed(f"{name} is there")


@check("fake_outcome")
def fake_outcome(facts: object, *, status: str, evidence: str = "") -> Outcome:
    """Whatever STATUS says: for tests that drive the CLI with real facts."""
    return Outcome(status, evidence or f"decided {status}", see="labgrade list")  # type: ignore[arg-type]


@check("fake_raise")
def fake_raise(facts: StandInFacts) -> Outcome:
    raise KeyError("qg-")


@check("fake_typed")
def fake_typed(
    facts: StandInFacts,
    *,
    text: str = "",
    count: int = 0,
    ratio: float = 0.0,
    flag: bool = False,
    names: list[str] | None = None,
    port: int | None = None,
) -> Outcome:
    return passed(f"{text}/{count}/{ratio}/{flag}/{names}/{port}")


@check("fake_command", gathers=lambda params: [params["command"]])
def fake_command(facts: StandInFacts, *, command: str) -> Outcome:
    return passed(command)


FAKE_EXERCISES = """\
version: 1
exercises:
  - id: basics
    title: Basics
    checks:
      - id: basics.first
        title: The first thing
        points: 5
        check: fake_switch
        params: {name: first}
        hint: Create the first thing.
      - id: basics.second
        title: The second thing, built on the first
        points: 10
        check: fake_switch
        params: {name: second}
        requires: [basics.first]
        hint: Then the second.
  - id: more
    title: More
    checks:
      - id: more.third
        title: A third thing
        points: 5
        check: fake_switch
        params: {name: third}
        requires: [basics.second]
        hint: The third needs the second.
  - id: cleanup
    title: Clean up
    default: false
    checks:
      - id: cleanup.gone
        title: Everything is gone
        points: 2
        check: fake_switch
        params: {name: gone}
"""


def outcome_exercises(*statuses: str) -> str:
    """An exercises file with one fake_outcome check per STATUS, 10 points each."""
    checks = "".join(
        f"""      - id: one.c{i}
        title: Check {i}
        points: 10
        check: fake_outcome
        params: {{status: {status}}}
        hint: Hint {i}.
"""
        for i, status in enumerate(statuses)
    )
    return f"version: 1\nexercises:\n  - id: one\n    title: One\n    checks:\n{checks}"


EMPTY_SNAPSHOT = '{"format": "labgrade-snapshot/1", "complete": true, "records": []}\n'


def write_exercises(directory: Path, text: str = FAKE_EXERCISES, name: str = "ex.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
