"""The command lines and files of the daemons the lab runs for Neutron's agents, per release:
dnsmasq (the DHCP agent), haproxy and neutron-ns-metadata-proxy (the metadata proxy).

    argv = dnsmasq_argv(plan, get_release("queens"), "/run/lab")
"""

from __future__ import annotations

from labsim.plan import Plan
from labsim.releases import Release

METADATA_PORT = 9697


def dhcp_files(plan: Plan, run_dir: str) -> dict[str, str]:
    """Paths of the DHCP agent's per-network files inside the host."""
    base = f"{run_dir}/dhcp/{plan['network_id']}"
    return {
        "dir": base,
        "pid": f"{base}/pid",
        "host": f"{base}/host",
        "addn_hosts": f"{base}/addn_hosts",
        "opts": f"{base}/opts",
        "leases": f"{base}/leases",
    }


def dhcp_file_contents(plan: Plan, release: Release) -> dict[str, str]:
    """Contents of the hosts, addn_hosts and opts files dnsmasq reads."""
    tag = "tag0" if release.dnsmasq_form != "stein" else f"subnet-{plan['subnet_id']}"
    host = ""
    addn = ""
    if plan["port_id"]:
        name = "host-" + plan["fixed_ip"].replace(".", "-")
        host = f"{plan['mac']},{name}.openstacklocal.,{plan['fixed_ip']}\n"
        addn = f"{plan['fixed_ip']}\t{name}.openstacklocal. {name}\n"
    opts = (
        f"tag:{tag},option:dns-server,{plan['dhcp_ip']}\n"
        f"tag:{tag},option:router,{plan['private_gateway']}\n"
    )
    return {"host": host, "addn_hosts": addn, "opts": opts}


def dnsmasq_argv(plan: Plan, release: Release, run_dir: str) -> list[str]:
    """The dnsmasq command line the DHCP agent of `release` runs in qdhcp-<network id>."""
    files = dhcp_files(plan, run_dir)
    network = plan["private_cidr"].split("/")[0]
    mask = "255.255.255.0"
    tap = plan["dhcp_tap"]
    if release.dnsmasq_form == "icehouse":
        return [
            "dnsmasq", "--no-hosts", "--no-resolv", "--strict-order", "--bind-interfaces",
            f"--interface={tap}", "--except-interface=lo", f"--pid-file={files['pid']}",
            f"--dhcp-hostsfile={files['host']}", f"--addn-hosts={files['addn_hosts']}",
            f"--dhcp-optsfile={files['opts']}", "--leasefile-ro",
            f"--dhcp-range=set:tag0,{network},static,86400s", "--dhcp-lease-max=256",
            "--conf-file=", "--domain=openstacklocal",
        ]  # fmt: skip
    common = [
        "dnsmasq", "--no-hosts", "--no-resolv", f"--pid-file={files['pid']}",
        f"--dhcp-hostsfile={files['host']}", f"--addn-hosts={files['addn_hosts']}",
        f"--dhcp-optsfile={files['opts']}", f"--dhcp-leasefile={files['leases']}",
        "--dhcp-match=set:ipxe,175",
    ]  # fmt: skip
    if release.dnsmasq_form == "queens":
        return [
            *common[:3], "--except-interface=lo", *common[3:], "--bind-interfaces",
            f"--interface={tap}", f"--dhcp-range=set:tag0,{network},static,{mask},86400s",
            "--dhcp-option-force=option:mtu,1450", "--dhcp-lease-max=256", "--conf-file=",
            "--domain=openstacklocal",
        ]  # fmt: skip
    return [
        *common, "--dhcp-userclass=set:ipxe6,iPXE", "--local-service", "--bind-dynamic",
        f"--dhcp-range=set:subnet-{plan['subnet_id']},{network},static,{mask},86400s",
        "--dhcp-option-force=option:mtu,1450", "--dhcp-lease-max=256",
        "--conf-file=/dev/null", "--domain=openstacklocal",
    ]  # fmt: skip


def haproxy_config(plan: Plan, release: Release, pid_file: str) -> str:
    """A metadata proxy on 9697 in qrouter-<id> that answers HTTP itself."""
    header = f"X-Neutron-Router-ID {plan['router_id']}"
    return haproxy_text(pid_file, "metadata", f"0.0.0.0:{METADATA_PORT}", header)


def haproxy_text(pid_file: str, listen: str, bind: str, header: str) -> str:
    """haproxy configuration: one `listen` section on BIND that answers every request."""
    return "\n".join(
        [
            "global",
            f"    pidfile {pid_file}",
            "    maxconn 64",
            "    nbthread 1",
            "    daemon",
            "defaults",
            "    mode http",
            "    timeout connect 5s",
            "    timeout client 30s",
            "    timeout server 30s",
            f"listen {listen}",
            f"    bind {bind}",
            f"    http-request set-header {header}",
            '    http-request return status 200 content-type text/plain string "latest\\n"',
            "",
        ]
    )


def metadata_proxy_argv(plan: Plan, release: Release, pid_file: str) -> list[str]:
    """Pre-Pike: the neutron-ns-metadata-proxy command line (after the interpreter)."""
    return [
        f"--pid_file={pid_file}",
        METADATA_PROXY_ARGS[0],
        f"--router_id={plan['router_id']}",
        METADATA_PROXY_ARGS[1],
        f"--metadata_port={METADATA_PORT}",
        *METADATA_PROXY_ARGS[2:],
    ]


METADATA_PROXY_ARGS = (
    "--metadata_proxy_socket=/opt/stack/data/neutron/metadata_proxy",
    "--state_path=/opt/stack/data/neutron",
    "--metadata_proxy_user=1000",
    "--metadata_proxy_group=1000",
    "--debug",
    "--verbose",
)
