"""Build lines for `--backend ovn`: the OVN northbound database served by ovsdb-server inside the
host, its contents, and the ovnmeta-<network id> namespace with haproxy on 169.254.169.254:80.

The texts come from `formats_ovn`; `script.build_script` calls these for OVN hosts only.
"""

from __future__ import annotations

import shlex

from labsim import formats_ovn
from labsim.plan import Plan
from labsim.shell import heredoc, wait_listen

q = shlex.quote


def ovs_args(plan: Plan) -> list[str]:
    """ovs-vsctl arguments (same transaction as the bridges): the chassis' external_ids."""
    return ["--", f"set Open_vSwitch . {formats_ovn.ovs_external_ids()}"]


def metadata_devices(plan: Plan) -> tuple[str, str]:
    """(root end on br-int, end inside ovnmeta-): tap + 10 characters of the network id + 0/1."""
    stem = f"tap{plan['network_id'][:10]}"
    return f"{stem}0", f"{stem}1"


def _northbound(plan: Plan) -> list[str]:
    log = "-vconsole:off --no-chdir --detach"
    return [
        f"mkdir -p {formats_ovn.NB_DIR}",
        f"ovsdb-tool create {formats_ovn.NB_DB} {formats_ovn.NB_SCHEMA}",
        f"ovsdb-server {formats_ovn.NB_DB} --remote=punix:{formats_ovn.NB_SOCKET} "
        f"--pidfile={formats_ovn.NB_DIR}/ovnnb_db.pid {log} "
        "--log-file=/var/log/openvswitch/ovsdb-server-nb.log",
        formats_ovn.nbctl_command(plan),
    ]


def _metadata_namespace(plan: Plan) -> list[str]:
    ns = plan["ovnmeta_ns"]
    outside, inside = metadata_devices(plan)
    prefix = plan["private_cidr"].split("/")[1]
    iface = (
        f"external_ids:iface-id={plan['dhcp_port_id']} external_ids:iface-status=active "
        f"external_ids:attached-mac={plan['dhcp_mac']}"
    )
    lines = [
        f"ip netns add {ns}",
        f"ip link add {outside} type veth peer name {inside} netns {ns}",
        f"ovs-vsctl add-port br-int {outside} -- set interface {outside} {iface}",
        f"ip link set {outside} up",
        f"ip -n {ns} link set lo up",
        f"ip -n {ns} link set {inside} address {plan['dhcp_mac']}",
        f"ip -n {ns} addr add {formats_ovn.METADATA_IP}/32 dev {inside}",
        f"ip -n {ns} addr add {plan['dhcp_ip']}/{prefix} dev {inside}",
        f"ip -n {ns} link set {inside} up",
    ]
    if plan["metadata"]:
        conf_dir = "/run/lab/ovn-metadata-proxy"
        conf = f"{conf_dir}/{plan['network_id']}.conf"
        pid_file = f"{conf_dir}/{plan['network_id']}.pid"
        text = formats_ovn.metadata_haproxy_config(plan, pid_file)
        lines += [
            f"mkdir -p {conf_dir}",
            heredoc(f"cat > {conf}", text),
            f"ip netns exec {ns} haproxy -f {conf} </dev/null >/dev/null",
            wait_listen(80, f"ip netns exec {ns} "),
        ]
    return lines


def build_lines(plan: Plan) -> list[str]:
    return [*_northbound(plan), *_metadata_namespace(plan)]
