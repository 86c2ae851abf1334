"""grader/gather.sh asks `ip netns identify` for the DHCP servers and metadata proxies it finds
in the process list, naming a process the way grader/parsers/processes.py does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from grader.parsers.processes import Process, parse_processes

SCRIPT = Path(__file__).resolve().parents[2] / "grader" / "gather.sh"


def gathered_while_running(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[list[dict], list[Process]]:
    """(the gather's records, how its process list shows ARGV) with ARGV running meanwhile."""
    running = subprocess.Popen(argv)
    try:
        done = subprocess.run(
            ["sh", str(SCRIPT)], capture_output=True, timeout=120, check=True, env=env
        )
    finally:
        running.kill()
        running.wait()
    records = json.loads(done.stdout.decode("utf-8", errors="replace"))["records"]
    listed = next(r for r in records if r["key"] == "processes")["out"]
    return records, [p for p in parse_processes(listed) if p.pid == running.pid]


def sleeper(tmp_path: Path, name: str) -> str:
    """A python script called NAME that sleeps a minute."""
    script = tmp_path / name
    script.write_text("import time\ntime.sleep(60)\n")
    return str(script)


def test_an_interpreted_metadata_proxy_with_interpreter_options_is_identified(tmp_path: Path):
    interpreter = sys.executable  # .../bin/python3: the venv's, never a bare name from PATH
    proxy = sleeper(tmp_path, "neutron-ns-metadata-proxy")
    records, seen = gathered_while_running([interpreter, "-u", "-B", proxy, "--metadata_port=9697"])
    assert [p.program for p in seen] == ["neutron-ns-metadata-proxy"]
    identified = [r["arg"] for r in records if r["key"] == "netns_identify"]
    assert str(seen[0].pid) in identified


def test_long_command_lines_are_listed_whole_whatever_columns_says(tmp_path: Path):
    """procps cuts `ps -eo pid,args` to $COLUMNS when it is set (pytest sets it): a dnsmasq's
    `--interface=` comes after some hundred characters of options."""
    options = " ".join(f"--option-{n}=value-{n}" for n in range(20))
    argv = [sys.executable, sleeper(tmp_path, "dnsmasq"), options, "--interface=tapfeedface-01"]
    _, seen = gathered_while_running(argv, env={**os.environ, "COLUMNS": "80"})
    assert len(seen) == 1 and seen[0].args.endswith("--interface=tapfeedface-01"), seen
