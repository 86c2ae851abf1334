"""Test helper: grade a recorded snapshot with exercises.yaml through the real engine.

    statuses("complete")                     # {check id: "pass" | "fail" | "skip" | "error"}
    grade(facts_of("no-ssh-rule"))["sg.ssh"]  # its CheckResult: evidence, expected, see
    edited("complete", unreadable({"route"}))  # the snapshot with some records changed

grader.engine.grade decides everything (the host's backend picks the checks, `requires:`
gives skip or passes an error down); this module only reads its HostResult.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from checks import load_all
from grader.engine import grade as engine_grade
from grader.facts import Facts, build_facts
from grader.model import Exercises, load_exercises
from grader.result import CheckResult
from grader.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "data" / "snapshots"


@cache
def rubric() -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "exercises.yaml").read_text())
    return data["exercises"]


def snapshot(name: str) -> Snapshot:
    path = SNAPSHOTS / f"{name}.json"
    return Snapshot.from_json(path.read_bytes(), source=str(path))


def facts_of(name: str) -> Facts:
    return build_facts(snapshot(name))


def edited(name: str, *edits: Callable[[dict[str, Any]], None]) -> Facts:
    """Facts of the recorded snapshot NAME after EDITS changed its records (dicts with key, ns,
    arg, rc, out, err) in place; a record an edit sets to {} is dropped."""
    doc = snapshot(name).to_dict()
    for record in doc["records"]:
        for edit in edits:
            if record:
                edit(record)
    doc["records"] = [record for record in doc["records"] if record]
    return build_facts(Snapshot.from_dict(doc))


Edit = Callable[[dict[str, Any]], None]
RULES = {"iptables_save", "iptables_legacy_save", "iptables_nft_save"}


def _in(record: dict[str, Any], ns_prefix: str | None) -> bool:
    """RECORD is from the root namespace (NS_PREFIX None) or a namespace named NS_PREFIX*."""
    ns = record["ns"]
    return ns is None if ns_prefix is None else (ns or "").startswith(ns_prefix)


def unreadable(
    keys: set[str], ns_prefix: str | None = None, err: str = "Permission denied"
) -> Edit:
    """An edit for `edited`: the records KEYS failed (root namespace, or NS_PREFIX*)."""

    def edit(record: dict[str, Any]) -> None:
        if record["key"] in keys and _in(record, ns_prefix):
            record.update(rc=1, out="", err=err)

    return edit


def pasted(table: str, *lines: str, ns_prefix: str | None = None) -> Edit:
    """An edit for `edited`: iptables-save LINES (`:chain - [0:0]`, `-A chain ...`) put at the
    top of TABLE in every rules listing read (root namespace, or NS_PREFIX*)."""
    header = f"*{table}\n"

    def edit(record: dict[str, Any]) -> None:
        if record["key"] in RULES and _in(record, ns_prefix) and record["rc"] == 0:
            added = "".join(f"{line}\n" for line in lines)
            record["out"] = record["out"].replace(header, header + added, 1)

    return edit


@cache
def exercises() -> Exercises:
    return load_exercises(ROOT / "exercises.yaml")


def grade(facts: Facts, only: str | None = None) -> dict[str, CheckResult]:
    """The engine's results of the checks it selects for this host's backend (or ONLY)."""
    result = engine_grade(exercises(), facts, [only] if only else None, checks=load_all())
    return {check.id: check for check in result.checks()}


def statuses(name: str | Facts, only: str | None = None) -> dict[str, str]:
    facts = facts_of(name) if isinstance(name, str) else name
    return {key: value.status for key, value in grade(facts, only).items()}
