"""`down` leaves the machine exactly as it was: namespaces, links, iptables, processes, mounts.

Uses its own hosts (not the session fixture) in a private state directory, so it can compare the
machine before any of them existed with the machine after they are gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.errors import LabError
from labsim import api, host_namespaces, script, state

pytestmark = pytest.mark.lab


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


def host_processes(hosts: list[api.LabHost]) -> dict[int, str]:
    """pid -> command line of every process of these hosts (their PID namespaces + unshare)."""
    namespaces = {os.readlink(f"/proc/{h.init_pid}/ns/pid") for h in hosts}
    unshares = {h.unshare_pid for h in hosts}
    result = {}
    for pid, args in processes().items():
        try:
            if pid in unshares or os.readlink(f"/proc/{pid}/ns/pid") in namespaces:
                result[pid] = args
        except OSError:
            continue
    return result


def still_running(recorded: dict[int, str]) -> dict[int, str]:
    now = processes()
    return {pid: args for pid, args in recorded.items() if now.get(pid) == args}


def machine() -> dict[str, object]:
    return {
        "netns": sh("ip netns list"),
        "links": sh("ip -o link | sed 's/^[0-9]*: //'"),
        "iptables": re.sub(r"(?m)^#.*\n|\[\d+:\d+\]", "", sh("iptables-save")),
        "mounts": Path("/proc/self/mounts").read_text(),
        "netns_ids": _network_namespaces_in_use(),
    }


def _network_namespaces_in_use() -> list[str]:
    """The network namespaces of every live process (a process may exit while we look)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                found.add(os.readlink(f"/proc/{entry}/ns/net"))
    return sorted(found)


@pytest.fixture
def private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABGRADE_LAB_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"
    api.down(all_hosts=True)


def test_down_leaves_the_machine_as_before(private_state: Path) -> None:
    before = machine()
    hosts = api.up_scenarios({"lg-td-1": "complete", "lg-td-2": "dhcp-down"})
    started = host_processes(hosts)
    names = [a.split()[0] for a in started.values()]
    assert names.count("unshare") == 2 and "dnsmasq" in names and "ovs-vswitchd" in names
    assert machine()["netns"] == before["netns"]  # nothing shows in the machine's /run/netns
    assert machine()["iptables"] == before["iptables"]
    assert {h.name for h in hosts} == {"lg-td-1", "lg-td-2"}
    assert api.down(all_hosts=True) == ["lg-td-1", "lg-td-2"]
    time.sleep(0.2)
    assert not still_running(started), "processes left behind"
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
    real_script, real_start = script.build_script, host_namespaces.start_init
    started: list[host_namespaces.Namespaces] = []

    def failing(plan: dict, release: object, key: str) -> str:
        text = real_script(plan, release, key)
        return text + (
            "echo 'simulated failure' >&2; false\n" if plan["name"] == "lg-td-bad" else ""
        )

    def recording() -> host_namespaces.Namespaces:
        started.append(real_start())
        return started[-1]

    monkeypatch.setattr(api, "build_script", failing)
    monkeypatch.setattr(host_namespaces, "start_init", recording)
    before = machine()
    with pytest.raises(LabError, match="lg-td-bad: build failed: simulated failure"):
        api.up(["lg-td-good", "lg-td-bad"], scenario="complete")
    assert len(started) == 2
    for ns in started:
        assert not host_namespaces.alive(ns.init_pid) and not host_namespaces.is_lab_init(ns)
    assert not state.load_all()
    now = machine()
    for key in ("netns", "links", "iptables", "mounts"):
        assert now[key] == before[key], key


def test_cli_errors_are_one_line(private_state: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "labgrade", "lab", "up", "x1", "--scenario", "nope"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 4
    assert done.stderr.count("\n") == 1 and "unknown scenario 'nope'" in done.stderr


def test_ctrl_c_during_up_says_interrupted_and_leaves_no_host(private_state: Path) -> None:
    """Ctrl-C (SIGINT to the whole foreground group) once some hosts are up and others are being
    built: 'interrupted' (exit 130), never 'build failed: exit -2', and all or nothing holds."""
    hosts_dir = private_state / "hosts"
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "labgrade",
            "lab",
            "up",
            "-n",
            "6",
            "-j",
            "2",
            "--scenario",
            "fresh",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 60
    while not list(hosts_dir.glob("*.json")) and up.poll() is None:
        assert time.monotonic() < deadline, "no host came up"
        time.sleep(0.01)
    built = [json.loads(path.read_text()) for path in hosts_dir.glob("*.json")]
    pids = {pid for host in built for pid in (host["init_pid"], host["unshare_pid"])}
    pids |= {pid for pid, args in processes().items() if _parent(pid) == up.pid}
    with contextlib.suppress(ProcessLookupError):  # `up` may have ended on its own already
        os.killpg(up.pid, signal.SIGINT)
    _, err = up.communicate(timeout=60)
    assert built, f"`lab up` ended (exit {up.returncode}) before any host came up: {err}"
    assert up.returncode == 130, err
    assert err.splitlines()[-1] == "labgrade: interrupted", err
    assert "exit -2" not in err and "build failed" not in err, err
    assert not list(hosts_dir.glob("*.json")), "hosts recorded after an interrupted up"
    time.sleep(0.2)
    assert not [pid for pid in pids if host_namespaces.alive(pid)], "processes left behind"


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0
