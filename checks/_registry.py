"""Registry of check functions by name."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

CheckFunction = Callable[..., Any]
CHECKS: dict[str, CheckFunction] = {}


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register FUNCTION under NAME (the `check:` value in exercises.yaml)."""

    def register(function: CheckFunction) -> CheckFunction:
        if name in CHECKS and CHECKS[name] is not function:
            raise ValueError(f"check name {name!r} registered twice")
        CHECKS[name] = function
        return function

    return register


def load_all() -> dict[str, CheckFunction]:
    """Import every module of the checks package so that all checks are registered."""
    import checks

    for info in pkgutil.iter_modules(checks.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"checks.{info.name}")
    return CHECKS
