"""Registry of check functions by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CheckFunction = Callable[..., Any]
GathersFunction = Callable[[dict[str, Any]], list[str]]
CHECKS: dict[str, CheckFunction] = {}


def check(
    name: str, gathers: GathersFunction | None = None
) -> Callable[[CheckFunction], CheckFunction]:
    """Register FUNCTION under NAME (the `check:` value in exercises.yaml).

    GATHERS, for checks that need output the standard gather does not collect (the generic
    `command` check), maps the check's YAML params to the extra shell commands to run in the
    host's single gather round trip; the engine collects them from every selected check.
    """

    def register(function: CheckFunction) -> CheckFunction:
        if name in CHECKS and CHECKS[name] is not function:
            raise ValueError(f"check name {name!r} registered twice")
        function.check_name = name  # type: ignore[attr-defined]
        function.gathers = gathers  # type: ignore[attr-defined]
        CHECKS[name] = function
        return function

    return register
