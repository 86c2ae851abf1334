# ruff: noqa: E501  (recorded command output is long lines by nature)
#
# A deliberately independent oracle, not a rendering of the lab's release profiles
# (labsim/formats.py). Both are written from the same reference, shared/neutron-formats.md, by
# separate code: the lab tests grade the simulated hosts the profiles build, the unit tests parse
# the snapshots written here, so a misreading of the reference in one of them makes the other's
# tests fail instead of letting both agree on the same mistake. It also covers seven releases
# where the lab builds three. Only the ML2/OVN and native-firewall text (flows, ovsdb tables)
# comes from the lab (lab_records.py): it needs the real ovsdb tools to render, and the lab's
# integration tests are its independent check.
"""Writes tests/data/snapshots/*.json: whole recorded snapshots of DevStack hosts, one per
scenario and per Neutron release variant, rendered in the shapes of shared/neutron-formats.md.
The ML2/OVN and native-firewall parts (flows, `ovs-ofctl show`, the northbound tables, external
ids, the ovnmeta- namespace) come from the simulated lab's own text: see lab_records.py.

    python3 tests/data/make_snapshots.py       # rewrite the files (tests check they are current)

Regenerating the OVN snapshots needs ovsdb-server and ovn-nbctl (scripts/setup.sh installs them).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

# The records are rendered by recorded_host.py (the Host and its helpers), recorded_root.py (the
# root namespace) and recorded_namespaces.py (Open vSwitch, qrouter-, qdhcp-, ovnmeta-).
HERE = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(HERE.parents[1]), str(HERE)) if p not in sys.path]
from lab_records import have_northbound_tools  # noqa: E402, F401  (test_snapshots_current)
from recorded_host import GATEWAY, NETWORK, ROUTER, Host, Vm, rec  # noqa: E402
from recorded_namespaces import dhcp_ns, ovnmeta_ns, ovs, router_ns  # noqa: E402
from recorded_root import processes, root_addrs, root_iptables, root_links  # noqa: E402


def build(host: Host) -> dict:
    records = [rec("hostname", "devstack\n"), rec("id_u", "0\n")]
    records += [rec("link", root_links(host)), rec("addr", root_addrs(host))]
    records.append(
        rec(
            "route",
            f"default via 192.168.122.1 dev eth0 proto dhcp src 192.168.122.10 metric 100\n172.24.4.0/24 dev br-ex proto kernel scope link src {GATEWAY}\n",
        )
    )
    rules = root_iptables(host)
    empty = "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n"
    if host.rules_in == "legacy":
        records += [
            rec("iptables_save", empty),
            rec("iptables_legacy_save", rules),
            rec("iptables_nft_save", empty),
        ]
    elif host.rules_in == "nft":
        records += [
            rec("iptables_save", rules),
            rec("iptables_legacy_save", ""),
            rec("iptables_nft_save", rules),
        ]
    else:
        records += [
            rec("iptables_save", rules),
            rec(
                "iptables_legacy_save", "", rc=127, err="iptables-legacy-save: command not found\n"
            ),
            rec("iptables_nft_save", "", rc=127, err="iptables-nft-save: command not found\n"),
        ]
    records.append(rec("processes", processes(host)))
    records += ovs(host)
    names = []
    ns_records: list[dict] = []
    if host.backend == "ovn":
        names.append(f"ovnmeta-{NETWORK}")
        ns_records += ovnmeta_ns(host)
    else:
        names += [f"qrouter-{ROUTER}", f"qdhcp-{NETWORK}"]
        ns_records += router_ns(host) + dhcp_ns(host)
    listing = "".join(f"{n} (id: {i})\n" for i, n in enumerate(names)) + "".join(
        f"{s}\n" for s in host.skipped
    )
    records.append(rec("netns_list", listing))
    records.append(rec("netns_skipped", "".join(f"{s}\n" for s in host.skipped)))
    records += ns_records
    if host.backend != "ovn" and host.dhcp_running:
        records.append(rec("netns_identify", f"qdhcp-{NETWORK}\n", arg="4242"))
    if host.backend != "ovn" and host.metadata:
        records.append(rec("netns_identify", f"qrouter-{ROUTER}\n", arg="4711"))
    if host.backend == "ovn" and host.metadata:
        records.append(rec("netns_identify", f"ovnmeta-{NETWORK}\n", arg="1301"))
    return {
        "format": "labgrade-snapshot/1",
        "gatherer": "gather.sh/1",
        "target": "recorded",
        "records": records,
        "total_bytes": sum(len(r["out"]) for r in records),
        "complete": True,
    }


def scenarios() -> dict[str, Host]:
    base = Host()
    vm = base.vms[0]
    second = Vm("0c8d9e0f-a1b2-4c3d-8e4f-5a6b7c8d9e0f", "10.0.0.17", "fa:16:3e:44:55:66")
    return {
        "complete": base,
        "no-ssh-rule": replace(base, vms=[replace(vm, ssh=False)]),
        "no-icmp-rule": replace(base, vms=[replace(vm, icmp=False)]),
        "dhcp-down": replace(base, dhcp_running=False),
        "no-metadata": replace(base, metadata=False),
        "no-floating-ip": replace(base, vms=[replace(vm, floating=None)]),
        "fresh": replace(base, vms=[]),
        "cleaned-up": replace(base, vms=[]),
        "pasted-rule-in-stray-chain": replace(base, vms=[replace(vm, ssh=False)], stray_ssh=True),
        "stale-floating-ip": replace(base, vms=[], stale_fip=True),
        "icehouse": replace(base, release="icehouse"),
        "icehouse-no-ssh-rule": replace(base, release="icehouse", vms=[replace(vm, ssh=False)]),
        "kilo": replace(base, release="kilo"),
        "pike": replace(base, release="pike"),
        "queens": replace(base, release="queens"),
        "stein": replace(base, release="stein"),
        "2024.1-conntrack-nft": replace(base, release="2024.1", conntrack=True, rules_in="nft"),
        "legacy-split": replace(base, rules_in="legacy"),
        "ovn": replace(base, backend="ovn"),
        "native-firewall": replace(base, backend="native"),
        "ovn-no-ssh-rule": replace(base, backend="ovn", vms=[replace(vm, ssh=False)]),
        "ovn-no-icmp-rule": replace(base, backend="ovn", vms=[replace(vm, icmp=False)]),
        "ovn-no-floating-ip": replace(base, backend="ovn", vms=[replace(vm, floating=None)]),
        "native-firewall-no-ssh-rule": replace(
            base, backend="native", vms=[replace(vm, ssh=False)]
        ),
        "native-firewall-no-icmp-rule": replace(
            base, backend="native", vms=[replace(vm, icmp=False)]
        ),
        "several-instances": replace(base, vms=[second, vm]),
        "hostile-junk": replace(
            base, junk=True, skipped=["qrouter-x;touch pwned", "qdhcp-$(id)", "--"]
        ),
    }


def main() -> int:
    out = HERE / "snapshots"
    out.mkdir(exist_ok=True)
    for name, host in scenarios().items():
        text = json.dumps(build(host), indent=1, ensure_ascii=False) + "\n"
        (out / f"{name}.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
