"""`labgrade lab up|down|status|ssh-config`: the simulated lab's command line."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time

from grader.commands.options import write_output
from grader.errors import LabError, LabgradeError
from labsim import api, releases, scenarios, state


class _WholeNames(argparse.HelpFormatter):
    """Help wrapped at spaces only, so names like `no-ssh-rule` stay whole."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lab = subparsers.add_parser(
        "lab",
        help="simulated DevStack hosts made of real namespaces and daemons (needs root)",
        description="Build, list and remove simulated lab hosts (see docs/lab.md).",
    )
    sub = lab.add_subparsers(dest="lab_command", metavar="ACTION")
    sub.required = True

    p_up = sub.add_parser("up", help="bring up simulated hosts", formatter_class=_WholeNames)
    p_up.add_argument("names", nargs="*", metavar="NAME", help="host names (default lab-1..lab-N)")
    p_up.add_argument(
        "--scenario",
        "-s",
        default="complete",
        help=f"scenario (default: complete): {', '.join(_packaged_scenarios())}, or one of "
        "--scenarios-file; what each holds: docs/lab.md (`labgrade lab status` shows it per host)",
    )
    p_up.add_argument("--count", "-n", type=int, help="number of hosts when no NAME is given")
    p_up.add_argument(
        "--release",
        choices=sorted(releases.RELEASES),
        help=f"Neutron release whose formats to write (default: {releases.DEFAULT_RELEASE}; "
        f"{releases.NEWER_BACKEND_RELEASE} with --backend ovs-firewall or ovn, which "
        f"{releases.DEFAULT_RELEASE} did not have)",
    )
    p_up.add_argument(
        "--backend",
        default=releases.DEFAULT_BACKEND,
        choices=sorted(releases.BACKENDS),
        help="Neutron backend: hybrid (ML2/OVS, iptables_hybrid; default), ovs-firewall "
        "(native OVS firewall), ovn (ML2/OVN)",
    )
    p_up.add_argument(
        "--iptables",
        default=releases.DEFAULT_IPTABLES,
        choices=releases.IPTABLES,
        help=f"where the rules live: iptables-nft or iptables-legacy "
        f"(default: {releases.DEFAULT_IPTABLES})",
    )
    p_up.add_argument("--jobs", "-j", type=int, default=api.DEFAULT_JOBS, help="parallel builds")
    p_up.add_argument("--scenarios-file", help="scenarios YAML (default: the packaged one)")
    p_up.set_defaults(handler=cmd_up)

    p_down = sub.add_parser("down", help="tear simulated hosts down")
    p_down.add_argument("names", nargs="*", metavar="NAME")
    p_down.add_argument("--all", action="store_true", help="every simulated host")
    p_down.set_defaults(handler=cmd_down)

    p_status = sub.add_parser("status", help="list simulated hosts, their scenario and health")
    p_status.set_defaults(handler=cmd_status)

    p_ssh = sub.add_parser("ssh-config", help="print an ssh_config for the simulated hosts")
    p_ssh.add_argument(
        "--output", "-o", metavar="FILE", help="write it to FILE (atomically) instead"
    )
    p_ssh.set_defaults(handler=cmd_ssh_config)


def cmd_up(args: argparse.Namespace) -> int:
    if args.names and args.count is not None:
        raise LabError("give host names or --count, not both")
    count = 1 if args.count is None else args.count
    if count < 1:
        raise LabError("--count must be at least 1")
    names = args.names or [f"lab-{i}" for i in range(1, count + 1)]
    start = time.monotonic()
    progress = api.stderr_progress if len(names) > 1 else None
    hosts = api.up(
        names,
        scenario=args.scenario,
        release=args.release,
        backend=args.backend,
        iptables=args.iptables,
        jobs=args.jobs,
        scenarios_file=args.scenarios_file,
        **({"progress": progress} if progress else {}),
    )
    elapsed = time.monotonic() - start
    for host in hosts:
        backend = host.plan.get("backend", releases.DEFAULT_BACKEND)
        print(f"{host.name}\t{host.scenario}\t{host.release}\t{backend}\tup")
    print(
        f"{len(hosts)} host(s) up in {elapsed:.1f} s; reach them with: "
        f"ssh -F {state.ssh_config_path()} NAME",
        file=sys.stderr,
    )
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    if not args.names and not args.all:
        raise LabError("name the hosts to tear down, or give --all")
    if args.names and args.all:
        raise LabError("give host names or --all, not both")
    removed = api.down(args.names, all_hosts=args.all)
    for name in removed:
        print(f"{name}\tdown")
    return 0


def _packaged_scenarios() -> list[str]:
    """The packaged scenarios' names, for --help (a broken file shows at `up`, not here)."""
    try:
        return list(scenarios.load_scenarios(scenarios.DEFAULT_FILE))
    except LabgradeError:
        return ["see docs/lab.md"]


STATUS_COLUMNS = (
    "NAME", "SCENARIO", "RELEASE", "BACKEND", "IPTABLES", "INIT_PID", "HEALTH", "DESCRIPTION",
)  # fmt: skip


def status_lines(rows: list[tuple[api.LabHost, str]]) -> list[str]:
    """`lab status`'s table: a header, then one tab-separated line per host."""
    lines = ["\t".join(STATUS_COLUMNS)]
    for host, health in rows:
        backend = host.plan.get("backend", releases.DEFAULT_BACKEND)
        iptables = host.plan.get("iptables", releases.DEFAULT_IPTABLES)
        values = [host.name, host.scenario, host.release, backend, iptables, host.init_pid, health]
        lines.append("\t".join(str(v) for v in [*values, host.plan.get("description", "")]))
    return lines


def cmd_status(args: argparse.Namespace) -> int:
    rows = api.status()
    if not rows:
        print("no simulated hosts", file=sys.stderr)
        return 0
    print("\n".join(status_lines(rows)))
    return 0


def cmd_ssh_config(args: argparse.Namespace) -> int:
    write_output(args.output or "-", api.ssh_config_text())  # `cannot write FILE: ...`, exit 2
    return 0
