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


def host_block(
    lab: Any, scenario: str, alias: str, extra: list[str], replace: dict[str, str] | None = None
) -> str:
    """The lab's ssh config block for SCENARIO, named ALIAS, with EXTRA lines added and the
    options named in REPLACE given other values (ssh keeps the first value of an option)."""
    lines = api.ssh_config_text([lab[scenario]]).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Host "))
    block = [f"Host {alias}"]
    for line in lines[start + 1 :]:
        key = line.split()[0] if line.strip() else ""
        block.append(f"    {key} {replace[key]}" if replace and key in replace else line)
    block += [f"    {line}" for line in extra]
    return "\n".join(block) + "\n"


def report(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


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


def test_first_contact_records_new_keys_and_refuses_a_changed_one(lab: Any, tmp_path: Path) -> None:
    """An empty known_hosts: the error says what to do; --accept-new-host-keys records the
    key and grades; a key that later differs is refused, with the flag too, in one line."""
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    config = tmp_path / "ssh_config"
    replace = {"UserKnownHostsFile": str(known_hosts), "HostKeyAlias": "newcomer"}
    config.write_text(host_block(lab, "complete", "newcomer", [], replace))
    check = ["check", "ssh://newcomer", "--ssh-config", str(config), "--format", "json"]

    first = labgrade(*check)
    assert first.returncode == 3
    error = report(first)["error"]
    assert error.startswith("host key of newcomer is not known here (not in known_hosts)")
    assert "--accept-new-host-keys" in error and "accept_new_host_keys: true" in error
    assert known_hosts.read_text() == ""

    accepted = labgrade(*check, "--accept-new-host-keys")
    assert accepted.returncode == 0, accepted.stdout
    assert report(accepted)["attempts"] == 1
    recorded = known_hosts.read_text()
    assert recorded.startswith("newcomer ssh-ed25519 ")
    assert labgrade(*check).returncode == 0  # recorded: later runs need no flag

    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    impostor = "newcomer " + " ".join(Path(f"{other}.pub").read_text().split()[:2]) + "\n"
    known_hosts.write_text(impostor)
    changed = labgrade(*check, "--accept-new-host-keys")
    assert changed.returncode == 3
    result = report(changed)
    assert result["error"].startswith(
        f"host key of newcomer CHANGED since it was recorded ({known_hosts} line 1): refused"
    )
    assert f"ssh-keygen -R newcomer -f {known_hosts}" in result["error"]
    assert result["attempts"] == 1  # never retried
    assert known_hosts.read_text() == impostor


def test_batch_first_run_with_accept_new_host_keys_in_class_yaml(lab: Any, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    config = tmp_path / "ssh_config"
    replace = {"UserKnownHostsFile": str(known_hosts), "HostKeyAlias": "fresh-class"}
    config.write_text(host_block(lab, "complete", "fresh-class", [], replace))
    for accept, expected in (("false", "error"), ("true", "graded")):
        inventory = tmp_path / f"class-{accept}.yaml"
        inventory.write_text(
            f"defaults:\n  ssh_config: {config}\n  accept_new_host_keys: {accept}\n"
            "students:\n  - {id: ada, target: fresh-class}\n"
        )
        out = tmp_path / f"out-{accept}"
        done = labgrade("batch", str(inventory), "--out", str(out), "--quiet")
        doc = json.loads((out / "students" / "ada.json").read_text())
        assert doc["status"] == expected, done.stderr
        if expected == "error":
            assert "accept_new_host_keys: true" in doc["error"]
    assert known_hosts.read_text().startswith("fresh-class ssh-ed25519 ")


def dropping_proxy(lab: Any, directory: Path, drops: int) -> str:
    """A ProxyCommand that closes the first DROPS connections before sshd answers (as sshd
    does past its MaxStartups), then reaches the host's real sshd."""
    counter = directory / "connections"
    script = directory / "drop-first.sh"
    script.write_text(
        "#!/bin/sh\n"
        f"echo . >> {counter}\n"
        f'if [ "$(wc -l < {counter})" -le {drops} ]; then exit 0; fi\n'
        f"exec nsenter --target {lab['complete'].init_pid} --net -- nc 127.0.0.1 22\n"
    )
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize(("drops", "attempts", "code"), [(1, 2, 0), (5, 3, 3)])
def test_a_dropped_handshake_is_tried_again(
    lab: Any, tmp_path: Path, drops: int, attempts: int, code: int
) -> None:
    config = tmp_path / "ssh_config"
    proxy = dropping_proxy(lab, tmp_path, drops)
    config.write_text(host_block(lab, "complete", "busy", [], {"ProxyCommand": proxy}))
    done = labgrade("check", "ssh://busy", "--ssh-config", str(config), "--format", "json")
    assert done.returncode == code, done.stdout
    result = report(done)
    assert result["attempts"] == attempts
    assert len((tmp_path / "connections").read_text().splitlines()) == attempts
    if code:
        assert result["error"].startswith("busy dropped the connection before the ssh handshake")
        assert result["error"].endswith("(3 attempts)")


def test_a_refused_login_is_not_tried_again(lab: Any, tmp_path: Path) -> None:
    key = tmp_path / "not_authorized"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    config = tmp_path / "ssh_config"
    config.write_text(host_block(lab, "complete", "badkey", [], {"IdentityFile": str(key)}))
    done = labgrade("check", "ssh://badkey", "--ssh-config", str(config), "--format", "json")
    assert done.returncode == 3
    result = report(done)
    assert result["error"].startswith("permission denied on badkey")
    assert result["attempts"] == 1


def test_a_class_with_an_unknown_key_and_a_busy_sshd(lab: Any, tmp_path: Path) -> None:
    """One batch: a host reached as usual, one whose key is unknown, one whose sshd drops
    the first handshake. Every row is a right grade or an error with its remedy; the
    others are not affected."""
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    unknown = tmp_path / "unknown.ssh_config"
    replace = {"UserKnownHostsFile": str(known_hosts), "HostKeyAlias": "stranger"}
    unknown.write_text(host_block(lab, "complete", "stranger", [], replace))
    busy = tmp_path / "busy.ssh_config"
    proxy = dropping_proxy(lab, tmp_path, drops=1)
    busy.write_text(host_block(lab, "complete", "busy", [], {"ProxyCommand": proxy}))
    inventory = tmp_path / "class.yaml"
    inventory.write_text(
        "students:\n"
        f"  - {{id: ada, target: {lab['complete'].name}, ssh_config: {lab.ssh_config}}}\n"
        f"  - {{id: bob, target: stranger, ssh_config: {unknown}}}\n"
        f"  - {{id: cy, target: busy, ssh_config: {busy}}}\n"
    )
    out = tmp_path / "out"
    done = labgrade("batch", str(inventory), "--out", str(out), "--quiet")
    assert done.returncode == 3, done.stderr
    docs = {
        s: json.loads((out / "students" / f"{s}.json").read_text()) for s in ("ada", "bob", "cy")
    }
    assert (docs["ada"]["score"], docs["ada"]["attempts"]) == (100, 1)
    assert (docs["cy"]["score"], docs["cy"]["attempts"]) == (100, 2)
    assert docs["bob"]["status"] == "error"
    assert docs["bob"]["error"].startswith("host key of stranger is not known here")
    assert "Students in error" in done.stdout and "bob: host key of stranger" in done.stdout
