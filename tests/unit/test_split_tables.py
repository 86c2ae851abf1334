"""Issue 10 item 8a: iptables-legacy and iptables-nft both holding Neutron's rules for the
instance. A packet crosses both tables, so a rule counts only where both let it through:
copying the nft ruleset plus an SSH RETURN into legacy must not lift a no-ssh-rule host."""

from __future__ import annotations

from typing import Any

from grading import edited, grade

CHAIN = "neutron-openvswi-ia1b2c3d4-e"
SSH = f"-A {CHAIN} -p tcp -m tcp --dport 22 -j RETURN\n"


def split(with_ssh_in: str | None) -> Any:
    """The no-ssh-rule host's root ruleset in both tables; WITH_SSH_IN gets an SSH RETURN
    inserted first in the instance's chain (None: neither)."""

    def edit(record: dict) -> None:
        if record["ns"] or not record["key"].startswith("iptables"):
            return
        if record["key"] == "iptables_save":
            record.clear()  # an alias of neither: only the two real tables
            return
        base = SAVED["text"]
        if record["key"] == with_ssh_in:
            first = base.index(f"-A {CHAIN} ")
            base = base[:first] + SSH + base[first:]
        record.update(rc=0, out=base, err="")

    return edited("no-ssh-rule", edit)


def _saved() -> str:
    from grading import snapshot

    found = snapshot("no-ssh-rule").root("iptables_save")
    assert found is not None
    return found.out


SAVED = {"text": _saved()}


def test_an_ssh_rule_copied_into_one_table_only_does_not_count() -> None:
    for table in ("iptables_legacy_save", "iptables_nft_save"):
        results = grade(split(table))
        ssh = results["sg.ssh"]
        assert ssh.status == "fail", (table, ssh.evidence)
        assert "a drop in either is final" in ssh.evidence
        assert results["sg.icmp"].status == "pass"  # what both tables allow still counts


def test_the_same_rules_in_both_tables_grade_as_one() -> None:
    results = grade(split(None))
    assert results["sg.ssh"].status == "fail" and results["sg.icmp"].status == "pass"
