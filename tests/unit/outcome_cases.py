"""Cases for the outcome tests: a variation of a recorded Neutron host and the status the
engine must give one check on it (see test_check_outcomes*.py).

    case("nat.dnat", "fail", edit_in("no_output_dnat", "iptables_save", QROUTER, drop="-A ..."))
    graded(hybrid, change, "15.0.0")["nat.dnat"].status
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from grading import grade
from neutron_host import Host

Variation = Callable[[Host], Host]
Builder = Callable[[str], Host]


def case(check_id: str, status: str, change: Variation | None = None, tag: str = "15.0.0",
         only: str | None = None, marks: Any = ()) -> Any:  # fmt: skip
    """One pytest.param (check_id, status, change, tag, only), named after its variation."""
    name = change.__name__ if change else "as-neutron-writes-it"
    case_id = f"{check_id}-{status}-{name}-{tag}"
    return pytest.param(check_id, status, change, tag, only, id=case_id, marks=marks)


def named(name: str, change: Variation) -> Variation:
    change.__name__ = name
    return change


def edit_in(
    name: str, key: str, ns: str | None = None, arg: str | None = None, **how: Any
) -> Variation:
    """Host.edit of one record (drop= / add= after= / replace=)."""
    return named(name, lambda host: host.edit(key, ns, arg, **how))


def fail_in(
    name: str,
    key: str,
    ns: str | None = None,
    arg: str | None = None,
    err: str = "Permission denied",
) -> Variation:
    """The record's command ran and was refused."""
    return named(name, lambda host: host.fail(key, ns, arg, err=err))


def without_ns(ns: str) -> Variation:
    """The namespace NS is not there: not listed, nothing gathered in it."""

    def change(host: Host) -> Host:
        for key in [k for k in host.records if k[1] == ns or k[2] == ns]:
            del host.records[key]
        return host.edit("netns_list", drop=ns)

    return named(f"no_{ns.split('-')[0]}", change)


def graded(build: Builder, change: Variation | None, tag: str, only: str | None = None) -> dict:
    host = build(tag)
    if change is not None:
        host = change(host)
    return grade(host.facts(), only)


def assert_outcome(result: Any, status: str) -> None:
    assert result.status == status, result.evidence
    assert result.evidence  # every outcome says what was found, or why not
    if status == "fail":
        assert result.expected and result.see
