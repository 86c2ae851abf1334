"""The student's progress on lab hosts: the local history (a check that passed once is
remembered, `labgrade history` shows the timeline) and `check --watch` under a real
pseudo-terminal (a rule added mid-watch shows up marked as changed; Ctrl-C exits 130)."""

from __future__ import annotations

import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab
SCENARIO = "no-icmp-rule"


def inbound_chain(lab: Any) -> str:
    rules = lab.run(SCENARIO, "iptables -S").stdout + lab.run(SCENARIO, "iptables-legacy -S").stdout
    return re.search(r"-A (neutron-openvswi-i\S+) ", rules).group(1)


@contextmanager
def icmp_allowed(lab: Any) -> Iterator[None]:
    """The student adds the missing ICMP rule (by hand, as the security group would)."""
    chain = shlex.quote(inbound_chain(lab))
    tools = (
        "iptables-legacy"
        if lab.run(SCENARIO, f"iptables-legacy -S {chain}").returncode == 0
        else "iptables"
    )
    added = lab.run(SCENARIO, f"{tools} -w -I {chain} 1 -p icmp -j RETURN")
    assert added.returncode == 0, added.stderr
    try:
        yield
    finally:
        lab.run(SCENARIO, f"{tools} -w -D {chain} -p icmp -j RETURN")


def on_the_host(lab: Any, args: str, history: str) -> subprocess.CompletedProcess[str]:
    command = (
        f"cd {shlex.quote(str(REPO))} && LABGRADE_HISTORY={history} "
        f"COLUMNS=100 {shlex.quote(sys.executable)} -m labgrade {args}"
    )
    return lab.run(SCENARIO, command, timeout=60)


def test_a_check_that_passed_once_is_remembered(lab) -> None:
    history = "/run/lab/tmp/test-history.jsonl"
    lab.run(SCENARIO, f"rm -f {history}")
    assert on_the_host(lab, "check", history).returncode == 1
    with icmp_allowed(lab):
        assert on_the_host(lab, "check", history).returncode == 0
    after = on_the_host(lab, "check", history)
    assert after.returncode == 1
    text = after.stdout
    assert re.search(r"best so far: 100/100 on \S+", text), text
    assert re.search(r"before:\s+passed on this host on \S+", text), text
    timeline = on_the_host(lab, "history", history).stdout.splitlines()
    assert [line.split()[1] for line in timeline[:3]] == ["90/100", "100/100", "90/100"]
    assert "+sg.icmp" in timeline[1] and "-sg.icmp" in timeline[2]
    assert on_the_host(lab, "check --no-history", history).returncode == 1
    assert len(on_the_host(lab, "history", history).stdout.split("\n\n")[0].splitlines()) == 3


def read_until(fd: int, pattern: str, timeout: float) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 65536).decode("utf-8", "replace")
            except OSError:
                break
            if re.search(pattern, seen):
                return seen
    raise AssertionError(f"no /{pattern}/ within {timeout} s; seen:\n{seen[-2000:]}")


def test_watch_redraws_and_marks_a_rule_added_mid_watch(lab) -> None:
    main, child = pty.openpty()
    env = dict(os.environ, COLUMNS="100", TERM="xterm")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "labgrade",
            "check",
            f"ssh://{lab[SCENARIO].name}",
            "--ssh-config",
            str(lab.ssh_config),
            "--watch",
            "1",
        ],
        stdin=child,
        stdout=child,
        stderr=child,
        cwd=REPO,
        env=env,
        start_new_session=True,
    )
    os.close(child)
    try:
        # the whole first round: its total, then the failing check's line further down
        read_until(main, r"Total: 90/100[\s\S]*FAIL\s+ICMP is allowed in", 60)
        with icmp_allowed(lab):
            changed = read_until(main, r"PASS\*\s+ICMP is allowed in \(was fail\)", 60)
            assert "Total: 100/100" in changed
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
