"""connect: one command per host, the one-line errors, the timeout. Only loopback is used."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import testinfra.backend.local
import testinfra.host

from grader.cli import main
from grader.connect import run_on_host
from grader.connect_failures import command_problem, describe_failure
from grader.connect_options import ConnectOptions, wrap_command
from grader.errors import EXIT_USAGE, HostError, LabgradeError
from grader.host_spec import host_name, normalize_target
from labsim import state
from labsim.target import unresolved_hint


def closed_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_local_runs_exactly_one_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = testinfra.backend.local.LocalBackend.run_local

    def counting(self, command, *args):
        calls.append(command)
        return original(self, command, *args)

    monkeypatch.setattr(testinfra.backend.local.LocalBackend, "run_local", counting)
    log = tmp_path / "ran"
    stdout, remote_commands = run_on_host(
        "local://", f"echo once >> {log}; printf 'caf\\303\\251\\n'", ConnectOptions(timeout=20)
    )
    assert stdout == "café\n"
    assert remote_commands == 1
    assert len(calls) == 1  # no hidden command (e.g. to guess the encoding)
    assert log.read_text() == "once\n"
    assert not [key for key in testinfra.host.Host._host_cache if key[0].startswith("local")]


@pytest.mark.parametrize("scheme", ["ssh", "paramiko"])
def test_a_closed_port_is_unreachable(scheme: str) -> None:
    port = closed_loopback_port()
    with pytest.raises(HostError) as caught:
        run_on_host(f"{scheme}://127.0.0.1:{port}", "true", ConnectOptions(timeout=5))
    message = str(caught.value)
    assert message == f"127.0.0.1:{port} is unreachable: connection refused"
    assert "\n" not in message


def test_timeout_bounds_the_command() -> None:
    with pytest.raises(HostError, match=r"timed out after 1 s"):
        run_on_host("local://", "sleep 30", ConnectOptions(timeout=1))


def test_missing_command_and_failure_without_output() -> None:
    with pytest.raises(HostError, match=r"a command is missing on the local host: .*nosuchcmd"):
        run_on_host("local://", "nosuchcmd-labgrade", ConnectOptions(timeout=5))
    with pytest.raises(HostError, match=r"failed \(exit 3\): broken"):
        run_on_host("local://", "echo broken >&2; exit 3", ConnectOptions(timeout=5))


def test_unknown_scheme_is_one_line() -> None:
    with pytest.raises(HostError, match=r"cannot use target 'gopher://x'"):
        run_on_host("gopher://x", "true", ConnectOptions())


@pytest.mark.parametrize(
    ("target", "spec", "name"),
    [
        (None, "local://", "the local host"),
        ("lab-1", "ssh://lab-1", "lab-1"),
        ("ssh://stack@lab-1:2222", "ssh://stack@lab-1:2222", "lab-1:2222"),
        ("paramiko://root@10.0.0.7?timeout=5", "paramiko://root@10.0.0.7?timeout=5", "10.0.0.7"),
        ("docker://devstack", "docker://devstack", "devstack"),
    ],
)
def test_targets(target, spec: str, name: str) -> None:
    assert normalize_target(target) == spec
    assert host_name(spec) == name


def test_sudo_is_asked_without_a_password_only_when_not_root() -> None:
    wrapped = wrap_command("echo hi", ConnectOptions(sudo=True, timeout=30))
    assert "sudo -n" in wrapped and '"$(id -u)" -ne 0' in wrapped
    assert "timeout -k 5 30" in wrapped
    assert "sudo" not in wrap_command("echo hi", ConnectOptions())


SUDO = ConnectOptions(sudo=True)
RECORDED = [
    # (rc, stderr as recorded, options, the one-line message)
    (1, "sudo: a password is required\n", SUDO, "sudo on lab-1 wants a password"),
    (
        255,
        "ssh: Could not resolve hostname lab-9: Name or service not known\r\n",
        ConnectOptions(),
        "name not resolved: lab-1",
    ),
    (
        255,
        "stack@lab-1: Permission denied (publickey).\r\n",
        ConnectOptions(),
        "permission denied on lab-1: stack@lab-1: Permission denied (publickey).",
    ),
    (
        255,
        "@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n"
        "Host key verification failed.\r\n",
        ConnectOptions(),
        "host key of lab-1 CHANGED since it was recorded: refused",
    ),
    (255, "Host key verification failed.\r\n", ConnectOptions(), "host key of lab-1 is not known"),
    (
        255,
        "ssh: connect to host 10.0.0.7 port 22: Connection timed out\r\n",
        ConnectOptions(),
        "lab-1 is unreachable: connection timed out",
    ),
    (124, "", ConnectOptions(timeout=7), "lab-1: gathering timed out after 7 s"),
    (127, "sh: 1: ip: not found\n", ConnectOptions(), "a command is missing on lab-1: sh: 1: ip"),
]


@pytest.mark.parametrize(("rc", "stderr", "options", "message"), RECORDED)
def test_recorded_failures_become_one_line_messages(rc, stderr, options, message) -> None:
    problem = command_problem("lab-1", rc, stderr, False, options)
    assert problem is not None and problem.startswith(message) and "\n" not in problem


def test_output_with_a_nonzero_exit_is_left_to_the_parser() -> None:
    assert command_problem("lab-1", 1, "iptables: warning\n", True, ConnectOptions()) is None


def test_paramiko_exceptions_become_one_line_messages() -> None:
    import paramiko

    assert describe_failure("lab-1", paramiko.AuthenticationException("Authentication failed."))
    assert describe_failure("lab-1", socket.gaierror(-2, "Name or service not known")).startswith(
        "name not resolved"
    )
    assert describe_failure("lab-1", TimeoutError("timed out")).endswith("connection timed out")


@pytest.mark.parametrize(
    ("target", "suggestion"),
    [
        ("ssh:/lab-1", " (did you mean 'ssh://lab-1'?)"),
        ("ssh:lab-1", " (did you mean 'ssh://lab-1'?)"),
        ("paramiko:/root@lab-1:22", " (did you mean 'paramiko://root@lab-1:22'?)"),
        ("local:", " (did you mean 'local://'?)"),
        ("lab-1:/x", ""),
    ],
)
def test_a_malformed_spec_is_a_usage_error(
    target: str, suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(LabgradeError) as caught:
        normalize_target(target)
    assert caught.value.exit_code == EXIT_USAGE
    assert str(caught.value).startswith(f"{target!r} is not a host spec: ")
    assert str(caught.value).endswith(f"ssh://USER@HOST:PORT{suggestion}")
    assert main(["check", target]) == EXIT_USAGE
    assert capsys.readouterr().err == f"labgrade: error: {caught.value}\n"


@pytest.mark.parametrize("target", ["lab-1:2222", "ssh:22", "10.0.0.12", "[::1]:22", "a.b"])
def test_bare_names_with_a_port_stay_ssh(target: str) -> None:
    assert normalize_target(target) == f"ssh://{target}"


def record_lab_host(directory: Path, name: str) -> None:
    """NAME in the lab's state directory DIRECTORY, as `labgrade lab up` records it."""
    (directory / "hosts").mkdir(parents=True)
    state.save(state.LabHost(name, "complete", "icehouse", 1, 1, 0.0, ""))


@pytest.mark.parametrize("scheme", ["ssh", "paramiko"])
def test_an_unresolved_lab_host_name_suggests_lab(
    scheme: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`labgrade check lab-1` while lab-1 is up: the name resolves only through the lab's ssh
    config, so the one-line error says to use --lab. Other names get no such hint."""
    monkeypatch.setenv("LABGRADE_LAB_DIR", str(tmp_path / "lab"))
    record_lab_host(tmp_path / "lab", "lgtest-unresolved-1")
    for name, hint in [
        ("lgtest-unresolved-1", " (did you mean `--lab lgtest-unresolved-1`? "),
        ("lgtest-unresolved-2", ""),
    ]:
        with pytest.raises(HostError) as caught:
            options = ConnectOptions(timeout=5, unresolved_hint=unresolved_hint)
            run_on_host(f"{scheme}://{name}", "true", options)
        message = str(caught.value)
        assert message.startswith(f"name not resolved: {name} is not a known host name{hint}")
        assert message.endswith("`labgrade lab ssh-config`)" if hint else "host name")


def test_paramiko_is_an_extra_and_its_absence_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pip install labgrade` pulls no paramiko (a student's DevStack host would build its
    crypto for nothing); paramiko:// without it says which extra to install."""
    import importlib.util
    import tomllib
    from pathlib import Path

    from grader.cli import main

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert not any(d.startswith("paramiko") for d in project["project"]["dependencies"])
    assert project["project"]["optional-dependencies"]["paramiko"] == ["paramiko>=3.0"]
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "paramiko" else real(name, *a)
    )
    assert main(["check", "paramiko://root@127.0.0.1:1"]) == 3
    err = capsys.readouterr().err
    assert "pip install 'labgrade[paramiko]'" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_sudo_user_runs_the_command_as_that_user() -> None:
    """--sudo-user USER: `sudo -n -u USER` (a real sudo on this machine), none when already
    USER; the name is validated before it reaches a shell."""
    import argparse
    import getpass
    import shutil
    import subprocess

    from grader.commands.options import user_name
    from grader.connect_options import wrap_command

    assert shutil.which("sudo"), "sudo is in scripts/setup.sh's packages"
    me = getpass.getuser()

    def whoami(user: str) -> str:
        command = wrap_command("id -un", ConnectOptions(sudo_user=user, timeout=10))
        return subprocess.run(["sh", "-c", command], capture_output=True, text=True).stdout

    assert whoami(me) == f"{me}\n"
    if me == "root":
        assert whoami("nobody") == "nobody\n"
    for bad in ("root;id", "$(id)", "a b", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            user_name(bad)
