"""Hints name the commands of the host's Neutron release (issue 12.3), read from what the
agents wrote (grader/facts/release_era.py), with the host's own names filled in: an Icehouse
host is told `neutron`/`nova`, a Train host `openstack`, a host that shows no sign of its
release both, each labelled with the releases it is for."""

from __future__ import annotations

import re

import pytest
from grading import exercises, facts_of
from neutron_host import FLOATING, I_CHAIN, NETWORK, QROUTER, ROUTER, Host, hybrid
from neutron_release_forms import TAGS

from checks import load_all
from grader.engine import grade
from grader.errors import InputFileError
from grader.facts.release_era import NAMES, RELEASES, release_era
from grader.model import load_exercises
from grader.report.text import render_text
from grader.result import HostResult

LEGACY = ("neutron security-group-rule-create", "nova floating-ip-create", "nova add-floating-ip")
OPENSTACK = ("openstack security group rule create", "openstack floating ip create")


def report(host: Host, only: str = "sg,routing,nat") -> tuple[HostResult, str]:
    result = grade(exercises(), host.facts(), only.split(","), checks=load_all())
    return result, render_text(result, width=100)


def without_ssh_and_floating_ip(host: Host) -> Host:
    """The student has not added the SSH rule nor associated a floating IP yet."""
    host.edit("iptables_save", drop="--dport 22")
    host.edit("iptables_save", QROUTER, drop=FLOATING)
    return host.edit("addr", QROUTER, drop=f"{FLOATING}/32")


def hints(result: HostResult) -> str:
    return "\n".join(check.hint for check in result.checks())


def test_an_icehouse_host_is_told_the_neutron_and_nova_clients() -> None:
    result, text = report(without_ssh_and_floating_ip(hybrid("2014.1")))
    assert result.discovered["release"] == "before Kilo (Havana to Juno)"
    assert any("-j SNAT --to-source" in e for e in result.discovered["release_evidence"])
    told = hints(result)
    assert all(command in told for command in LEGACY), told
    assert "openstack" not in told
    # the student reads it on the first screen, under next:, whole
    first = " ".join(text.split("\n\n", 1)[0].split())
    assert "next: SSH (tcp/22) is allowed in" in first
    assert "`neutron security-group-rule-create --protocol tcp --port-range-min 22" in first
    assert "openstack" not in text


def test_a_train_host_is_told_the_openstack_client() -> None:
    result, text = report(without_ssh_and_floating_ip(hybrid("15.0.0")))
    assert result.discovered["release"] == "Pike or later"
    told = hints(result)
    assert all(command in told for command in OPENSTACK), told
    assert "--protocol tcp --dst-port 22 default" in told  # --proto left OSC in 10.0.0
    assert "openstack server add floating ip <instance>" in told
    assert "neutron security-group-rule-create" not in told and "nova " not in told
    assert "openstack security group rule create --protocol tcp" in " ".join(text.split())


def no_sign(host: Host) -> Host:
    """A Train host that shows none of its release: comment_iptables_rules = False, no
    stateful rules left in the port's chain, a router without a gateway (no SNAT), the
    metadata proxy not running."""
    for ns in (None, QROUTER):
        record = host.records[("iptables_save", ns, None)]
        record["out"] = re.sub(r' -m comment --comment "[^"]*"', "", record["out"])
    host.edit("iptables_save", drop=f"-A {I_CHAIN} -m state")
    host.edit("iptables_save", QROUTER, drop="-snat -")
    return host.edit("processes", drop="haproxy")


def test_a_host_without_a_sign_of_its_release_is_told_every_client_labelled() -> None:
    host = without_ssh_and_floating_ip(no_sign(hybrid("15.0.0")))
    result, _ = report(host)
    assert result.discovered["release"] == "unknown (no sign of the release)"
    assert result.discovered["release_evidence"] == []
    told = hints(result)
    assert all(command in told for command in LEGACY + OPENSTACK), told
    assert "before Kilo: `neutron security-group-rule-create" in told
    assert "Kilo to Mitaka: `openstack security group rule create --proto tcp" in told
    assert "Newton or later: `openstack security group rule create --protocol tcp" in told


def test_contradicting_signs_leave_the_release_unknown() -> None:
    host = hybrid("15.0.0")  # its rules carry Kilo's comments; its router SNATs as Juno did
    host.edit("iptables_save", QROUTER, drop="-snat -m mark")
    host.edit("iptables_save", QROUTER, replace=("-snat -o qg-0a1b2c3d-4e", "-snat -s 10.1.0.0/24"))
    era = release_era(host.facts())
    assert era.conflict and not era.known
    assert era.describe().startswith("unknown (signs of different releases: ")


def test_the_hosts_own_names_fill_the_placeholders() -> None:
    result, _ = report(without_ssh_and_floating_ip(hybrid("15.0.0")), "devices,routing,nat")
    by_id = {check.id: check.hint for check in result.checks()}
    assert f"--nic net-id={NETWORK} demo" in by_id["devices.instance-tap"]
    assert f"qrouter-{ROUTER} ip route show" in by_id["routing.default-route"]
    complete, _ = report(hybrid("15.0.0"), "nat")
    dnat = {check.id: check.hint for check in complete.checks()}["nat.dnat"]
    assert f"-d {FLOATING}/32 -j DNAT --to-destination 10.1.0.5" in dnat


@pytest.mark.parametrize(
    ("name", "release"),
    [
        ("icehouse", "before Kilo (Havana to Juno)"),
        ("queens", "Pike or later"),
        ("2024.1-conntrack-nft", "Pike or later"),
        ("native-firewall", "Pike or later"),
        ("ovn", "Newton or later"),
    ],
)
def test_recorded_snapshots_of_several_releases(name: str, release: str) -> None:
    assert release_era(facts_of(name)).describe() == release


@pytest.mark.parametrize("tag", TAGS)
def test_the_release_range_of_every_recorded_tag_holds_its_release(tag: str) -> None:
    """Hosts written from Neutron's code at each tag (neutron_host.py): the range read from
    them is known and holds the tag's release; Kilo is pinned down exactly."""
    era = release_era(hybrid(tag).facts())
    release = NAMES.index(next(name for name, at in RELEASES if at == tag))
    assert era.known and not era.conflict
    assert era.first <= release <= era.last, (tag, era.describe(), era.evidence)
    if tag == "2015.1.0":
        assert era.describe() == "Kilo"


def test_an_ovn_host_is_told_the_openstack_client() -> None:
    result = grade(exercises(), facts_of("ovn-no-ssh-rule"), checks=load_all())
    hint = next(c.hint for c in result.checks() if c.id == "ovn.sg-ssh")
    assert "`openstack security group rule create --protocol tcp --dst-port 22 default`" in hint
    assert "neutron security-group-rule-create" not in hint


RULE = """version: 1
exercises:
  - id: e
    title: E
    checks:
      - id: e.one
        title: One
        points: 1
        check: command
        params: {{command: "true"}}
        hint:
{hint}
"""


@pytest.mark.parametrize(
    ("hint", "line", "key", "problem"),
    [
        ('          "Run {command}"', 11, "hint", "needs the mapping form"),
        ("          text: Run it", 12, "hint.text", "must be a string holding {command}"),
        ('          text: "{command}"\n          command: []', 13, "hint.command", "mapping"),
        (
            '          text: "{command}"\n          command:\n            kilos: x',
            14,
            "hint.command.kilos",
            "unknown release",
        ),
        (
            '          text: "{command}"\n          command:\n            kilo: ""',
            14,
            "hint.command.kilo",
            "non-empty string",
        ),
        (
            '          text: "{command}"\n          command:\n            newton: a\n'
            "            kilo: b",
            13,
            "hint.command",
            "oldest first",
        ),
        ('          text: "{command}"\n          cmd: x', 13, "hint.cmd", "unknown key"),
        ("          - a list", 11, "hint", "must be a string or a mapping"),
    ],
)
def test_validate_names_the_line_and_key_of_a_bad_hint(
    tmp_path, hint: str, line: int, key: str, problem: str
) -> None:
    path = tmp_path / "exercises.yaml"
    path.write_text(RULE.format(hint=hint))
    with pytest.raises(InputFileError) as caught:
        load_exercises(path)
    message = str(caught.value)
    assert f"{path}:{line}" in message and key in message and problem in message, message


INSTANCE = "fa1ddbab-417f-4890-abc1-4cdf2bbfa787"


def with_qemu(host: Host, nova: str, instance: str = INSTANCE) -> Host:
    """The instance's qemu as Nova's libvirt driver starts it (its SMBIOS names Nova's version
    and the instance id)."""
    qemu = (
        f"   3101 /usr/bin/qemu-system-x86_64 -name guest=instance-00000001,debug-threads=on "
        f"-m 512 -uuid {instance} -smbios type=1,manufacturer=OpenStack Foundation,"
        f"product=OpenStack Nova,version={nova},serial={instance},uuid={instance},"
        "family=Virtual Machine -no-user-config -nodefaults"
    )
    return host.edit("processes", add=qemu)


@pytest.mark.parametrize(
    ("tag", "nova", "release"),
    [
        ("2014.1", "2014.1.1", "Icehouse"),
        ("15.0.0", "20.2.1", "Train"),
        ("8.0.0", "13.0.0", "Mitaka"),
    ],
)
def test_novas_version_in_the_instances_smbios_names_the_release(
    tag: str, nova: str, release: str
) -> None:
    era = release_era(with_qemu(hybrid(tag), nova).facts())
    assert era.describe() == release and f"Nova {nova} (the instance's qemu -smbios)" in str(
        era.evidence
    )


def test_the_instance_id_from_its_qemu_completes_the_commands() -> None:
    host = with_qemu(without_ssh_and_floating_ip(hybrid("2014.1")), "2014.1.1")
    result, _ = report(host)
    floating = next(c.hint for c in result.checks() if c.id == "routing.floating-ip")
    assert f"`nova add-floating-ip {INSTANCE} <floating IP>`" in floating
    two = with_qemu(with_qemu(hybrid("2014.1"), "2014.1.1"), "2014.1.1", ROUTER)
    result, _ = report(two, "cleanup")
    assert "`nova delete <instance>`" in " ".join(c.hint for c in result.checks())
