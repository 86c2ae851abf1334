"""connect: what every ssh labgrade starts is told, and programs missing on this machine."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest
from testinfra.backend.base import CommandResult

from grader import connect
from grader.connect_failures import connection_error, missing_program
from grader.connect_options import ConnectOptions, ssh_arguments
from grader.errors import HostError, InputFileError
from grader.inventory import load_inventory
from labsim import target

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
        ("lxc://web", "lxc", "lxd-client"),
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


@pytest.mark.parametrize(
    "target", ["podman://foo", "docker://foo", "kubectl://foo", "lxc://foo", "openshift://foo"]
)
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


def ssh_failure(stderr: str) -> RuntimeError:
    """What testinfra's ssh backend raises for an ssh that exited 255."""
    return RuntimeError(CommandResult(None, 255, b"ssh", b"", stderr.encode()))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("stderr", "transient", "starts"),
    [
        (
            "kex_exchange_identification: Connection closed by remote host\r\n"
            "Connection closed by UNKNOWN port 65535\r\n",
            True,
            "lab-1 dropped the connection before the ssh handshake",
        ),
        ("kex_exchange_identification: read: Connection reset by peer\r\n", True, "lab-1 dropped"),
        ("stack@lab-1: Permission denied (publickey).\r\n", False, "permission denied on lab-1"),
        (
            "No ED25519 host key is known for lab-1 and you have requested strict checking.\r\n"
            "Host key verification failed.\r\n",
            False,
            "host key of lab-1 is not known here",
        ),
        (
            "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\r\n"
            "Offending ED25519 key in /home/t/.ssh/known_hosts:7\r\n"
            "Host key verification failed.\r\n",
            False,
            "host key of lab-1 CHANGED since it was recorded (/home/t/.ssh/known_hosts line 7)",
        ),
        ("ssh: connect to host lab-1 port 22: Connection refused\r\n", False, "lab-1 is unreach"),
    ],
)
def test_only_a_connection_dropped_before_the_handshake_is_transient(
    stderr: str, transient: bool, starts: str
) -> None:
    error = connection_error("lab-1", ssh_failure(stderr), ConnectOptions())
    assert error.transient is transient
    assert str(error).startswith(starts)
    assert "\n" not in str(error)


def test_paramiko_banner_errors_are_transient_and_bad_keys_are_not() -> None:
    banner = paramiko.SSHException("Error reading SSH protocol banner")
    assert connection_error("lab-1", banner, ConnectOptions()).transient
    auth = paramiko.AuthenticationException("Authentication failed.")
    assert not connection_error("lab-1", auth, ConnectOptions()).transient


def test_retries_are_bounded_with_back_off(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []

    def dropped(spec: str, command: str, options: ConnectOptions, spool: object) -> int:
        calls.append(time.monotonic())
        raise connection_error("lab-1", ssh_failure("kex_exchange_identification: x\n"), options)

    monkeypatch.setattr(connect, "run_to_file", dropped)
    monkeypatch.setattr(connect, "RETRY_PAUSE", 0.05)
    with pytest.raises(HostError) as caught:
        connect.run_with_retries("ssh://lab-1", "true", ConnectOptions(timeout=10))
    assert caught.value.attempts == connect.MAX_ATTEMPTS == len(calls)
    assert str(caught.value).endswith("(3 attempts)")
    assert calls[2] - calls[1] > calls[1] - calls[0]  # the pause doubles
    calls.clear()
    with pytest.raises(HostError):  # no time left for a pause: no second attempt
        connect.run_with_retries("ssh://lab-1", "true", ConnectOptions(timeout=0.01))
    assert len(calls) == 1


def test_a_batch_never_suggests_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    """`batch` has no --lab: a lab host's name that does not resolve points to --ssh-config."""
    monkeypatch.setattr(target, "is_lab_host", lambda name: True)
    gaierror = ssh_failure("ssh: Could not resolve hostname lg-1: x\n")
    hint = target.unresolved_hint
    batch = connect_error_text(gaierror, ConnectOptions(unresolved_hint=hint, suggest_lab=False))
    assert "--lab" not in batch and "give the batch --ssh-config FILE" in batch
    assert "did you mean `--lab lg-1`?" in connect_error_text(
        gaierror, ConnectOptions(unresolved_hint=hint)
    )


def connect_error_text(error: BaseException, options: ConnectOptions) -> str:
    return str(connection_error("lg-1", error, options))


def test_class_yaml_accepts_new_host_keys_under_defaults(tmp_path: Path) -> None:
    path = tmp_path / "class.yaml"
    path.write_text(
        "defaults:\n  accept_new_host_keys: true\nstudents:\n"
        "  - {id: ada, target: lab-1}\n  - {id: bob, target: lab-2, accept_new_host_keys: no}\n"
    )
    ada, bob = load_inventory(path)
    assert ada.options(ConnectOptions()).accept_new_host_keys is True
    assert bob.options(ConnectOptions(accept_new_host_keys=True)).accept_new_host_keys is False
    path.write_text("defaults:\n  accept_new_host_keys: maybe\nstudents:\n  - {id: a, target: x}\n")
    with pytest.raises(InputFileError, match=r"class.yaml:2: key 'accept_new_host_keys'"):
        load_inventory(path)
