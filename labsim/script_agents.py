"""The shell lines that start the agents' daemons of the simulated host: the metadata proxy in
qrouter-<id> and the qdhcp-<network> namespace with dnsmasq (part of script.py's build).
"""

from __future__ import annotations

import shlex
from pathlib import Path

from labsim import daemons
from labsim.plan import Plan
from labsim.releases import Release
from labsim.shell import RUN_DIR, heredoc, wait_listen

PROXY_CODE = Path(__file__).with_name("metadata_proxy.py").read_text(encoding="utf-8")

q = shlex.quote


def metadata_proxy_lines(plan: Plan, release: Release) -> list[str]:
    """haproxy (Pike+) or neutron-ns-metadata-proxy on 9697 in qrouter-<id>."""
    ns = plan["qrouter_ns"]
    conf_dir = f"{RUN_DIR}/metadata-proxy"
    pid_file = f"{conf_dir}/{plan['router_id']}.pid"
    lines = [f"mkdir -p {conf_dir}"]
    if release.metadata_proxy == "haproxy":
        conf = f"{conf_dir}/{plan['router_id']}.conf"
        lines += [
            heredoc(f"cat > {conf}", daemons.haproxy_config(plan, release, pid_file)),
            f"ip netns exec {ns} haproxy -f {conf} </dev/null >/dev/null",
        ]
    else:
        program = f"{RUN_DIR}/bin/{release.metadata_proxy}"
        argv = " ".join(q(a) for a in daemons.metadata_proxy_argv(plan, release, pid_file))
        lines += [
            f"mkdir -p {RUN_DIR}/bin",
            heredoc(f"cat > {program}", "#!/usr/bin/python3\n" + PROXY_CODE),
            f"chmod 755 {program}",
            f"ip netns exec {ns} {program} {argv} </dev/null >/dev/null 2>&1 &",
        ]
    return [*lines, wait_listen(daemons.METADATA_PORT, f"ip netns exec {ns} ")]


def dhcp_lines(plan: Plan, release: Release) -> list[str]:
    ns, tap = plan["qdhcp_ns"], plan["dhcp_tap"]
    prefix = plan["private_cidr"].split("/")[1]
    files = daemons.dhcp_files(plan, RUN_DIR)
    lines = [
        f"ip netns add {ns}",
        f"ip link set {tap} netns {ns}",
        f"ip -n {ns} link set lo up",
        f"ip -n {ns} link set {tap} address {plan['dhcp_mac']}",
        f"ip -n {ns} link set {tap} up",
        f"ip -n {ns} addr add {plan['dhcp_ip']}/{prefix} dev {tap}",
        f"mkdir -p {files['dir']}",
    ]
    for key, text in daemons.dhcp_file_contents(plan, release).items():
        lines.append(heredoc(f"cat > {files[key]}", text) if text else f": > {files[key]}")
    if plan["dhcp_running"]:
        argv = " ".join(q(a) for a in daemons.dnsmasq_argv(plan, release, RUN_DIR))
        lines.append(f"ip netns exec {ns} {argv} </dev/null >/dev/null")
    return lines
