"""Ansible inventories (issue 9.5): resolved by the real ansible-inventory (ansible-core, the
`ansible` extra) with group_vars/ and host_vars/; the built-in parser says what it ignored;
ansible:// targets; forwarding flags refused. No host is contacted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader import ansible_inventory
from grader.connect_options import ConnectOptions
from grader.errors import HostError, InputFileError
from grader.grading import gather_snapshot
from grader.inventory_ansible import load_ansible_inventory

HOSTS = "[class]\nada ansible_host=10.0.0.7\nbob\n\n[class:vars]\nansible_port=2222\n"
GROUP_VARS = (
    "ansible_user: stack\n"
    'ansible_ssh_common_args: "-o ProxyJump=gw.example -F /dev/null"\n'
    "ansible_become: true\n"
)
HOST_VARS = "student_name: Bob B.\nansible_connection: local\n"


def inventory_dir(tmp_path: Path, group_vars: str = GROUP_VARS) -> Path:
    directory = tmp_path / "inventory"
    (directory / "group_vars").mkdir(parents=True)
    (directory / "host_vars").mkdir()
    (directory / "hosts.ini").write_text(HOSTS)
    (directory / "group_vars" / "class.yml").write_text(group_vars)
    (directory / "host_vars" / "bob.yml").write_text(HOST_VARS)
    return directory


@pytest.fixture
def builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without ansible-core."""
    monkeypatch.setattr(ansible_inventory, "program", lambda: None)


def test_ansible_inventory_is_installed_by_the_test_environment() -> None:
    assert ansible_inventory.program() is not None, "scripts/setup.sh installs '.[ansible]'"


def test_a_directory_with_group_vars_and_host_vars_is_resolved_as_ansible_does(
    tmp_path: Path,
) -> None:
    ada, bob = load_ansible_inventory(inventory_dir(tmp_path))
    assert ada.target == "ssh://stack@10.0.0.7:2222"
    assert ada.ssh_args == ("-o", "ProxyJump=gw.example", "-F", "/dev/null")
    assert ada.sudo is True
    assert ada.options(ConnectOptions()).ssh_args == ada.ssh_args
    assert (bob.target, bob.name) == ("local://", "Bob B.")


def test_forwarding_in_ssh_common_args_is_refused(tmp_path: Path) -> None:
    directory = inventory_dir(tmp_path, 'ansible_ssh_common_args: "-A -o User=x"\n')
    with pytest.raises(InputFileError) as caught:
        load_ansible_inventory(directory)
    message = str(caught.value)
    assert "key 'ansible_ssh_common_args': host ada: '-A' is not allowed" in message
    assert "docs/security.md" in message


def test_the_builtin_parser_says_what_it_ignored(tmp_path: Path, builtin: None) -> None:
    directory = inventory_dir(tmp_path)
    hosts = directory / "hosts.ini"
    hosts.write_text(
        HOSTS + "ansible_password=secret\nansible_ssh_common_args='-o Compression=yes'\n"
    )
    notes: list[str] = []
    ada, bob = load_ansible_inventory(hosts, notes)
    assert notes == [
        f"{hosts}: group_vars/ beside it ignored: without ansible-inventory only the file is "
        "read (install ansible-core: pip install 'labgrade[ansible]')",
        f"{hosts}: host_vars/ beside it ignored: without ansible-inventory only the file is "
        "read (install ansible-core: pip install 'labgrade[ansible]')",
        f"{hosts}: variable ansible_password ignored (labgrade does not use it)",
    ]
    assert ada.target == "ssh://10.0.0.7:2222" and ada.ssh_args == ("-o", "Compression=yes")
    assert bob.target == "ssh://bob:2222"
    with pytest.raises(InputFileError, match=r"inventory: an inventory directory needs ansible"):
        load_ansible_inventory(directory)


def test_batch_prints_the_notes_and_never_suggests_lab(tmp_path: Path, builtin: None) -> None:
    hosts = inventory_dir(tmp_path) / "hosts.ini"
    done = subprocess.run(
        [sys.executable, "-m", "labgrade", "batch", "--ansible-inventory", str(hosts), "--lab"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "unrecognized arguments: --lab" in done.stderr


def test_an_ansible_target_is_resolved_from_its_inventory(tmp_path: Path) -> None:
    """ansible://HOST?ansible_inventory=DIR: the same variables, reached as an ssh:// host."""
    spec, options = ansible_inventory.ansible_target(
        f"ansible://ada?ansible_inventory={inventory_dir(tmp_path)}", ConnectOptions()
    )
    assert spec == "ssh://stack@10.0.0.7:2222"
    assert options.sudo is True and options.ssh_args[:2] == ("-o", "ProxyJump=gw.example")
    with pytest.raises(HostError, match=r"^carol is not a host of .*inventory"):
        ansible_inventory.ansible_target(
            f"ansible://carol?ansible_inventory={tmp_path / 'inventory'}", ConnectOptions()
        )


def test_an_ansible_target_without_ansible_says_what_to_install(builtin: None) -> None:
    with pytest.raises(HostError) as caught:
        gather_snapshot("ansible://foo", [], ConnectOptions(timeout=5))
    assert str(caught.value) == (
        "`ansible-inventory` is not installed on this machine "
        "(install ansible-core: pip install 'labgrade[ansible]')"
    )


def test_check_ansible_target_is_one_line(tmp_path: Path) -> None:
    """`labgrade check ansible://foo` (no inventory anywhere): one line, exit 3, no internals."""
    done = subprocess.run(
        [sys.executable, "-m", "labgrade", "check", "ansible://foo", "--timeout", "30"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "foo: no Ansible inventory to find it in: name one, " in done.stderr
    assert "ansible://foo?ansible_inventory=FILE" in done.stderr
    assert "AssertionError" not in done.stderr and "CommandResult" not in done.stderr
