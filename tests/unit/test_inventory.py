"""Inventories: class.yaml, CSV and Ansible (INI, YAML) -> validated students."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.connect_options import ConnectOptions
from grader.errors import InputFileError
from grader.inventory import load_inventory
from grader.inventory_ansible import load_ansible_inventory


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


CLASS = """\
defaults:
  user: stack
  port: 2222
  identity_file: key
  sudo: true
students:
  - {id: ada, name: Ada L., email: ada@example.edu, target: devstack-01}
  - id: bob
    target: ssh://root@10.0.0.2:22
    sudo: false
  - {id: cy, target: "local://"}
"""


def test_class_yaml_defaults_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("k")
    ada, bob, cy = load_inventory(write(tmp_path, "class.yaml", CLASS))
    assert (ada.id, ada.name, ada.email) == ("ada", "Ada L.", "ada@example.edu")
    assert ada.target == "ssh://stack@devstack-01:2222"
    assert ada.identity_file == str(tmp_path / "key")
    assert bob.target == "ssh://root@10.0.0.2:22" and bob.sudo is False
    assert cy.target == "local://"
    options = bob.options(ConnectOptions(ssh_config="base.cfg", sudo=True, timeout=9))
    assert (options.ssh_config, options.sudo, options.timeout) == ("base.cfg", False, 9)
    assert options.ssh_identity_file == str(tmp_path / "key")


def test_csv_with_header(tmp_path: Path) -> None:
    text = 'id,name,email,target,port,sudo\nada,"L., Ada",ada@x.org,h1,,yes\nbob,,,h2,2200,\n'
    ada, bob = load_inventory(write(tmp_path, "class.csv", text))
    assert ada.name == "L., Ada" and ada.target == "ssh://h1" and ada.sudo is True
    assert bob.target == "ssh://h2:2200" and bob.sudo is None


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("students:\n  - {id: ../etc, target: h}\n", ":2: key 'id':"),
        ("students:\n  - {id: a.snapshot, target: h}\n", ":2: key 'id':"),
        ("students:\n  - {id: Ada, target: h}\n  - {id: ada, target: h}\n", ":3: key 'id':"),
        ("students:\n  - {id: a, target: h, colour: red}\n", ":2: key 'colour':"),
        ("students:\n  - id: a\n    target: h\n    port: 99999\n", ":4: key 'port':"),
        ("students:\n  - {id: a}\n", ":2: key 'target':"),
        ("students:\n  - {id: a, target: '-oProxyCommand=x'}\n", ":2: key 'target':"),
        ("students:\n  - {id: a, target: 'h;reboot'}\n", ":2: key 'target':"),
        ("students:\n  - {id: a, target: 'ftp://h'}\n", ":2: key 'target':"),
        ("students:\n  - {id: a, target: 'ssh:/h'}\n", ":2: key 'target': 'ssh:/h' is not a"),
        ("students:\n  - {id: a, target: h, email: nope}\n", ":2: key 'email':"),
        ("defaults:\n  sudo: maybe\nstudents:\n  - {id: a, target: h}\n", ":2: key 'sudo':"),
        ("defaults:\n  identity_file: missing\nstudents:\n  - {id: a, target: h}\n", ":2:"),
        ("students: []\n", "no students"),
        ("student:\n  - {id: a, target: h}\n", ":1: key 'student':"),
    ],
)
def test_class_yaml_errors_name_file_line_and_field(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path, "class.yaml", text)
    with pytest.raises(InputFileError) as caught:
        load_inventory(path)
    assert str(caught.value).startswith(path)
    assert where in str(caught.value)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("id,target,score\na,h,red\n", ":1: key 'score':"),
        ("name,target\nAda,h\n", ":1: key 'id':"),
        ("id,target\na,h\nb,h,extra\n", ":3:"),
        ("id,target\na,h\n\nb c,h\n", ":4: key 'id':"),
        ("id,target\na,h\nb,ssh:h\n", ":3: key 'target': 'ssh:h' is not a host spec"),
    ],
)
def test_csv_errors_name_line_and_field(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(InputFileError, match=where):
        load_inventory(write(tmp_path, "class.csv", text))


def test_ansible_ini(tmp_path: Path) -> None:
    text = """\
# the class
[class]
ws[01:03] ansible_host=10.0.0.1 student_name="Ada L."
ws09 ansible_port=2201 student_email=z@example.edu

[class:vars]
ansible_user=stack
ansible_become=yes

[course:children]
class

[course:vars]
ansible_port=2200
ansible_user=ignored
"""
    students = load_ansible_inventory(write(tmp_path, "hosts", text))
    assert [s.id for s in students] == ["ws01", "ws02", "ws03", "ws09"]
    assert students[0].target == "ssh://stack@10.0.0.1:2200"
    assert students[0].name == "Ada L." and students[0].sudo is True
    assert students[3].target == "ssh://stack@ws09:2201" and students[3].email == "z@example.edu"


def test_ansible_yaml(tmp_path: Path) -> None:
    text = """\
all:
  vars: {ansible_user: root}
  children:
    class:
      vars: {ansible_port: 2222}
      hosts:
        h1: {ansible_host: 192.0.2.1, ansible_user: stack}
        h2:
        here: {ansible_connection: local}
"""
    h1, h2, here = load_ansible_inventory(write(tmp_path, "hosts.yml", text))
    assert h1.target == "ssh://stack@192.0.2.1:2222"
    assert h2.target == "ssh://root@h2:2222"
    assert here.target == "local://"


def test_ansible_errors_use_ansible_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "[class]\nws1 ansible_port=http\n"
    with pytest.raises(InputFileError, match=r"hosts: key 'ansible_port': host ws1: 'http' is"):
        load_ansible_inventory(write(tmp_path, "hosts", text))  # resolved by ansible-inventory
    monkeypatch.setattr("grader.ansible_inventory.program", lambda: None)  # the built-in parser
    with pytest.raises(InputFileError, match=r":2: key 'ansible_port':"):
        load_ansible_inventory(write(tmp_path, "hosts", text))
    with pytest.raises(InputFileError, match=r":2: key 'host name':"):
        load_ansible_inventory(write(tmp_path, "h2", "[class]\nbad!name\n"))


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_a_roster_separated_by_commas_semicolons_or_tabs(tmp_path: Path, separator: str) -> None:
    """A spreadsheet in a locale with a decimal comma saves `;`-separated CSV; extra columns
    (an LMS export's) are kept, with their own names, for grades.csv."""
    rows = [
        ["id", "Target", "Email", "SIS User ID", "Section"],
        ["ada", "lab-1", "a@x", "S1", "A;B"],
    ]
    lines = [
        separator.join(f'"{c}"' if separator in c or ";" in c else c for c in row) for row in rows
    ]
    path = tmp_path / "roster.csv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    (ada,) = load_inventory(path)
    assert (ada.id, ada.target, ada.email) == ("ada", "ssh://lab-1", "a@x")
    assert ada.extra == (("SIS User ID", "S1"), ("Section", "A;B"))
