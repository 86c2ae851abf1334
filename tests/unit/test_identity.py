"""The class cross-check (students whose states share port UUIDs, MACs, machine-id or boot_id
are flagged, scores unchanged) and the tools run from outside the distribution's paths."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import pytest
from test_batch import recorded

import grader.connect
from grader.cli import main
from grader.identity import class_flags, foreign_tools, host_identity
from grader.snapshot import Record, Snapshot

REPO = Path(__file__).resolve().parents[2]
COMPLETE = REPO / "tests" / "data" / "snapshots" / "complete.json"
MACHINE = "3d1219c7c4c5404aaa1f6d2a48adfda4"


def complete() -> Snapshot:
    return Snapshot.from_json(COMPLETE.read_bytes(), source=str(COMPLETE))


def test_identity_holds_the_hosts_port_uuids_macs_and_ids() -> None:
    snapshot = complete()
    extra = (Record("machine_id", out=MACHINE + "\n"), Record("boot_id", out="not an id\n"))
    identity = host_identity(replace(snapshot, records=snapshot.records + extra))
    assert identity["ports"] and identity["macs"]
    assert all(len(port) == 11 for port in identity["ports"])
    assert identity["machine_id"] == (MACHINE,) and identity["boot_id"] == ()


def test_only_students_sharing_a_value_are_flagged() -> None:
    flags = class_flags(
        {
            "ada": {"ports": ("1a2b3c4d-5e",), "machine_id": (MACHINE,)},
            "bob": {"ports": ("1a2b3c4d-5e",), "machine_id": ("f" * 32,)},
            "cy": {"ports": ("99999999-99",), "machine_id": (MACHINE,)},
            "dee": {"ports": ("88888888-88",), "machine_id": ("e" * 32,)},
        }
    )
    assert flags == {
        "ada": ("shares Neutron port UUIDs with bob", "shares machine-id with cy"),
        "bob": ("shares Neutron port UUIDs with ada",),
        "cy": ("shares machine-id with ada",),
    }


def test_a_wrapper_outside_the_distribution_is_named() -> None:
    tools = Record(
        "tools",
        out="iptables-save /usr/local/sbin/iptables-save /usr/local/sbin/iptables-save\n"
        "ip /usr/sbin/ip /usr/bin/ip\n"
        "iptables-nft-save /usr/sbin/iptables-nft-save /opt/x/xtables\n"
        "ovn-nbctl - -\n",
    )
    assert foreign_tools(Snapshot((tools,))) == [
        "iptables-save: /usr/local/sbin/iptables-save",
        "iptables-nft-save: /usr/sbin/iptables-nft-save -> /opt/x/xtables",
    ]


def other_host(spec: str, command: str, options: Any, spool: IO[bytes]) -> int:
    """The recorded hosts (test_batch.recorded); ssh://other-N: the complete host with port
    UUIDs and MACs of its own."""
    if not spec.startswith("ssh://other-"):
        return recorded(spec, command, options, spool)
    identity = host_identity(complete())
    text = COMPLETE.read_text()
    for index, value in enumerate(identity["ports"] + identity["macs"]):
        text = text.replace(value, f"{index:02x}" + value[2:])
    doc = json.loads(text)
    doc.pop("complete", None)
    spool.write(json.dumps({**doc, "complete": True}).encode())
    return 1


def test_a_replayed_state_is_flagged_in_the_batch_without_changing_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """ada and bob hand in the same recorded host (a replayed gather); cy another one."""
    monkeypatch.setattr(grader.connect, "run_to_file", other_host)
    inventory = tmp_path / "class.csv"
    inventory.write_text("id,target\nada,complete-0\nbob,complete-1\ncy,other-2\n")
    out = tmp_path / "out"
    assert main(["batch", str(inventory), "--out", str(out), "--quiet"]) == 0
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    shared = "shares Neutron port UUIDs with {0}; shares port MAC addresses with {0}"
    assert rows["ada"]["flags"] == shared.format("bob")
    assert rows["cy"]["flags"] == "" and rows["ada"]["score"] == rows["bob"]["score"] == "100"
    report = json.loads((out / "students" / "bob.json").read_text())
    assert report["flags"] == shared.format("ada").split("; ")
    summary = capsys.readouterr().out
    assert "Flagged: state shared with classmates (scores unchanged):" in summary
    assert f"  bob: {shared.format('ada')}" in summary
    (out / "students" / "ada.json").unlink()  # --resume keeps bob's identity from his report
    assert main(["batch", str(inventory), "--out", str(out), "--resume", "--quiet"]) == 0
    with open(out / "grades.csv", newline="") as handle:
        assert {r["id"]: r["flags"] for r in csv.DictReader(handle)}["bob"].startswith("shares")


@pytest.mark.parametrize("flags", [[1], "x", [None]])
def test_a_stored_report_with_bad_flags_is_graded_again(flags: Any) -> None:
    from grader.result_file import result_from_dict

    doc = json.loads(
        '{"format": "labgrade-result/1", "status": "graded", "target": "t", "score": 1,'
        ' "max_score": 2}'
    )
    with pytest.raises(ValueError):
        result_from_dict({**doc, "flags": flags})
