"""The checks: small functions over a host's parsed facts, registered by name.

A check is one function plus one YAML entry in exercises.yaml:

    from checks import check
    from grader.facts import Facts
    from grader.outcome import Outcome, passed, failed

    @check("sg_rule")
    def sg_rule(facts: Facts, *, protocol: str, port: int | None = None) -> Outcome:
        '''RETURN rule for PROTOCOL (and PORT) in the instance's inbound chain.'''
        ...

The keyword-only parameters (with their type hints and defaults) are the check's YAML
parameters: the exercise loader validates names and types against the signature.
"""

import importlib
import pkgutil

from checks._registry import CHECKS, CheckFunction, check

__all__ = ["CHECKS", "CheckFunction", "check", "load_all"]


def load_all() -> dict[str, CheckFunction]:
    """Every check of this package, by name: its modules are imported, which registers them.
    Called once where a command starts (grader/rubric.py); nothing reads CHECKS before."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return CHECKS
