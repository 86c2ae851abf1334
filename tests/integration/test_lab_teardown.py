"""`down` leaves the machine exactly as it was: namespaces, links, iptables, processes, mounts.

Uses its own hosts (not the session fixture) in a private state directory, so it can compare the
machine before any of them existed with the machine after they are gone.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from grader.errors import LabError
from grader.lab import api, script, state

pytestmark = pytest.mark.lab

LAB_PROCESS = re.compile(r"reaper\.py|ovsdb-server|ovs-vswitchd|dnsmasq|haproxy|/run/lab/|nc -dlk")


def sh(command: str) -> str:
    return subprocess.run(command, shell=True, capture_output=True, text=True, check=True).stdout


def processes() -> dict[int, str]:
    """pid -> command line of every live (non-zombie) process of the machine."""
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            args = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[0] != "Z":
            result[int(entry)] = args.strip()
    return result


def machine() -> dict[str, object]:
    return {
        "netns": sh("ip netns list"),
        "links": sh("ip -o link | sed 's/^[0-9]*: //'"),
        "iptables": re.sub(r"(?m)^#.*\n|\[\d+:\d+\]", "", sh("iptables-save")),
        "mounts": Path("/proc/self/mounts").read_text(),
        "netns_ids": sorted(set(os.readlink(f"/proc/{p}/ns/net") for p in _pids())),
    }


def _pids() -> list[str]:
    alive = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                os.readlink(f"/proc/{entry}/ns/net")
                alive.append(entry)
            except OSError:
                pass
    return alive


@pytest.fixture
def private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABGRADE_LAB_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"
    api.down(all_hosts=True)


def test_down_leaves_the_machine_as_before(private_state: Path) -> None:
    before, procs_before = machine(), processes()
    hosts = api.up_scenarios({"lg-td-1": "complete", "lg-td-2": "dhcp-down"})
    during = processes()
    started = {pid: args for pid, args in during.items() if pid not in procs_before}
    assert sum(1 for a in started.values() if a.startswith("python3 -I -S") and "reaper" in a) == 2
    assert machine()["netns"] == before["netns"]  # nothing shows in the machine's /run/netns
    assert machine()["iptables"] == before["iptables"]
    assert {h.name for h in hosts} == {"lg-td-1", "lg-td-2"}
    assert api.down(all_hosts=True) == ["lg-td-1", "lg-td-2"]
    time.sleep(0.2)
    after = processes()
    left = {pid: args for pid, args in after.items() if pid in started}
    assert not left, f"processes left behind: {left}"
    new = [args for pid, args in after.items() if pid not in procs_before]
    assert not [a for a in new if LAB_PROCESS.search(a)]
    now = machine()
    for key in ("netns", "links", "iptables", "mounts"):
        assert now[key] == before[key], key
    assert not private_state.exists(), "down --all leaves no state directory"


def test_up_refuses_an_existing_name(private_state: Path) -> None:
    api.up(["lg-td-dup"], scenario="fresh")
    with pytest.raises(LabError, match="already exists"):
        api.up(["lg-td-dup"], scenario="fresh")
    assert [h.name for h in state.load_all()] == ["lg-td-dup"]


def test_failed_up_is_torn_down(private_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build failing at its very end (everything started) tears down that host and the others."""
    real = script.build_script

    def failing(plan: dict, release: object, key: str) -> str:
        text = real(plan, release, key)
        return text + (
            "echo 'simulated failure' >&2; false\n" if plan["name"] == "lg-td-bad" else ""
        )

    monkeypatch.setattr(api, "build_script", failing)
    before, procs_before = machine(), processes()
    with pytest.raises(LabError, match="lg-td-bad: build failed: simulated failure"):
        api.up(["lg-td-good", "lg-td-bad"], scenario="complete")
    time.sleep(0.2)
    new = [a for p, a in processes().items() if p not in procs_before and LAB_PROCESS.search(a)]
    assert not new
    assert not state.load_all()
    now = machine()
    for key in ("netns", "links", "iptables", "mounts"):
        assert now[key] == before[key], key


def test_cli_errors_are_one_line(private_state: Path) -> None:
    done = subprocess.run(
        ["python3", "-m", "grader", "lab", "up", "x1", "--scenario", "nope"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 4
    assert done.stderr.count("\n") == 1 and "unknown scenario 'nope'" in done.stderr
