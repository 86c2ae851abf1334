"""The simulated lab's profiles: each Neutron release it can build (`Release`: plain flags and
comment texts that the line formats read) and each backend (`Backend`: which parts a host has).
Adding a release or a backend variant means adding a profile here; the builders in
formats.py, daemons.py, formats_ovsfw.py and formats_ovn.py read them.

`icehouse` is the era of the seed exercise (2013-14): INVALID DROP first, the DHCP server's source
rule, no comments, the metadata rule without `-i qr-+`, router SNAT per internal CIDR, qg- on br-ex.
`queens` and `2024.1` follow neutron-formats.md for later agents.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from grader.backends import LAB_NAMES
from grader.errors import LabError


@dataclass(frozen=True)
class Release:
    """How one Neutron release writes things. Add a release by adding an instance below."""

    name: str
    comments: bool  # Kilo+: `-m comment --comment "..."` on security-group rules
    invalid_first: bool  # Havana/Icehouse: INVALID DROP is the chain's first rule
    dhcp_ingress: str  # "server-source" (`-s DHCP/32 ...`, pre-Pike) | "client-dest" (Pike+)
    dhcp_client_broadcast: bool  # egress: the `-s 0.0.0.0/32 -d 255.255.255.255/32` rule first
    ipset: bool  # Juno+: remote-group rules match an ipset instead of one rule per member
    metadata_in_iface: bool  # metadata REDIRECT carries `-i qr-+`
    snat_per_cidr: bool  # pre-Kilo: `-s CIDR -j SNAT`; later: `-o qg-` plus the mark rule
    postrouting_in_iface: bool  # POSTROUTING ACCEPT rule carries `! -i qg-...`
    random_fully: bool  # Train+: `--random-fully` on SNAT
    route_proto_static: bool  # Train+: the default route is `proto static`
    qg_bridge: str  # "br-ex" (older DevStack) | "br-int" (Newton+, with int-br-ex/phy-br-ex)
    dnsmasq_form: str  # "icehouse" | "queens" | "stein"
    metadata_proxy: str  # listening on 9697: "neutron-ns-metadata-proxy" (pre-Pike) | "haproxy"
    conntrack_zones: bool  # Queens+: per-port `-j CT --zone N` rules in the host's raw table


@dataclass(frozen=True)
class Backend:
    """Which Neutron backend a host runs; the builders read these flags (docs/releases.md)."""

    name: str
    hybrid_plug: bool  # tap on qbr, qvb/qvo veth pair, qvo on br-int (else tap on br-int)
    iptables_sg: bool  # per-port security-group chains in the host's filter table
    agents: bool  # L3/DHCP agents: qrouter-/qdhcp- namespaces, dnsmasq, NAT in iptables
    ovs_flows: bool  # native OVS firewall: security-group flows on br-int (tables 71-82)
    ovn: bool  # ML2/OVN: northbound database, ovnmeta-<network> metadata namespace
    oldest_release: str = "icehouse"  # the oldest of RELEASES that had it
    history: str = ""  # when it appeared, for the error on an older release

    @property
    def grader_id(self) -> str:
        """Its id in the grader's backend table (grader/backends.py): what reports show."""
        return LAB_NAMES[self.name]


ICEHOUSE = Release(
    name="icehouse",
    comments=False,
    invalid_first=True,
    dhcp_ingress="server-source",
    dhcp_client_broadcast=False,
    ipset=False,
    metadata_in_iface=False,
    snat_per_cidr=True,
    postrouting_in_iface=True,
    random_fully=False,
    route_proto_static=False,
    qg_bridge="br-ex",
    dnsmasq_form="icehouse",
    metadata_proxy="neutron-ns-metadata-proxy",
    conntrack_zones=False,
)


QUEENS = Release(
    name="queens",
    comments=True,
    invalid_first=False,
    dhcp_ingress="client-dest",
    dhcp_client_broadcast=True,
    ipset=True,
    metadata_in_iface=True,
    snat_per_cidr=False,
    postrouting_in_iface=True,
    random_fully=False,
    route_proto_static=False,
    qg_bridge="br-int",
    dnsmasq_form="queens",
    metadata_proxy="haproxy",
    conntrack_zones=True,
)
# Each later release is the one before it plus what changed (neutron-formats.md).


R2024_1 = replace(
    QUEENS,
    name="2024.1",
    postrouting_in_iface=False,
    random_fully=True,  # Train+
    route_proto_static=True,  # Train+
    dnsmasq_form="stein",  # Stein+: no --interface, --bind-dynamic
)


RELEASES: dict[str, Release] = {r.name: r for r in (ICEHOUSE, QUEENS, R2024_1)}


DEFAULT_RELEASE = "icehouse"


HYBRID = Backend("hybrid", True, True, True, False, False)


OVS_FIREWALL = Backend(
    "ovs-firewall", False, False, True, True, False, "queens",
    "the native OVS firewall appeared in Newton (DevStack's default from Rocky)",
)  # fmt: skip


OVN = Backend(
    "ovn", False, False, False, False, True, "queens",
    "OVN appeared after Icehouse (ML2/OVN is DevStack's default from Xena)",
)  # fmt: skip


BACKENDS: dict[str, Backend] = {b.name: b for b in (HYBRID, OVS_FIREWALL, OVN)}


DEFAULT_BACKEND = "hybrid"


NEWER_BACKEND_RELEASE = "2024.1"  # the release when --backend is not hybrid and none is given
# Where the rules live: loaded with iptables-<name>-restore; the other one stays empty.


IPTABLES = ("nft", "legacy")


DEFAULT_IPTABLES = "nft"


def get_backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise LabError(f"unknown backend '{name}' (known: {', '.join(BACKENDS)})")
    return BACKENDS[name]


def default_release(backend: str) -> str:
    """The release when none is given: Icehouse (the seed's) for hybrid, else 2024.1."""
    return DEFAULT_RELEASE if backend == DEFAULT_BACKEND else NEWER_BACKEND_RELEASE


def check_combination(release: str, backend: str) -> None:
    """LabError if BACKEND did not exist yet in RELEASE (no OVN in Icehouse)."""
    wanted = get_backend(backend)
    order = list(RELEASES)
    if order.index(get_release(release).name) < order.index(wanted.oldest_release):
        newer = " or ".join(order[order.index(wanted.oldest_release) :])
        raise LabError(
            f"--backend {backend} with --release {release}: {wanted.history}; give "
            f"--release {newer}, or no --release ({NEWER_BACKEND_RELEASE} with this backend)"
        )


def get_release(name: str) -> Release:
    if name not in RELEASES:
        raise LabError(f"unknown release '{name}' (known: {', '.join(RELEASES)})")
    return RELEASES[name]
