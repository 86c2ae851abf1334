"""How labgrade connects, on the simulated lab over real SSH: nothing is forwarded whatever the
ssh config says (issue 10.3), first contact with unknown host keys (issue 9.3), and a handshake
dropped by the server retried (issue 9.4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from labsim import api

pytestmark = pytest.mark.lab
LABGRADE = [sys.executable, "-m", "labgrade"]
REMOTE_PORT = 47001

ENV_EXERCISES = f"""\
version: 1
exercises:
  - id: env
    title: What the gather's environment holds
    checks:
      - id: env.agent
        title: no forwarded ssh agent
        points: 1
        check: command
        params: {{command: "env", pattern: "^SSH_AUTH_SOCK=", absent: true}}
      - id: env.display
        title: no forwarded X display
        points: 1
        check: command
        params: {{command: "env", pattern: "^DISPLAY=", absent: true}}
      - id: env.remote-forward
        title: no port forwarded back to the grader
        points: 1
        check: command
        params: {{command: "ss -Hltn", pattern: ":{REMOTE_PORT}\\\\b", absent: true}}
"""


def labgrade(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LABGRADE, *args], capture_output=True, text=True, timeout=120, env=env)


def host_block(lab: Any, scenario: str, alias: str, extra: list[str]) -> str:
    """The lab's ssh config block for SCENARIO, named ALIAS, with EXTRA lines added."""
    lines = api.ssh_config_text([lab[scenario]]).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Host "))
    block = [f"Host {alias}", *lines[start + 1 :], *(f"    {line}" for line in extra)]
    return "\n".join(block) + "\n"


def test_no_forwarding_whatever_the_ssh_config_says(lab: Any, tmp_path: Path) -> None:
    """An instructor's ssh_config with ForwardAgent, ForwardX11(Trusted), RemoteForward and a
    LocalCommand: the gather on the student host sees no SSH_AUTH_SOCK, no DISPLAY, no
    forwarded port, and the LocalCommand never runs on the grading machine."""
    marker = tmp_path / "local-command-ran"
    extra = [
        "ForwardAgent yes",
        "ForwardX11 yes",
        "ForwardX11Trusted yes",
        f"RemoteForward 127.0.0.1:{REMOTE_PORT} 127.0.0.1:22",
        "PermitLocalCommand yes",
        f"LocalCommand touch {marker}",
    ]
    config = tmp_path / "ssh_config"
    config.write_text(host_block(lab, "complete", "forwarding", extra))
    exercises = tmp_path / "env.yaml"
    exercises.write_text(ENV_EXERCISES)
    agent_socket = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(agent_socket)], stdout=subprocess.PIPE)
    try:
        env = dict(os.environ, SSH_AUTH_SOCK=str(agent_socket), DISPLAY="localhost:77.0")
        for spec in ("ssh://forwarding", "paramiko://forwarding"):
            done = labgrade(
                "check", spec, "--ssh-config", str(config), "--exercises", str(exercises),
                "--format", "json", env=env,
            )  # fmt: skip
            result = json.loads(done.stdout)
            statuses = {c["id"]: c["status"] for e in result["exercises"] for c in e["checks"]}
            assert statuses == dict.fromkeys(statuses, "pass"), (spec, done.stdout)
            assert len(statuses) == 3
        assert not marker.exists(), "the ssh config's LocalCommand ran"
    finally:
        agent.kill()
        agent.wait(timeout=10)
