"""A one-line verdict on where a host stands in the lab, when the checks alone would mislead:
a host whose instance is gone looks like a failing student, but may be one who finished and
cleaned up (the lab's last step).

    cleanup_verdict(facts)  # -> "looks cleaned up: ..." or None
"""

from __future__ import annotations

from grader.facts.types import Facts
from grader.outcome import CannotGrade

CLEANED_UP = (
    "looks cleaned up (no instance, no floating IP; DevStack's router and network remain): "
    "grade before cleaning up, or run `labgrade check --only cleanup`"
)
HALF_CLEANED = (
    "no instance, but a floating IP is left: the clean-up is not finished "
    "(`labgrade check --only cleanup` shows what is left)"
)


def _floating_left(facts: Facts) -> bool:
    if any(router.floating for router in facts.routers):
        return True
    northbound = facts.northbound
    return bool(
        northbound and any(nat.type == "dnat_and_snat" for r in northbound.routers for nat in r.nat)
    )


def _infrastructure(facts: Facts) -> bool:
    northbound = facts.northbound
    return bool(facts.routers or facts.dhcp or (northbound and northbound.routers))


def cleanup_verdict(facts: Facts) -> str | None:
    """CLEANED_UP or HALF_CLEANED when no instance is left on a host DevStack set up; None
    too when what it reads could not be gathered (no verdict on what was not seen)."""
    try:
        if facts.instance is not None or facts.other_instances or not _infrastructure(facts):
            return None
        return HALF_CLEANED if _floating_left(facts) else CLEANED_UP
    except CannotGrade:
        return None
