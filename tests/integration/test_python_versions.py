"""The grading path runs where students are: Python 3.9 to 3.13 (Rocky 9, Ubuntu 22.04/24.04).

For each interpreter found on the machine (PATH's python3.X, or pyenv's versions), a venv with
the built wheel grades a recorded snapshot in every host format, a lab host over SSH and the
lab host from itself (as `sudo labgrade check` would), and shows its history; the statuses are
those the development interpreter finds. An interpreter not installed is skipped, with why.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
VERSIONS = ("3.9", "3.10", "3.12", "3.13")
SNAPSHOT = REPO / "tests" / "data" / "snapshots" / "no-icmp-rule.json"
FORMATS = ("text", "junit", "gradescope", "prairielearn")


def find_python(version: str) -> str | None:
    """An interpreter of VERSION that runs (a pyenv shim for a version not selected does not)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(glob.glob(str(pyenv / f"{version}.*" / "bin" / "python")))
    candidates += [c for c in [shutil.which(f"python{version}")] if c]
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    for candidate in candidates:
        done = subprocess.run([candidate, "-c", probe], capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip() == version:
            return candidate
    return None


@pytest.fixture(scope="session")
def venvs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Version -> bin/ of a venv holding the wheel, built once for every interpreter found."""
    found = {v: p for v in VERSIONS if (p := find_python(v))}
    if not found:
        return {}
    base = tmp_path_factory.mktemp("pythons")
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(base), str(REPO)]
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    (wheel,) = base.glob("labgrade-*.whl")

    def install(version: str) -> Path:
        venv = base / f"venv-{version}"
        subprocess.run([found[version], "-m", "venv", str(venv)], check=True, timeout=120)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)]
        done = subprocess.run(pip, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return venv / "bin"

    with ThreadPoolExecutor(len(found)) as pool:
        return dict(zip(found, pool.map(install, found), strict=True))


def venv_bin(venvs: dict[str, Path], version: str) -> Path:
    if version not in venvs:
        pytest.skip(f"no Python {version} here (not on PATH as python{version}, nor in pyenv)")
    return venvs[version]


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": "100", **env}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd="/", env=environment
    )


def statuses(completed: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert completed.returncode in (0, 1) and "Traceback" not in completed.stderr, completed.stderr
    report: dict[str, Any] = json.loads(completed.stdout)
    assert report["status"] == "graded", report.get("error")
    return {c["id"]: c["status"] for e in report["exercises"] for c in e["checks"]}


def reference(*args: str) -> dict[str, str]:
    """What the development interpreter (3.11) finds."""
    return statuses(run([sys.executable, "-m", "labgrade", *args]))


@pytest.mark.parametrize("version", VERSIONS)
def test_snapshot_graded_alike_in_every_format(
    venvs: dict[str, Path], version: str, tmp_path: Path
) -> None:
    labgrade = str(venv_bin(venvs, version) / "labgrade")
    args = ["check", "--snapshot", str(SNAPSHOT), "--no-history", "--format", "json"]
    for directory in ("here", "ref"):
        (tmp_path / directory).mkdir()
    found = run([labgrade, *args, *[f"--report={n}={tmp_path / 'here' / n}" for n in FORMATS]])
    assert statuses(found) == reference(
        *args, *[f"--report={n}={tmp_path / 'ref' / n}" for n in FORMATS]
    )
    assert statuses(found)["sg.icmp"] == "fail"
    text = (tmp_path / "here" / "text").read_text()
    assert "Total: 90/100" in text, text
    for name in FORMATS:
        expected = (tmp_path / "ref" / name).read_text()
        assert _untimed((tmp_path / "here" / name).read_text()) == _untimed(expected), name


def _untimed(report: str) -> str:
    """REPORT without what differs between two runs (durations, when it was graded)."""
    report = re.sub(r'("duration": |"execution_time": |time=")[0-9.e-]+', r"\1T", report)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+\-Z0-9:]*", "WHEN", report)


@pytest.mark.lab
@pytest.mark.parametrize("version", VERSIONS)
def test_lab_host_graded_alike_over_ssh_and_on_the_host(
    venvs: dict[str, Path], version: str, lab: Any, tmp_path: Path
) -> None:
    bin_dir = venv_bin(venvs, version)
    spec, config = lab.spec("complete"), str(lab.ssh_config)
    args = ["check", spec, "--ssh-config", config, "--format", "json", "--no-history"]
    expected = reference(*args)
    assert set(expected.values()) == {"pass"}, expected
    assert statuses(run([str(bin_dir / "labgrade"), *args])) == expected

    history = tmp_path / "history.jsonl"  # the host shares this file system
    on_host = f"LABGRADE_HISTORY={history} {shlex.quote(str(bin_dir / 'labgrade'))} check"
    assert statuses(lab.run("complete", f"{on_host} --format json", timeout=90)) == expected
    timeline = run([str(bin_dir / "labgrade"), "history"], LABGRADE_HISTORY=str(history))
    assert timeline.returncode == 0, timeline.stderr
    assert "100/100" in timeline.stdout, timeline.stdout
