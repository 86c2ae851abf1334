"""Ansible inventories on the simulated lab (issue 9.5): a class graded from an inventory
directory whose group_vars/ say how to reach the hosts (the lab's ssh config, through
ansible_ssh_common_args) and whose host_vars/ name the students, resolved by the real
ansible-inventory; and the ansible:// target the same way."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.lab
LABGRADE = [sys.executable, "-m", "labgrade"]


def labgrade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LABGRADE, *args], capture_output=True, text=True, timeout=300)


def inventory(lab: Any, directory: Path) -> Path:
    """hosts.ini names the hosts only; group_vars/ and host_vars/ hold everything else."""
    (directory / "group_vars").mkdir(parents=True)
    (directory / "host_vars").mkdir()
    (directory / "hosts.ini").write_text(
        f"[class]\nada ansible_host={lab['complete'].name}\nbob ansible_host={lab['fresh'].name}\n"
    )
    (directory / "group_vars" / "class.yml").write_text(
        "ansible_user: root\n"
        f'ansible_ssh_common_args: "-F {lab.ssh_config}"\n'
        "ansible_become: true\n"
    )
    (directory / "host_vars" / "ada.yml").write_text("student_name: Ada L.\n")
    return directory


def test_batch_grades_a_class_from_an_inventory_directory(lab: Any, tmp_path: Path) -> None:
    source = inventory(lab, tmp_path / "inventory")
    out = tmp_path / "out"
    done = labgrade("batch", "--ansible-inventory", str(source), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    rows = {r["id"]: r for r in csv.DictReader((out / "grades.csv").open(newline=""))}
    assert (rows["ada"]["status"], rows["ada"]["score"], rows["ada"]["name"]) == (
        "graded",
        "100",
        "Ada L.",
    )
    assert rows["bob"]["status"] == "graded" and float(rows["bob"]["score"]) < 100
    ada = json.loads((out / "students" / "ada.json").read_text())
    assert ada["target"] == f"ssh://root@{lab['complete'].name}"
    assert ada["remote_commands"] == 1


def test_an_ansible_target_is_graded_through_its_inventory(lab: Any, tmp_path: Path) -> None:
    source = inventory(lab, tmp_path / "inventory")
    done = labgrade("check", f"ansible://ada?ansible_inventory={source}", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert (result["score"], result["max_score"], result["attempts"]) == (100, 100, 1)
    missing = labgrade("check", f"ansible://carol?ansible_inventory={source}")
    assert missing.returncode == 3
    assert missing.stderr.strip().endswith(
        f"carol is not a host of {source} (`ansible-inventory --list` does not name it)"
    )
