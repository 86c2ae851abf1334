"""The pytest route on a lab host: `pytest --labgrade --hosts=ssh://HOST --ssh-config F`
collects one item per check, grades the host once, maps fail to a failure whose text teaches,
honours -k and --junit-xml; instructors' own tests get the facts (docs/pytest.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from junitparser import Failure, JUnitXml

pytestmark = pytest.mark.lab


def test_pytest_grades_a_lab_host_check_by_check(lab: Any, tmp_path: Path) -> None:
    host = lab["no-ssh-rule"].name
    xml = tmp_path / "report.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--labgrade",
        f"--hosts=ssh://{host}",
        f"--ssh-config={lab.ssh_config}",
        "-k",
        "sg",
        f"--junit-xml={xml}",
        "-p",
        "no:cacheprovider",
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr  # sg.ssh fails
    assert "sg.ssh failed on ssh://" in done.stdout and "hint:" in done.stdout
    cases = {case.name: case for suite in JUnitXml.fromfile(str(xml)) for case in suite}
    assert {name.split("[")[0] for name in cases} >= {"sg.ssh", "sg.icmp", "sg.chain"}
    assert all("sg" in name for name in cases) and not any("dhcp" in n for n in cases)  # -k
    ssh = cases[f"sg.ssh[ssh://{host}]"]
    assert isinstance(ssh.result[0], Failure) and "expected:" in ssh.result[0].text
    assert cases[f"sg.icmp[ssh://{host}]"].is_passed


def test_instructors_own_testinfra_tests_use_the_gathered_facts(lab: Any, tmp_path: Path) -> None:
    """A testinfra test next to the plugin: `labgrade_facts` holds the host's facts (found
    through testinfra's own `host`), usable with testinfra's modules."""
    (tmp_path / "test_own.py").write_text(
        "def test_tap(host, labgrade_facts):\n"
        "    tap = labgrade_facts.instance.tap\n"
        "    assert tap.startswith('tap') and host.interface(tap).exists\n"
        "    assert labgrade_facts.router.ns.startswith('qrouter-')\n"
    )
    host = lab["complete"].name
    command = [
        sys.executable, "-m", "pytest", f"--hosts=ssh://{host}",
        f"--ssh-config={lab.ssh_config}", "-p", "no:cacheprovider", "test_own.py",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_pytest_xdist_grades_two_hosts_in_parallel(lab: Any, tmp_path: Path) -> None:
    """`-n 2` (pytest-xdist): the items of two hosts are spread over two workers, each host
    gathered by the worker that runs it; the outcomes are those of a plain run."""
    complete, failing = lab["complete"].name, lab["no-ssh-rule"].name
    command = [
        sys.executable, "-m", "pytest", "--labgrade", f"--hosts=ssh://{complete},ssh://{failing}",
        f"--ssh-config={lab.ssh_config}", "-k", "sg", "-n", "2", "-p", "no:cacheprovider",
        "-rf",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 workers" in done.stdout
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and f"sg.ssh[ssh://{failing}]" in failed[0], failed
