"""What one check decides about one host: the value a check function returns.

A check returns an Outcome (pass / fail / error) and never raises for a host that is merely
wrong; raising CannotGrade (or any exception) turns into `error` with the reason. `skip` is
not decided by checks: the engine gives it when a check listed in `requires:` did not pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["pass", "fail", "skip", "error"]


@dataclass(frozen=True)
class Outcome:
    status: Status
    evidence: str = ""  # what was found on the host: the exact line(s), or "nothing matched"
    expected: str = ""  # what a passing host shows
    see: str = ""  # a command the student can run to look for themselves

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def passed(evidence: str = "", *, see: str = "", expected: str = "") -> Outcome:
    return Outcome("pass", evidence, expected, see)


def failed(evidence: str, *, expected: str = "", see: str = "") -> Outcome:
    return Outcome("fail", evidence, expected, see)


class CannotGrade(Exception):
    """Raised by a check (or a fact lookup) when the host gives nothing to decide on."""

    # CannotGrade(reason) or CannotGrade(reason, see): str() is the reason alone, never a tuple.
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    @property
    def see(self) -> str:
        """The command to look for yourself, when the check gave one."""
        return str(self.args[1]) if len(self.args) > 1 else ""
