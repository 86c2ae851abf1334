"""Issue 9 item 8b: Linux before 4.1 (Ubuntu 14.04's 3.13, the seed's era) prints a veth in
`ip -o link` without `@peer` (the veth driver had no ndo_get_iflink). The hybrid plug is then
proved by `ethtool -S qvb` (peer_ifindex) where gathered, else by Nova's names and the bridge
memberships; it never fails a correct student."""

from __future__ import annotations

from grading import grade
from neutron_host import QBR, QVB, QVO, Host, hybrid

from grader.result import CheckResult

QVO_INDEX = 9  # neutron_host.hybrid's `ip -o link`: 9: qvo...@qvb..., 10: qvb...@qvo...


def pre_41(tag: str = "2014.1") -> Host:
    host = hybrid(tag)
    host.edit("link", replace=(f"{QVO}@{QVB}", QVO))
    return host.edit("link", replace=(f"{QVB}@{QVO}", QVB))


def ethtool(peer_ifindex: int) -> str:
    return f"NIC statistics:\n     peer_ifindex: {peer_ifindex}\n"


def hybrid_plug(host: Host) -> CheckResult:
    return grade(host.facts())["devices.hybrid-plug"]


def test_without_peer_names_the_names_and_bridges_prove_the_pair() -> None:
    result = hybrid_plug(pre_41())
    assert result.status == "pass", result.evidence
    assert "names no veth peers" in result.evidence and f"{QVB} on {QBR}" in result.evidence


def test_ethtool_peer_ifindex_proves_the_pair() -> None:
    host = pre_41().put("ethtool_stats", ethtool(QVO_INDEX), arg=QVB)
    result = hybrid_plug(host)
    assert result.status == "pass" and "names no veth peers" not in result.evidence


def test_ethtool_naming_another_peer_fails() -> None:
    host = pre_41().put("ethtool_stats", ethtool(3), arg=QVB)
    result = hybrid_plug(host)
    assert result.status == "fail"
    assert f"{QVB} and {QVO} are not a veth pair" in result.evidence


def test_a_newer_kernel_still_reads_the_peer_from_ip_link() -> None:
    host = hybrid("15.0.0").edit("link", replace=(f"{QVB}@{QVO}", f"{QVB}@if3"))
    host.edit("link", replace=(f"{QVO}@{QVB}", f"{QVO}@if3"))
    assert hybrid_plug(host).status == "fail"
