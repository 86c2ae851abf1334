"""connect: what every ssh labgrade starts is told, and programs missing on this machine."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader.connect import ConnectOptions, missing_program, ssh_arguments

FORWARDING_OFF = ["-a", "-x", "-T", "-o", "ClearAllForwardings=yes", "-o", "PermitLocalCommand=no"]


def test_every_ssh_has_forwarding_and_local_commands_off() -> None:
    """ssh keeps the first value of an option and reads its command line first: labgrade's
    own options come before any the inventory adds."""
    args = ssh_arguments("ssh://lab-1", ConnectOptions(ssh_args=("-o", "ForwardAgent=yes")))
    assert args[: len(FORWARDING_OFF)] == FORWARDING_OFF
    assert args[-2:] == ["-o", "ForwardAgent=yes"]
    assert "StrictHostKeyChecking=accept-new" not in args
    assert "BatchMode=yes" in args


@pytest.mark.parametrize(
    ("spec", "program", "package"),
    [
        ("podman://web", "podman", "podman"),
        ("docker://web", "docker", "docker.io"),
        ("kubectl://pod", "kubectl", "kubernetes-client"),
        ("ssh://lab-1", "ssh", "openssh-client"),
        ("safe-ssh://lab-1", "ssh", "openssh-client"),
    ],
)
def test_a_missing_local_program_is_named_with_its_package(
    spec: str, program: str, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    message = missing_program(spec)
    assert message is not None
    assert message.startswith(f"`{program}` is not installed on this machine")
    assert message.endswith(f"(install the Debian package {package})")


def test_a_password_in_the_spec_needs_sshpass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None if name == "sshpass" else f"/x/{name}")
    assert "`sshpass`" in (missing_program("ssh://ada:secret@lab-1") or "")
    assert missing_program("ssh://ada@lab-1") is None
    assert missing_program("local://") is None


@pytest.mark.parametrize("target", ["podman://foo", "docker://foo", "kubectl://foo"])
def test_check_says_which_local_program_is_missing_in_one_line(target: str) -> None:
    """`labgrade check podman://foo` on a machine without podman: one line naming the program
    and its package (not the host), exit 3, no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", target, "--timeout", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/nonexistent"},
    )
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "is not installed on this machine" in lines[0]
    assert "Traceback" not in done.stderr and "AssertionError" not in done.stderr
