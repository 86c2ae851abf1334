"""grader/gather.sh/3 bounds every command with one watchdog (not a `timeout` each): a command
still running after LABGRADE_COMMAND_TIMEOUT seconds is ended with everything it started and
recorded as timed out (rc 124); the watchdog itself ends with the gather. Its temporary files
go to tmpfs (/dev/shm) unless TMPDIR says where, and are removed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "grader" / "gather.sh"
SHELLS = [shell for shell in ("dash", "bash", "busybox") if shutil.which(shell)]
HUNG = """#!/bin/sh
# a hung iptables-save that started a helper of its own
sleep 600 &
echo $! > "{pids}"
echo $$ >> "{pids}"
wait
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("shell", SHELLS)
def test_a_hung_command_is_ended_with_what_it_started_and_recorded_as_timed_out(
    shell: str, tmp_path: Path
) -> None:
    bin_dir, pids = tmp_path / "bin", tmp_path / "pids"
    bin_dir.mkdir()
    fake = bin_dir / "iptables-save"
    fake.write_text(HUNG.format(pids=pids))
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "LABGRADE_COMMAND_TIMEOUT": "1"}
    argv = [shell, "sh", str(SCRIPT)] if shell == "busybox" else [shell, str(SCRIPT)]
    # without the watchdog this would take 600 s: the subprocess timeout fails the test
    done = subprocess.run(argv, capture_output=True, timeout=60, env=env)
    started = [int(pid) for pid in pids.read_text().split()]
    try:
        assert done.returncode == 0 and done.stderr == b"", done.stderr
        doc = json.loads(done.stdout)
        assert doc["complete"] is True and doc["command_timeout"] == 1
        [hung] = [r for r in doc["records"] if r["key"] == "iptables_save" and r["ns"] is None]
        assert (hung["rc"], hung.get("timed_out")) == (124, True)
        others = [r for r in doc["records"] if r is not hung]
        assert not any(r.get("timed_out") for r in others)
        assert [pid for pid in started if _alive(pid)] == []  # its helper too
    finally:
        for pid in started:
            if _alive(pid):
                os.kill(pid, 9)


def test_the_watchdog_ends_with_the_gather() -> None:
    """Counted in a pid namespace of its own: once the gather has printed its document, only
    the namespace's shell and `ps` are left."""
    after = 'sh "$0" > /dev/null; ps -e -o args='
    done = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", after, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 and "unshare" in done.stderr:
        pytest.skip(f"needs root and unshare --pid --mount-proc: {done.stderr.strip()}")
    left = done.stdout.splitlines()
    assert len(left) == 2 and left[1].startswith("ps "), left


def _gather_listing(pattern: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        ["sh", str(SCRIPT), f"ls -d {pattern}"], capture_output=True, timeout=60, env=env
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(not os.access("/dev/shm", os.W_OK), reason="no writable /dev/shm")
def test_temporary_files_go_to_tmpfs_and_are_removed() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
    before = set(Path("/dev/shm").glob("labgrade.*"))
    doc = _gather_listing("/dev/shm/labgrade.*", env)
    [listing] = [r for r in doc["records"] if r["key"] == "extra"]
    assert listing["rc"] == 0 and listing["out"].startswith("/dev/shm/labgrade.")
    assert set(Path("/dev/shm").glob("labgrade.*")) == before


def test_tmpdir_says_where_temporary_files_go(tmp_path: Path) -> None:
    doc = _gather_listing(f"{tmp_path}/labgrade.*", {**os.environ, "TMPDIR": str(tmp_path)})
    [listing] = [r for r in doc["records"] if r["key"] == "extra"]
    assert listing["rc"] == 0 and listing["out"].startswith(f"{tmp_path}/labgrade.")
    assert list(tmp_path.iterdir()) == []
