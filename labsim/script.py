"""Turn a host's plan into the shell script that builds it, run inside the host's namespaces.

The script runs as `sh -ec SCRIPT` under `nsenter --target INIT --all`, so every daemon it starts
lives in the host's PID namespace. It mounts the host's private /run, /var/log and OVS
directories (not /tmp: a checkout of labgrade there must stay runnable on the host), starts
Open vSwitch, plugs the ports as Neutron does, loads the iptables tables that `formats` writes,
starts dnsmasq, the metadata proxy and sshd, waits until the listeners are up and prints
`hostkey <public key>` last. All text comes from `formats`; nothing here formats a rule.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from labsim import formats, formats_ovsfw, releases, script_agents, script_ovn
from labsim.extras import extras_script
from labsim.plan import Plan
from labsim.releases import Backend, Release
from labsim.shell import RUN_DIR
from labsim.shell import heredoc as _heredoc
from labsim.shell import wait_listen as _wait_listen

HOST_KEY = f"{RUN_DIR}/ssh_host_ed25519_key"
TXCSUM_CODE = Path(__file__).with_name("txcsum.py").read_text(encoding="utf-8")
PRIVATE_TMPFS = ("/etc/openvswitch", "/var/lib/openvswitch", "/var/log")

q = shlex.quote


def _base(name: str) -> list[str]:
    mounts = [f"mount -t tmpfs -o mode=0755 tmpfs {d}" for d in PRIVATE_TMPFS]
    return [
        "exec </dev/null",
        "mount -t tmpfs -o mode=0755 tmpfs /run",
        f"mkdir -p /run/netns /run/openvswitch /run/sshd {RUN_DIR}",
        *mounts,
        "mkdir -p /var/log/openvswitch",
        "mount -t sysfs sysfs /sys",
        f"hostname {q(name)}",
        *_etc_hosts(name),
        *_own_ids(),
        "ip link set lo up",
        "sysctl -qw net.bridge.bridge-nf-call-iptables=1",
        "sysctl -qw net.ipv4.ip_forward=0",
    ]


def _etc_hosts(name: str) -> list[str]:
    """The machine's /etc/hosts plus `127.0.1.1 NAME`, bind-mounted in the host's own mount
    namespace (Debian's way), so the host's name resolves (`sudo` looks it up)."""
    hosts = f"{RUN_DIR}/hosts"
    return [
        f"{{ cat /etc/hosts; printf '\\n127.0.1.1\\t%s\\n' {q(name)}; }} > {hosts}",
        f"chmod 0644 {hosts}",
        f"mount --bind {hosts} /etc/hosts",
    ]


def _own_ids() -> list[str]:
    """A machine-id and a boot_id of the host's own, bind-mounted over the machine's (as two
    DevStack hosts have), so that labgrade's class cross-check tells the hosts apart."""
    ids = {"/etc/machine-id": "| tr -d -", "/proc/sys/kernel/random/boot_id": ""}
    lines = []
    for index, (path, clean) in enumerate(ids.items()):
        own = f"{RUN_DIR}/id{index}"
        lines.append(f"cat /proc/sys/kernel/random/uuid {clean} > {own}")
        lines.append(f"if [ -e {path} ]; then mount --bind {own} {path}; fi")
    return lines


def _ovs_start() -> list[str]:
    log = "-vconsole:off --no-chdir --detach"
    return [
        "ovsdb-tool create /etc/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema",
        "ovsdb-server /etc/openvswitch/conf.db --remote=punix:/run/openvswitch/db.sock "
        f"--pidfile=/run/openvswitch/ovsdb-server.pid {log} "
        "--log-file=/var/log/openvswitch/ovsdb-server.log",
        "ovs-vsctl --no-wait -- init -- set Open_vSwitch . "
        "other_config:n-handler-threads=1 other_config:n-revalidator-threads=1",
        "ovs-vswitchd unix:/run/openvswitch/db.sock "
        f"--pidfile=/run/openvswitch/ovs-vswitchd.pid {log} "
        "--log-file=/var/log/openvswitch/ovs-vswitchd.log",
    ]


def _ovs_port(bridge: str, port: str, tag: int | None, iface: str) -> list[str]:
    tag_arg = f" tag={tag}" if tag is not None else ""
    return ["--", f"add-port {bridge} {port}{tag_arg}", "--", f"set interface {port} {iface}"]


def _neutron_iface(port_id: str, mac: str, internal: bool, extra: str = "") -> str:
    kind = "type=internal " if internal else ""
    ids = f"external_ids:iface-id={port_id} external_ids:iface-status=active "
    return f"{kind}{ids}external_ids:attached-mac={mac}{extra}"


def _ovs_topology(plan: Plan, release: Release, backend: Backend) -> list[str]:
    vlan = plan["local_vlan"]
    args = ["ovs-vsctl"]
    for bridge in ("br-int", "br-ex"):
        args += ["--", f"add-br {bridge}", "--", f"set bridge {bridge} datapath_type=netdev"]
    args += _instance_port(plan, vlan)
    if backend.ovn:
        return [" ".join(args + script_ovn.ovs_args(plan))]
    args += _ovs_port(
        "br-int", plan["qr_dev"], vlan, _neutron_iface(plan["qr_port_id"], plan["qr_mac"], True)
    )
    args += _ovs_port(
        "br-int",
        plan["dhcp_tap"],
        vlan,
        _neutron_iface(plan["dhcp_port_id"], plan["dhcp_mac"], True),
    )
    qg_iface = _neutron_iface(plan["qg_port_id"], plan["qg_mac"], True)
    if release.qg_bridge == "br-int":
        args += _ovs_port("br-int", plan["qg_dev"], vlan + 1, qg_iface)
        args += _ovs_port("br-int", "int-br-ex", vlan + 1, "type=patch options:peer=phy-br-ex")
        args += _ovs_port("br-ex", "phy-br-ex", None, "type=patch options:peer=int-br-ex")
    else:
        args += _ovs_port("br-ex", plan["qg_dev"], None, qg_iface)
    lines = [" ".join(args)]  # one transaction; waits until ovs-vswitchd made the devices
    if backend.ovs_flows and plan["port_id"]:
        lines.append(_heredoc("ovs-ofctl add-flows br-int -", formats_ovsfw.flows(plan)))
    return lines


def _instance_port(plan: Plan, vlan: int) -> list[str]:
    """The instance's port on br-int: qvo (hybrid plug) or the tap itself, ofport requested."""
    if not plan["port_id"]:
        return []
    extra = f" external_ids:vm-uuid={plan['instance_id']}"
    if plan["ofport"] is not None:
        extra += f" ofport_request={plan['ofport']}"
    iface = _neutron_iface(plan["port_id"], plan["mac"], False, extra)
    return _ovs_port("br-int", plan["qvo"] or plan["tap"], vlan, iface)


def _public_side(plan: Plan) -> list[str]:
    prefix = plan["public_cidr"].split("/")[1]
    return [
        f"ip addr add {plan['public_gateway']}/{prefix} dev br-ex",
        "ip link set br-ex up",
        "ip link set br-int up",
    ]


def _instance_devices(plan: Plan) -> list[str]:
    if not plan["port_id"] or not plan["qbr"]:
        return []  # no instance, or no hybrid plug (the tap sits on br-int)
    qbr, qvb, qvo = plan["qbr"], plan["qvb"], plan["qvo"]
    return [
        f"ip link add {qvb} type veth peer name {qvo}",
        f"ip link add {qbr} type bridge",
        f"ip link set {qvb} master {qbr}",
    ]


def _instance(plan: Plan) -> list[str]:
    """The VM: a process in its own unnamed netns listening on tcp/22, NIC = tap veth on qbr."""
    if not plan["port_id"]:
        return []
    tap, prefix = plan["tap"], plan["private_cidr"].split("/")[1]
    inside = "; ".join(
        [
            "ip link set lo up",
            f"ip link set eth0 address {plan['mac']}",
            f"ip addr add {plan['fixed_ip']}/{prefix} dev eth0",
            "ip link set eth0 up",
            f"ip route add default via {plan['private_gateway']}",
        ]
    )
    devices = " ".join(d for d in (plan["qvb"], plan["qvo"], tap, plan["qbr"]) if d)
    plug = [f"ip link set {tap} master {plan['qbr']}"] if plan["qbr"] else []
    return [
        "unshare --net -- nc -dlk 22 </dev/null >/dev/null 2>&1 &",
        "VM=$!",
        'until [ "$(readlink /proc/$VM/ns/net)" != "$(readlink /proc/self/ns/net)" ]; '
        "do sleep 0.005; done",
        f"ip link add {tap} type veth peer name eth0 netns $VM",
        *plug,
        f"for d in {devices}; do ip link set $d up; done",
        f"nsenter --target $VM --net sh -ec {q(inside)}",
        f"nsenter --target $VM --net python3 -I -S -c {q(TXCSUM_CODE)} eth0",
        _wait_listen(22, "nsenter --target $VM --net "),
    ]


def _host_iptables(plan: Plan, release: Release, backend: Backend) -> list[str]:
    if not backend.iptables_sg:
        return []
    lines = []
    for name, members in formats.host_ipsets(plan, release):
        lines.append(f"ipset create {name} hash:net family inet")
        lines += [f"ipset add {name} {member}" for member in members]
    tables = formats.host_filter_table(plan, release) + formats.host_raw_table(plan, release)
    lines.append(_heredoc(_restore(plan), tables))
    return lines


def _restore(plan: Plan) -> str:
    return formats.restore_command(plan.get("iptables") or releases.DEFAULT_IPTABLES)


def _router(plan: Plan, release: Release) -> list[str]:
    ns, qr, qg = plan["qrouter_ns"], plan["qr_dev"], plan["qg_dev"]
    private_prefix = plan["private_cidr"].split("/")[1]
    public_prefix = plan["public_cidr"].split("/")[1]
    lines = [
        f"ip netns add {ns}",
        f"ip link set {qr} netns {ns}",
        f"ip link set {qg} netns {ns}",
        f"ip -n {ns} link set lo up",
        f"ip -n {ns} link set {qr} address {plan['qr_mac']}",
        f"ip -n {ns} link set {qg} address {plan['qg_mac']}",
        f"ip -n {ns} link set {qr} up",
        f"ip -n {ns} link set {qg} up",
        f"ip -n {ns} addr add {plan['private_gateway']}/{private_prefix} dev {qr}",
        f"ip -n {ns} addr add {plan['qg_ip']}/{public_prefix} dev {qg}",
    ]
    if plan["floating_ip"]:
        lines.append(f"ip -n {ns} addr add {plan['floating_ip']}/32 dev {qg}")
    lines += [
        f"ip -n {ns} route add {formats.router_default_route(plan, release)}",
        f"ip netns exec {ns} sysctl -qw net.ipv4.ip_forward=1",
    ]
    tables = [
        formats.router_filter_table(plan, release),
        formats.router_nat_table(plan, release),
        formats.router_mangle_table(plan, release),
    ]
    text = "".join(tables)
    lines.append(_heredoc(f"ip netns exec {ns} {_restore(plan)}", text))
    if plan["metadata"]:
        lines += script_agents.metadata_proxy_lines(plan, release)
    return lines


def _sshd(name: str, authorized_key: str) -> list[str]:
    config = "\n".join(
        [
            "Port 22",
            "ListenAddress 0.0.0.0",
            f"HostKey {HOST_KEY}",
            f"AuthorizedKeysFile {RUN_DIR}/authorized_keys",
            f"PidFile {RUN_DIR}/sshd.pid",
            "UsePAM no",
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UseDNS no",
            "PrintMotd no",
            "PrintLastLog no",
            "MaxStartups 100:30:200",
            # As Debian's and Ubuntu's sshd_config: the grader must refuse X11 itself.
            "X11Forwarding yes",
            "AcceptEnv LANG LC_*",
            # Logins keep temporary files in the host's own /run: a gather cut off by SIGKILL
            # (a fault test, `lab down` mid-grade) then leaves nothing in the machine's /tmp.
            # ... and its own `labgrade check` history (a real host keeps /var/lib/labgrade).
            f"SetEnv TMPDIR={RUN_DIR}/tmp LABGRADE_HISTORY={RUN_DIR}/history.jsonl",
            "Subsystem sftp /usr/lib/openssh/sftp-server",
            "",
        ]
    )
    return [
        f"mkdir -p -m 1777 {RUN_DIR}/tmp",
        f"ssh-keygen -q -t ed25519 -N '' -C {q(name)} -f {HOST_KEY}",
        _heredoc(f"cat > {RUN_DIR}/authorized_keys", authorized_key),
        _heredoc(f"cat > {RUN_DIR}/sshd_config", config),
        f"/usr/sbin/sshd -D -f {RUN_DIR}/sshd_config -E /var/log/sshd.log "
        "</dev/null >/dev/null 2>&1 &",
        _wait_listen(22),
    ]


def build_script(plan: Plan, release: Release, authorized_key: str) -> str:
    """The whole build of one host as one POSIX shell script (run with `sh -ec`)."""
    backend = releases.get_backend(plan.get("backend") or releases.DEFAULT_BACKEND)
    agents = (
        [*_router(plan, release), *script_agents.dhcp_lines(plan, release)]
        if backend.agents
        else []
    )
    lines = [
        *_base(plan["name"]),
        *_ovs_start(),
        *_instance_devices(plan),
        *_instance(plan),
        *_ovs_topology(plan, release, backend),
        *_public_side(plan),
        *_host_iptables(plan, release, backend),
        *agents,
        *(script_ovn.build_lines(plan) if backend.ovn else []),
        *extras_script(plan),  # a scenario's hand-made additions (labsim/extras.py)
        *_sshd(plan["name"], authorized_key),
        f'echo "hostkey $(cat {HOST_KEY}.pub)"',
    ]
    return "\n".join(lines) + "\n"
