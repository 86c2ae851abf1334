"""Fleet collection with Ansible (docs/fleet.md): ansible-core's ansible-playbook runs
scripts/ansible/collect.yml against lab hosts from an ordinary inventory, then `labgrade
regrade DIR` grades what it fetched, with the roster taken from the inventory."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab


def test_the_playbook_collects_and_regrade_grades(lab: Any, tmp_path: Path) -> None:
    playbook = Path(sys.executable).with_name("ansible-playbook")
    assert playbook.exists(), "ansible-core is installed by scripts/setup.sh (labgrade[ansible])"
    inventory = tmp_path / "hosts.ini"
    common = f"-F {lab.ssh_config}"
    lines = [
        f"{student} ansible_host={lab[scenario].name} ansible_user=root "
        f"ansible_ssh_common_args='{common}' ansible_python_interpreter=/bin/false"
        for student, scenario in (("ada", "complete"), ("bob", "no-ssh-rule"))
    ]
    inventory.write_text("[lab]\n" + "\n".join(lines) + "\n")
    out = tmp_path / "week3"
    env = {**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_NOCOLOR": "1"}
    env["ANSIBLE_LOCAL_TEMP"] = str(tmp_path / "ansible-local")
    env["ANSIBLE_HOME"] = str(tmp_path / "ansible-home")
    done = subprocess.run(
        [str(playbook), "-i", str(inventory), str(REPO / "scripts/ansible/collect.yml"),
         "-e", f"labgrade_out={out}"],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    regrade = subprocess.run(
        [sys.executable, "-m", "grader", "regrade", str(out)],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert regrade.returncode == 0, regrade.stderr
    with (out / "grades.csv").open(newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows["ada"]["score"] == rows["ada"]["max_score"]
    assert int(rows["bob"]["score"]) < int(rows["bob"]["max_score"])
    assert "SSH" in rows["bob"]["feedback"]
