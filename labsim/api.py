"""The lab's Python API, used by the CLI, the tests and the grader's acceptance tests.

>>> hosts = up(["lab-1", "lab-2"], scenario="complete")   # needs root
>>> hosts[0].plan["floating_ip"]
'172.24.4.87'
>>> write_ssh_config("/tmp/lab.ssh_config")
>>> down(all_hosts=True)
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader.errors import LabError
from labsim import health, host_namespaces, plan, preflight, releases, scenarios, state
from labsim.script import build_script
from labsim.sshconfig import ssh_config_text, write_ssh_config
from labsim.state import LabHost

__all__ = [
    "HostSpec",
    "LabHost",
    "down",
    "host_health",
    "ssh_config_text",
    "status",
    "up",
    "up_scenarios",
    "write_ssh_config",
]

Progress = Callable[[str], None]
DEFAULT_JOBS = 8


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class HostSpec:
    """What to build on one host; None = the call's default (release, backend, iptables)."""

    scenario: str = "complete"
    release: str | None = None
    backend: str | None = None
    iptables: str | None = None


def build_host(
    name: str,
    scenario: scenarios.Scenario,
    release: releases.Release,
    authorized_key: str,
    backend: str = releases.DEFAULT_BACKEND,
    iptables: str = releases.DEFAULT_IPTABLES,
) -> LabHost:
    """Bring up one host; on any failure tear it down and re-raise (never left half-built)."""
    host_plan = plan.make_plan(name, scenario, release.name, random.Random(), backend, iptables)
    host_plan["description"] = scenario.description  # `lab status` shows it
    if host_plan["metadata"]:
        host_plan["metadata_proxy"] = "haproxy" if backend == "ovn" else release.metadata_proxy
    ns = host_namespaces.start_init()
    try:
        output = host_namespaces.run_script(ns, build_script(host_plan, release, authorized_key))
        keys = [
            line.split(" ", 1)[1] for line in output.splitlines() if line.startswith("hostkey ")
        ]
        if not keys:
            raise LabError("build finished without printing the host key")
        host_key = " ".join(keys[-1].split()[:2])
    except BaseException:
        host_namespaces.kill(ns)
        raise
    return LabHost(
        name=name,
        scenario=scenario.name,
        release=release.name,
        init_pid=ns.init_pid,
        unshare_pid=ns.unshare_pid,
        created=time.time(),
        host_key=host_key,
        plan=host_plan,
    )


def up(
    names: Iterable[str],
    scenario: str = "complete",
    release: str | None = None,
    jobs: int = DEFAULT_JOBS,
    scenarios_file: Path | str | None = None,
    progress: Progress = _quiet,
    backend: str = releases.DEFAULT_BACKEND,
    iptables: str = releases.DEFAULT_IPTABLES,
) -> list[LabHost]:
    """Build the named hosts, all in `scenario`, in parallel. See `up_scenarios`."""
    return up_scenarios(
        {plan.check_name(n): scenario for n in _unique(names)},
        release=release,
        backend=backend,
        iptables=iptables,
        jobs=jobs,
        scenarios_file=scenarios_file,
        progress=progress,
    )


def _unique(names: Iterable[str]) -> list[str]:
    names = list(names)
    if len(set(names)) != len(names):
        raise LabError("the same host name was given twice")
    return names


def up_scenarios(
    hosts: Mapping[str, str | HostSpec],
    release: str | None = None,
    jobs: int = DEFAULT_JOBS,
    scenarios_file: Path | str | None = None,
    progress: Progress = _quiet,
    backend: str = releases.DEFAULT_BACKEND,
    iptables: str = releases.DEFAULT_IPTABLES,
) -> list[LabHost]:
    """Build hosts {name: scenario or HostSpec} in parallel (`jobs` at a time); refuse names
    in use. A HostSpec overrides the release, backend and iptables of this call per host.
    No release given: icehouse for hybrid, 2024.1 for ovs-firewall and ovn; a backend the
    release did not have yet (ovn in icehouse) is refused.

    All or nothing: if one host fails, every host of this call is torn down and the first
    error is raised (LabError for the expected failures).
    """
    names = [plan.check_name(n) for n in hosts]
    if not names:
        raise LabError("no host to bring up")
    known = scenarios.load_scenarios(scenarios_file)
    specs = {n: _spec(hosts[n], release, backend, iptables) for n in names}
    chosen = {n: scenarios.pick(known, specs[n].scenario) for n in names}
    profiles = {n: releases.get_release(specs[n].release or "") for n in names}
    preflight.check_all()  # after the arguments: a wrong one is said first, also without root
    with state.locked():
        existing = {h.name for h in state.load_all()}
        taken = [n for n in names if n in existing]
        if taken:
            raise LabError(
                f"host '{taken[0]}' already exists; run `labgrade lab down {taken[0]}` first"
            )
        key = state.public_key()
        built: list[LabHost] = []
        errors: list[tuple[str, BaseException]] = []

        def one(name: str) -> None:
            try:
                spec = specs[name]
                host = build_host(
                    name, chosen[name], profiles[name], key, spec.backend, spec.iptables
                )
            except BaseException as error:
                errors.append((name, error))
                progress(f"{name}: failed: {error}")
                return
            built.append(host)
            state.save(host)
            progress(f"{name}: up ({len(built)}/{len(names)})")

        interrupted: KeyboardInterrupt | None = None
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(names)))) as pool:
            try:
                list(pool.map(one, names))  # Ctrl-C: builds not started are cancelled
            except KeyboardInterrupt as error:
                interrupted = error
                pool.shutdown(wait=True)  # the running ones end (SIGINT reached them too)
        if errors or interrupted:
            for host in built:
                host_namespaces.kill(host.namespaces)
                state.remove(host.name)
            _write_access_files()
            if interrupted:
                raise interrupted  # all or nothing, also on Ctrl-C: `labgrade: interrupted`
            name, error = errors[0]
            if isinstance(error, LabError):
                raise LabError(f"{name}: {error}")
            raise error
        _write_access_files()
    order = {n: i for i, n in enumerate(names)}
    return sorted(built, key=lambda h: order[h.name])


def down(
    names: Iterable[str] = (), all_hosts: bool = False, progress: Progress = _quiet
) -> list[str]:
    """Tear hosts down (all of them with all_hosts=True); return the names removed."""
    preflight.check_root()
    names = list(names)
    if not state.hosts_dir().is_dir():
        if names:
            raise LabError(f"no such lab host: {names[0]}")
        return []
    with state.locked():
        hosts = {h.name: h for h in state.load_all()}
        unknown = [n for n in names if n not in hosts]
        if unknown:
            raise LabError(f"no such lab host: {unknown[0]}")
        chosen = list(hosts) if all_hosts else names
        with ThreadPoolExecutor(max_workers=DEFAULT_JOBS) as pool:
            list(pool.map(lambda n: host_namespaces.kill(hosts[n].namespaces), chosen))
        for name in chosen:
            state.remove(name)
            progress(f"{name}: down")
        _write_access_files()
    state.clear_if_empty()
    return chosen


def _spec(value: str | HostSpec, release: str | None, backend: str, iptables: str) -> HostSpec:
    """VALUE with the call's defaults filled in, checked (LabError for unknown names, or a
    backend the release did not have). No release anywhere: the backend's default one."""
    spec = HostSpec(value) if isinstance(value, str) else value
    chosen_backend = releases.get_backend(spec.backend or backend).name
    chosen_release = spec.release or release or releases.default_release(chosen_backend)
    spec = HostSpec(spec.scenario, chosen_release, chosen_backend, spec.iptables or iptables)
    releases.check_combination(chosen_release, chosen_backend)
    if spec.iptables not in releases.IPTABLES:
        raise LabError(
            f"unknown iptables '{spec.iptables}' (known: {', '.join(releases.IPTABLES)})"
        )
    return spec


def _write_access_files() -> None:
    """Rewrite known_hosts and STATE_DIR/ssh_config from the host records (under the lock)."""
    state.write_known_hosts()
    write_ssh_config(state.ssh_config_path())


def status() -> list[tuple[LabHost, str]]:
    """Every recorded host with its health ('ok', 'gone', 'degraded: ...')."""
    return [(h, health.health(h)) for h in state.load_all()]


def host_health(host: LabHost) -> str:
    return health.health(host)


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
