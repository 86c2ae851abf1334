"""Run grader/gather.sh itself: valid JSON on any host, hostile names never executed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from grader.errors import HostError
from grader.gather import gather_command, parse_gather_output

SCRIPT = Path(__file__).resolve().parents[2] / "grader" / "gather.sh"


def run(*args: str, env: dict | None = None, cwd: str | None = None) -> dict:
    done = subprocess.run(
        ["sh", str(SCRIPT), *args], capture_output=True, timeout=60, env=env, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.decode("utf-8", errors="replace"))


def test_script_is_valid_posix_sh():
    for shell in ("sh", "dash", "bash"):
        if shutil.which(shell):
            subprocess.run([shell, "-n", str(SCRIPT)], check=True)


def test_shipped_collect_script_is_the_gather_script():
    collect = SCRIPT.parents[1] / "scripts" / "labgrade-collect.sh"
    assert collect.resolve() == SCRIPT.resolve()


def test_local_run_gives_a_valid_snapshot(tmp_path):
    data = tmp_path / "bytes.bin"
    data.write_bytes(b'a\\b"c\x01\x00d\te\x7ff\r\n\xc3\xa9 \xff %s\n')
    doc = run(f"cat {data}", "exit 3", "echo out; echo err >&2")
    assert doc["format"] == "labgrade-snapshot/1" and doc["complete"] is True
    keys = {r["key"] for r in doc["records"]}
    assert {"hostname", "id_u", "link", "addr", "route", "processes", "netns_list"} <= keys
    extras = [r for r in doc["records"] if r["key"] == "extra"]
    assert extras[0]["out"] == 'a\\b"c\x01d\te\x7ff\r\né \ufffd %s\n'  # NUL stripped
    assert extras[1]["rc"] == 3
    assert (extras[2]["out"], extras[2]["err"]) == ("out\n", "err\n")


def test_missing_commands_give_rc_127(tmp_path):
    # a PATH without ovs-vsctl and friends: only the basic tools
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in (
        "awk",
        "tr",
        "dd",
        "wc",
        "mktemp",
        "rm",
        "cp",
        "mv",
        "cat",
        "grep",
        "id",
        "ps",
        "hostname",
    ):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir)}
    done = subprocess.run(["/bin/sh", str(SCRIPT)], capture_output=True, timeout=60, env=env)
    # the script appends the standard directories to PATH, so look at what it could not find
    doc = json.loads(done.stdout.decode("utf-8", errors="replace"))
    assert doc["complete"] is True
    for record in doc["records"]:
        if record["rc"] == 127:
            assert "not found" in record["err"] or record["err"] == ""
    assert any(
        r["key"] == "ovn_nb_show" and r["rc"] == 127 for r in doc["records"]
    ) or shutil.which("ovn-nbctl")


def test_output_is_capped():
    env = {**os.environ, "LABGRADE_CAP": "65536", "LABGRADE_TOTAL_CAP": "200000"}
    doc = run("head -c 300000 /dev/zero | tr '\\000' x", "echo after", env=env)
    big, after = [r for r in doc["records"] if r["key"] == "extra"]
    assert big["truncated"] is True and len(big["out"]) <= 65536 + 1
    assert doc["total_bytes"] <= 200000
    assert after["command"] == "echo after\n"


def test_gather_command_runs_through_a_shell():
    done = subprocess.run(
        gather_command(["echo 'quoted; $(not run)'"]), shell=True, capture_output=True, timeout=60
    )
    snap = parse_gather_output(done.stdout, "local")
    assert snap.extra("echo 'quoted; $(not run)'").out == "quoted; $(not run)\n"


def _can_unshare() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return False
    probe = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare --net --mount")
def test_a_host_without_awk_gets_a_document_that_says_so():
    """The record writer is awk: without it the gather says why, not a document cut before
    its first record (in a throwaway mount namespace, awk's binary covered by /dev/null)."""
    hide = 'mount --make-rprivate / && mount --bind /dev/null "$(readlink -f "$(command -v awk)")"'
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f'{hide} && exec sh "$0"', str(SCRIPT)],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["records"] == [] and doc["error"].startswith("awk not found on this host")
    with pytest.raises(HostError, match=r"no-awk: .*awk not found on this host"):
        parse_gather_output(done.stdout, "no-awk")


@pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare --net --mount")
def test_hostile_namespace_names_are_skipped_not_run(tmp_path):
    """In a throwaway network+mount namespace (nothing is left behind on the host)."""
    setup = r"""
set -e
mount --make-rprivate /
mkdir -p /run/netns
mount -t tmpfs labgrade-test /run/netns
ip netns add 'qrouter-x;touch pwned'
ip netns add 'qdhcp-$(touch pwned2)'
ip netns add 'qrouter-a b'
ip netns add 'other-ns'
ip netns add 'qdhcp-ok.1_2'
ip netns exec qdhcp-ok.1_2 ip link set lo up
ip netns set qdhcp-ok.1_2 7
exec sh "$0"
"""
    done = subprocess.run(
        ["unshare", "--net", "--mount", "sh", "-c", setup, str(SCRIPT)],
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing touched
    snap = parse_gather_output(done.stdout, "unshare")
    assert snap.namespaces() == ["qdhcp-ok.1_2"]
    assert set(snap.skipped_namespaces()) == {
        "qrouter-x;touch pwned",
        "qdhcp-$(touch pwned2)",
        "qrouter-a b",
        "other-ns",
    }
    assert "127.0.0.1/8" in snap.ns("qdhcp-ok.1_2", "addr").out
    assert snap.root("netns_pids", "qdhcp-ok.1_2").rc == 0


def _running(pid: int) -> bool:
    """PID is a live process (a zombie waiting for its parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def test_a_command_cut_off_by_its_timeout_is_recorded_as_timed_out():
    env = {**os.environ, "LABGRADE_COMMAND_TIMEOUT": "1"}
    doc = run("sleep 10", "exit 124", env=env)
    assert doc["command_timeout"] == 1
    slow, own = [r for r in doc["records"] if r["key"] == "extra"]
    assert (slow["rc"], slow.get("timed_out")) == (124, True)
    assert "timed_out" not in own  # its own exit code 124, within the limit
    snap = parse_gather_output(json.dumps(doc).encode(), "local")
    assert snap.extra("sleep 10").timed_out and not snap.extra("exit 124").timed_out
    assert snap.meta["command_timeout"] == 1


def test_the_outer_timeout_stops_the_running_command_at_once(tmp_path: Path):
    """labgrade's remote command is `timeout -k 5 S sh -c <gather>`: when it fires, the command
    the gather is running (under its own `timeout 30`, in a process group of its own) ends
    with it, instead of running on for up to 30 s on the student's host."""
    pid_file = tmp_path / "pid"
    slow = f"echo $$ > {pid_file}; sleep 30 & echo $! >> {pid_file}; wait"
    started = time.monotonic()
    done = subprocess.run(
        ["timeout", "2", "sh", str(SCRIPT), slow], capture_output=True, timeout=40
    )
    took = time.monotonic() - started
    pids = [int(pid) for pid in pid_file.read_text().split()]  # the slow command did start
    try:
        time.sleep(0.3)
        assert [pid for pid in pids if _running(pid)] == [], "the gather left them running"
        assert done.returncode == 124 and took < 5, took
        assert b'"complete": true' not in done.stdout
    finally:
        for pid in pids:
            if _running(pid):
                os.kill(pid, 9)


def _processes_started(*extra: str) -> tuple[int, dict]:
    """(processes the gather started, its document), counted in a pid namespace of its own:
    every process takes the next pid, so the last one given out counts them."""
    count = 'sh "$0" "$@" > /dev/stdout; cat /proc/sys/kernel/ns_last_pid >&2'
    done = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", count, str(SCRIPT), *extra],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    last_pid = int(done.stderr.decode().split()[-1])
    return last_pid - 3, json.loads(done.stdout)  # not: the namespace's sh, the gather's, cat


@pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare --pid --mount-proc")
def test_a_record_costs_its_command_and_nothing_more():
    """The gather's own work per record is done by one awk and one watchdog for all records: a
    record starts only its command, not the `timeout` (gather.sh/2) nor the date/wc/tr/awk/cat
    (gather.sh/1) that each record once started."""
    plain, doc = _processes_started()
    more, more_doc = _processes_started(*[":"] * 50)
    assert len(more_doc["records"]) == len(doc["records"]) + 50
    per_record = (more - plain) / 50
    assert per_record <= 1.1, (plain, more)  # the `sh -c` of each (and the watchdog's sleep)


def test_a_command_cannot_write_into_the_record_channel():
    doc = run("echo 'R extra - - 0 false 1 -' >&3", "echo 'E' >&4; echo after")
    first, second = [r for r in doc["records"] if r["key"] == "extra"]
    assert first["rc"] != 0 and "3" in first["err"] and first["out"] == ""
    assert second["out"] == "after\n" and doc["complete"] is True


def test_a_signal_to_the_whole_process_group_closes_the_document(tmp_path: Path):
    """The outer `timeout` (and a Ctrl-C, with INT) signals every process of the group, the
    record writer too: it outlives the signal and closes the document as cut, never leaving
    it half-written. (TERM: a shell started with INT ignored, as under pytest-xdist, may
    not trap INT.)"""
    started = tmp_path / "started"
    with open(tmp_path / "host.json", "wb") as output:
        gather = subprocess.Popen(
            ["sh", str(SCRIPT), f"touch {started}; sleep 30"],
            stdout=output,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(gather.pid, signal.SIGTERM)
        gather.wait(timeout=30)
    doc = json.loads((tmp_path / "host.json").read_bytes())
    assert doc["complete"] is False
    assert {"hostname", "netns_list"} <= {r["key"] for r in doc["records"]}


def test_records_leave_as_they_are_made():
    """Each record reaches the reader while the gather still runs: a connection lost later
    keeps them (mawk reads its input in 4 KiB blocks and must not sit on the requests)."""
    gather = subprocess.Popen(
        ["sh", str(SCRIPT), "sleep 30"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        os.set_blocking(gather.stdout.fileno(), False)
        received = b""
        deadline = time.monotonic() + 60
        while b'"key": "netns_skipped"' not in received and time.monotonic() < deadline:
            received += gather.stdout.read() or b""
            time.sleep(0.05)
        assert b'"key": "netns_skipped"' in received and gather.poll() is None
    finally:
        gather.terminate()  # the script stops its command and closes the document
        gather.communicate(timeout=30)


AWKS = {"mawk": ["mawk"], "gawk": ["gawk"], "busybox awk": ["busybox", "awk"]}


@pytest.mark.parametrize("name", list(AWKS))
def test_each_awk_writes_the_same_records(name: str, tmp_path: Path):
    """The writer is plain POSIX awk: with each awk installed here as `awk`, the same valid,
    complete document (a NUL is removed where that awk can hold one, else ends the line)."""
    argv = AWKS[name]
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed")
    (tmp_path / "awk").write_text(f'#!/bin/sh\nexec {" ".join(argv)} "$@"\n')
    (tmp_path / "awk").chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    doc = run("printf 'a\"b\\001\\000c\\n'", "exit 3", env=env)
    assert doc["complete"] is True
    text, failed = [r for r in doc["records"] if r["key"] == "extra"]
    assert text["out"] in ('a"b\x01c\n', 'a"b\x01\nc\n') and failed["rc"] == 3
    processes = next(r for r in doc["records"] if r["key"] == "processes")["out"]
    assert "labgrade gather script" not in processes
