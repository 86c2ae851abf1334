"""The recorded snapshots' OVN and native-firewall parts, taken from the simulated lab's own text.

make_snapshots.py renders a host's records; where `labgrade lab up --backend ovn|ovs-firewall`
writes something, this module takes the same text from labsim (the plan, formats_ovsfw's
flows, formats_ovn's ovn-nbctl transaction and external_ids) instead of rendering it a second
time. The OVN northbound tables are what a real ovsdb-server with the lab's schema prints after
that transaction (`ovn-nbctl show`, `ovn-nbctl list TABLE`), with its random row UUIDs replaced
by stable ones and rows sorted, so the files stay deterministic.

    plan = lab_plan(scenario, backend, ids)          # the lab's plan with the recorded host's ids
    northbound(plan)                                 # {"ovn_nb_show": "...", "ovn_nb_acl": ...}
"""

from __future__ import annotations

import random
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from labsim import formats_ovn, formats_ovsfw, scenarios
from labsim.plan import Plan, device, make_plan

# gather.sh's record keys after `ovn-nbctl show`, in its order, and the tables they list.
NB_TABLES = {
    "ovn_nb_nat": "NAT",
    "ovn_nb_acl": "ACL",
    "ovn_nb_port_group": "Port_Group",
    "ovn_nb_switch_port": "Logical_Switch_Port",
    "ovn_nb_router": "Logical_Router",
    "ovn_nb_router_port": "Logical_Router_Port",
    "ovn_nb_route": "Logical_Router_Static_Route",
    "ovn_nb_dhcp": "DHCP_Options",
}
UNRECORDED = {"logical_switch": "Logical_Switch"}  # listed only to name its rows in `show`
NB_PROGRAMS = ("ovsdb-tool", "ovsdb-server", "ovn-nbctl")
UUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
STABLE = uuid.uuid5(uuid.NAMESPACE_URL, "labgrade:recorded-northbound")
PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def lab_plan(scenario: str, backend: str, ids: dict[str, str | None]) -> Plan:
    """The lab's plan for SCENARIO on BACKEND, with the recorded host's ids put in.

    IDS: network_id, router_id, and for the instance port_id, fixed_ip, mac, floating_ip.
    """
    known = scenarios.load_scenarios(scenarios.DEFAULT_FILE)
    plan = make_plan("devstack", known[scenario], "2024.1", random.Random(0), backend)
    plan.update(network_id=ids["network_id"], router_id=ids["router_id"])
    for key in ("qrouter_ns", "qdhcp_ns", "ovnmeta_ns"):
        if plan[key]:
            prefix = plan[key].split("-", 1)[0]
            own = ids["router_id"] if prefix == "qrouter" else ids["network_id"]
            plan[key] = f"{prefix}-{own}"
    if plan["port_id"]:
        port = str(ids["port_id"])
        plan.update(port_id=port, tap=device("tap", port), fixed_ip=ids["fixed_ip"])
        plan.update(mac=ids["mac"], floating_ip=ids["floating_ip"] if plan["floating_ip"] else None)
    return plan


def dump_flows(plan: Plan, normal: list[str]) -> str:
    """`ovs-ofctl dump-flows br-int`: NORMAL lines plus formats_ovsfw's flows as OVS shows them."""
    shown = list(normal)
    for line in formats_ovsfw.flows(plan).splitlines():
        head, actions = line.split(" actions=", 1)
        fields = head.split(",")
        cookie, table = fields[0], fields[1]
        match = ",".join(fields[2:])
        match = re.sub(r"\b(reg[5-7])=(\d+)", lambda m: f"{m.group(1)}={int(m.group(2)):#x}", match)
        match = re.sub(r"\b(tcp|udp)_dst=", "tp_dst=", match)
        shown.append(
            f" {cookie}, duration=90.0s, {table}, n_packets=0, n_bytes=0, {match} actions={actions}"
        )
    return "\n".join(shown) + "\n"


def ofctl_show(ports: list[str], ofports: dict[str, int]) -> str:
    """`ovs-ofctl show br-int`: PORTS numbered from 1, except those OFPORTS fixes."""
    taken = set(ofports.values())
    free = (n for n in range(1, 1000) if n not in taken)
    numbered = {p: ofports[p] if p in ofports else next(free) for p in ports}
    lines = [
        "OFPT_FEATURES_REPLY (xid=0x2): dpid:00001a2b3c4d5e04",
        "n_tables:254, n_buffers:0",
        "capabilities: FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP",
        "actions: output enqueue set_vlan_vid set_vlan_pcp strip_vlan mod_dl_src mod_dl_dst",
    ]
    for name, number in sorted(numbered.items(), key=lambda item: item[1]):
        lines += [
            f" {number}({name}): addr:2e:00:00:00:00:{number:02x}",
            "     config:     0",
            "     state:      0",
            "     speed: 0 Mbps now, 0 Mbps max",
        ]
    lines += [
        " LOCAL(br-int): addr:1a:2b:3c:4d:5e:04",
        "     config:     PORT_DOWN",
        "     state:      LINK_DOWN",
        "     speed: 0 Mbps now, 0 Mbps max",
        "OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0",
    ]
    return "\n".join(lines) + "\n"


def ovn_external_ids() -> str:
    """`ovs-vsctl get Open_vSwitch . external_ids` after the lab's OVN chassis settings."""
    pairs = [word.removeprefix("external_ids:").split("=", 1) for word in shlex.split(
        formats_ovn.ovs_external_ids()
    )]  # fmt: skip
    shown = [f"{k}={v if PLAIN.match(v) else chr(34) + v + chr(34)}" for k, v in sorted(pairs)]
    return "{" + ", ".join(shown) + "}\n"


def have_northbound_tools() -> bool:
    return all(shutil.which(p) for p in NB_PROGRAMS) and Path(formats_ovn.NB_SCHEMA).exists()


def northbound(plan: Plan) -> dict[str, str]:
    """`ovn-nbctl show` and `list TABLE` after the lab's transaction, from a real ovsdb-server."""
    with tempfile.TemporaryDirectory(prefix="labgrade-nb.") as tmp:
        db, socket = f"{tmp}/nb.db", f"{tmp}/nb.sock"
        subprocess.run(["ovsdb-tool", "create", db, formats_ovn.NB_SCHEMA], check=True)
        server = subprocess.Popen(
            [
                *("ovsdb-server", db, f"--remote=punix:{socket}", f"--unixctl={tmp}/nb.ctl"),
                *("--no-chdir", "-vconsole:off"),
            ],
            stdin=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while not Path(socket).exists() and time.monotonic() < deadline:
                time.sleep(0.01)

            def nbctl(*args: str) -> str:
                command = ["ovn-nbctl", f"--db=unix:{socket}", "--timeout=10", *args]
                return subprocess.run(command, check=True, capture_output=True, text=True).stdout

            nbctl(*formats_ovn.nbctl_args(plan))
            texts = {"ovn_nb_show": nbctl("show")}
            listed = NB_TABLES | UNRECORDED
            texts |= {key: nbctl("list", table) for key, table in listed.items()}
        finally:
            server.terminate()
            server.wait()
    return stable(texts)


def stable(texts: dict[str, str]) -> dict[str, str]:
    """Row UUIDs replaced by ones derived from the row's content; rows and sets sorted."""
    rows = {key: [r for r in text.strip("\n").split("\n\n") if r] for key, text in texts.items()}
    del rows["ovn_nb_show"]
    own = {UUID_RE.search(row).group(0): key for key, found in rows.items() for row in found}

    def masked(text: str) -> str:
        return UUID_RE.sub(lambda m: "ROW" if m.group(0) in own else m.group(0), text)

    renamed = {
        UUID_RE.search(row).group(0): str(uuid.uuid5(STABLE, f"{key}\n{masked(row)}"))
        for key, found in rows.items()
        for row in found
    }

    def rename(text: str) -> str:
        return UUID_RE.sub(lambda m: renamed.get(m.group(0), m.group(0)), text)

    out = {"ovn_nb_show": _sorted_tree(rename(texts["ovn_nb_show"]))}
    for key in NB_TABLES:
        records = sorted("\n".join(map(_sorted_set, rename(r).split("\n"))) for r in rows[key])
        out[key] = "".join(r + "\n\n" for r in records)[:-1] if records else ""
    return out


def _sorted_set(line: str) -> str:
    name, sep, value = line.partition(": [")
    if not sep or not value.endswith("]"):
        return line
    return f"{name}: [{', '.join(sorted(value[:-1].split(', ')))}]"


def _sorted_tree(text: str, depth: int = 0) -> str:
    """`ovn-nbctl show` with the blocks of each indentation level in sorted order."""
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if not blocks or len(line) - len(line.lstrip()) <= depth:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    if depth >= 8:
        return "".join(line + "\n" for block in blocks for line in block)
    shown = [block[0] + "\n" + _sorted_tree("\n".join(block[1:]), depth + 4) for block in blocks]
    return "".join(sorted(shown))
