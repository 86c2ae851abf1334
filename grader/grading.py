"""Gather and grade one host, or grade one snapshot: what check, collect, batch and regrade share.

    result, snapshot = grade_target("ssh://lab-1", options, exercises, only=["sg"])
    result = grade_snapshot(snapshot, exercises, only=None, target="ssh://lab-1")

A host that cannot be gathered, or whose output cannot be read, becomes an `error` result with
the reason in words; nothing is raised for it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import IO

from grader.ansible_inventory import ansible_target
from grader.connect import GatherCut, retry_to_file, run_with_retries
from grader.connect_options import ConnectOptions
from grader.engine import grade
from grader.errors import HostError, InputFileError
from grader.facts import build_facts
from grader.facts.sourced import cut_point
from grader.gather import END_MARK, gather_command, parse_gather_output
from grader.host_spec import host_name, redact
from grader.identity import FOREIGN_TOOLS, foreign_tools, host_identity
from grader.model import Exercises, extra_commands
from grader.result import HostResult, host_error
from grader.snapshot import Snapshot


def gather_snapshot(
    spec: str, extra_commands: Sequence[str], options: ConnectOptions
) -> tuple[Snapshot, int, int]:
    """Gather SPEC in one remote command: (snapshot, remote commands run, connections tried).

    A gather cut short (the connection lost, the script stopped by a signal) is run once more;
    cut again, the host is a HostError saying where. The snapshot is stamped with the target
    (without any password) and the time of gathering, so a saved one (`collect`, a batch's
    students/<id>.snapshot.json) says where and when."""
    command = gather_command(list(extra_commands))
    reach, reach_options = spec, options
    if spec.startswith("ansible://"):  # resolved as Ansible does, then reached as any host
        reach, reach_options = ansible_target(spec, options)
    name = host_name(spec)
    snapshot, remote_commands, attempts, why = _gather_once(name, reach, command, reach_options)
    if not snapshot.complete:
        first = f"{name}: the gather was cut {cut_point(snapshot)} ({why})"
        try:
            snapshot, more, tried, why = _gather_once(name, reach, command, reach_options)
        except HostError as error:
            failure = HostError(f"{first}, and a second try failed: {error}")
            failure.attempts = attempts + error.attempts
            raise failure from None
        remote_commands, attempts = remote_commands + more, attempts + tried
        if not snapshot.complete:
            failure = HostError(f"{first}, and again on a second try, {cut_point(snapshot)}")
            failure.attempts = attempts
            raise failure
    collected_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    stamped = snapshot.with_meta(target=redact(spec), collected_at=collected_at)
    return stamped, remote_commands, attempts


def _gather_once(
    name: str, spec: str, command: str, options: ConnectOptions
) -> tuple[Snapshot, int, int, str]:
    """One gather: its snapshot (maybe cut short), the remote commands run, the connections
    tried, and why it was cut if it was (NAME: the host, for messages)."""
    try:
        stdout, remote_commands, attempts = run_with_retries(spec, command, options)
    except GatherCut as cut:
        try:
            snapshot = parse_gather_output(cut.output, target=name)
        except HostError:
            raise cut from None
        return snapshot, 1, cut.attempts, str(cut)
    snapshot = parse_gather_output(stdout, target=name)
    return snapshot, remote_commands, attempts, "the gather script was stopped by a signal"


def gather_to_file(
    spec: str, extra_commands: Sequence[str], options: ConnectOptions, spool: IO[bytes]
) -> tuple[int, int]:
    """Gather SPEC as gather_snapshot does, the output into SPOOL as it arrives (capped:
    grader/hostoutput.py) rather than read here: (remote commands run, connections tried).
    A gather cut short (the connection lost, no end mark) is run once more; the second output
    is kept whatever it is (ungraded_cut says where it was cut)."""
    command = gather_command(list(extra_commands))
    reach, reach_options = spec, options
    if spec.startswith("ansible://"):  # resolved as Ansible does, then reached as any host
        reach, reach_options = ansible_target(spec, options)
    remote_commands, attempts = 0, 0
    for _ in range(2):
        try:
            more, tried = retry_to_file(reach, command, reach_options, spool)
        except GatherCut as cut:
            more, tried = 1, cut.attempts
        else:
            if _ends(spool):
                return remote_commands + more, attempts + tried
        remote_commands, attempts = remote_commands + more, attempts + tried
    return remote_commands, attempts


def _ends(spool: IO[bytes]) -> bool:
    """Whether SPOOL ends with the gather document's end mark (it was not cut short)."""
    spool.flush()
    size = spool.seek(0, 2)
    spool.seek(max(0, size - 256))
    return END_MARK.encode() in spool.read()


def ungraded_cut(snapshot: Snapshot, name: str) -> None:
    """HostError when SNAPSHOT (gathered twice by gather_to_file) is still cut short."""
    if not snapshot.complete:
        raise HostError(f"{name}: the gather was cut {cut_point(snapshot)}, also on a second try")


def why(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def grade_snapshot(
    snapshot: Snapshot,
    exercises: Exercises,
    only: Sequence[str] | None,
    target: str,
    *,
    remote_commands: int = 0,
    started: float | None = None,
    unreadable: str = "cannot read the snapshot's facts",
) -> HostResult:
    """Grade SNAPSHOT; facts that cannot be built make an `error` result (UNREADABLE: why)."""
    started = time.monotonic() if started is None else started
    try:
        facts = build_facts(snapshot)
    except InputFileError:
        raise
    except Exception as error:
        max_score = sum(e.max_points for e in exercises.select(only).exercises)
        duration = time.monotonic() - started
        return host_error(target, f"{unreadable}: {why(error)}", max_score, duration=duration)
    unprivileged = getattr(facts, "unprivileged", None)
    if unprivileged:  # most checks would be `error`: the host is, with the remedy
        max_score = sum(e.max_points for e in exercises.select(only).exercises)
        reason = f"{unprivileged}; {privilege_remedy(target)}"
        return host_error(target, reason, max_score, duration=time.monotonic() - started)
    result = grade(
        exercises,
        facts,
        only,
        target=target,
        remote_commands=remote_commands,
        started=started,
    )
    return with_identity(result, snapshot)


def privilege_remedy(target: str) -> str:
    """How to gather TARGET with the privileges the checks need (docs/security.md)."""
    if target.startswith("local://"):
        return "run `sudo labgrade check` (labgrade reads namespaces and iptables as root)"
    if "://" not in target:  # a snapshot file collected by hand
        return "gather it again as root (`sudo sh labgrade-collect.sh > FILE`)"
    return (
        "pass --sudo (the login needs passwordless sudo: the sudoers line of docs/security.md) "
        "or connect as root"
    )


def with_identity(result: HostResult, snapshot: Snapshot) -> HostResult:
    """RESULT with SNAPSHOT's identity (for the class cross-check) and the tools the gather
    ran from outside the distribution's directories (a note in `discovered`)."""
    discovered = dict(result.discovered)
    tools = foreign_tools(snapshot)
    if tools:
        discovered[FOREIGN_TOOLS] = "; ".join(tools)
    return replace(result, identity=host_identity(snapshot), discovered=discovered)


def grade_target(
    spec: str,
    options: ConnectOptions,
    exercises: Exercises,
    only: Sequence[str] | None,
) -> tuple[HostResult, Snapshot | None]:
    """Gather SPEC in one remote command and grade it: (result, snapshot or None on error)."""
    started = time.monotonic()
    selection = exercises.select(only)
    candidates = exercises.select(only, backend=None).to_run  # the backend is not known yet
    try:
        snapshot, remote_commands, attempts = gather_snapshot(
            spec, extra_commands(candidates, exercises.registry), options
        )
    except Exception as error:
        reason = str(error) if isinstance(error, HostError) else why(error)
        max_score = sum(e.max_points for e in selection.exercises)
        duration = time.monotonic() - started
        tried = error.attempts if isinstance(error, HostError) else 1
        return host_error(redact(spec), reason, max_score, duration=duration, attempts=tried), None
    result = grade_snapshot(
        snapshot,
        exercises,
        only,
        redact(spec),
        remote_commands=remote_commands,
        started=started,
        unreadable="cannot read what the host returned",
    )
    return replace(result, attempts=attempts), snapshot
