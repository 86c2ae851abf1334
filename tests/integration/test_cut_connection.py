"""Gathers cut short on real hosts: the connection lost mid-gather (the host's sshd session
killed from inside the gather, by an iptables-save on PATH), and a hand-run collect script
stopped half-way. The faults live in each host's private mount namespace."""

from __future__ import annotations

import json
import time

import pytest
from hostops import REPO, labgrade, on_host, own_hosts

pytestmark = pytest.mark.lab

REAL_PATH = "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
# iptables-save that kills the sshd session it runs under (the nearest sshd ancestor): the
# first time only on lg-cut-once, every time on lg-cut-always. Outside ssh it is the real one.
CUTTER = f"""mount -t tmpfs tmpfs /usr/local/sbin
cat > /usr/local/sbin/iptables-save <<'EOF'
#!/bin/sh
if [ ! -e /run/lab/cut-done ] || [ -e /run/lab/cut-always ]; then
  p=$$
  while [ "$p" -gt 1 ]; do
    p=$(awk '{{print $4}}' /proc/$p/stat)
    case $(cat /proc/$p/comm 2>/dev/null) in
    sshd*) touch /run/lab/cut-done; sleep 1; kill -9 "$p"; sleep 20; exit 1 ;;
    esac
  done
fi
{REAL_PATH} exec iptables-save "$@"
EOF
cat > /usr/local/sbin/ovs-ofctl <<'EOF'
#!/bin/sh
if [ -e /run/lab/slow-ofctl ]; then touch /run/lab/in-ofctl; sleep 60; fi
{REAL_PATH} exec ovs-ofctl "$@"
EOF
chmod 755 /usr/local/sbin/iptables-save /usr/local/sbin/ovs-ofctl
"""


@pytest.fixture(scope="module")
def cut_hosts(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cut")
    names = {"lg-cut-once": "complete", "lg-cut-always": "complete"}
    with own_hosts(lab, names, tmp) as (hosts, ssh_config):
        for name in names:
            on_host(hosts[name], CUTTER)
        on_host(hosts["lg-cut-always"], "touch /run/lab/cut-always")
        yield hosts, ssh_config, tmp


def test_a_gather_cut_once_is_run_again_and_graded_whole(cut_hosts) -> None:
    _hosts, ssh_config, _ = cut_hosts
    done = labgrade("check", "lg-cut-once", "--ssh-config", str(ssh_config), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert (result["score"], result["max_score"], result["gather_cut"]) == (100, 100, None)
    assert result["remote_commands"] == 2  # the cut gather and its one retry


def test_a_gather_cut_every_time_is_an_error_saying_where(cut_hosts) -> None:
    _hosts, ssh_config, _ = cut_hosts
    done = labgrade("check", "lg-cut-always", "--ssh-config", str(ssh_config))
    assert done.returncode == 3, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "lg-cut-always: the gather was cut after `ip route` (record 5)" in line
    assert "again on a second try" in line


def test_a_hand_run_collect_stopped_half_way_is_graded_as_cut(cut_hosts) -> None:
    """`sudo sh labgrade-collect.sh > host.json` stopped while it waits on ovs-ofctl: the file
    is a valid snapshot marked cut; the report says so at the top and nothing fails for it."""
    hosts, _, tmp = cut_hosts
    host = hosts["lg-cut-always"]  # by hand (no sshd above it) its iptables-save is the real one
    script = (REPO / "grader" / "gather.sh").read_text()
    on_host(host, f"cat > /run/lab/collect.sh <<'EOF'\n{script}EOF\ntouch /run/lab/slow-ofctl")
    on_host(
        host, "sh /run/lab/collect.sh > /run/lab/hand.json 2>/dev/null & echo $! > /run/lab/pid"
    )
    deadline = time.monotonic() + 60
    while on_host(host, "ls /run/lab").split().count("in-ofctl") == 0:
        assert time.monotonic() < deadline, "the collect script never reached ovs-ofctl"
        time.sleep(0.2)
    on_host(host, 'kill -TERM "$(cat /run/lab/pid)"; sleep 1')
    path = tmp / "hand.json"
    path.write_text(on_host(host, "cat /run/lab/hand.json"))
    done = labgrade("check", "--snapshot", str(path))
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    first_note = next(i for i, line in enumerate(lines) if line.startswith("! "))
    assert lines[first_note].startswith("! the gather was cut after `ovs-vsctl get"), done.stdout
    assert first_note < next(i for i, line in enumerate(lines) if line.startswith("Total:"))
    result = json.loads(labgrade("check", "--snapshot", str(path), "--format", "json").stdout)
    statuses = {c["id"]: c["status"] for e in result["exercises"] for c in e["checks"]}
    assert "fail" not in statuses.values(), statuses
    assert statuses["sg.ssh"] == "pass" and statuses["nat.dnat"] == "error"
