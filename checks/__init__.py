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

from checks._registry import CHECKS, CheckFunction, check, load_all

__all__ = ["CHECKS", "CheckFunction", "check", "load_all"]
