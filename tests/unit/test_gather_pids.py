"""grader/gather.sh asks `ip netns identify` for the DHCP servers and metadata proxies it finds
in the process list, naming a process the way grader/parsers/processes.py does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from grader.parsers.processes import parse_processes

SCRIPT = Path(__file__).resolve().parents[2] / "grader" / "gather.sh"


def test_an_interpreted_metadata_proxy_with_interpreter_options_is_identified(tmp_path: Path):
    proxy = tmp_path / "neutron-ns-metadata-proxy"
    proxy.write_text("import time\ntime.sleep(60)\n")
    interpreter = Path(sys.executable).name  # python3...
    running = subprocess.Popen([interpreter, "-u", "-B", str(proxy), "--metadata_port=9697"])
    try:
        done = subprocess.run(["sh", str(SCRIPT)], capture_output=True, timeout=120, check=True)
    finally:
        running.kill()
        running.wait()
    records = json.loads(done.stdout.decode("utf-8", errors="replace"))["records"]
    listed = next(r for r in records if r["key"] == "processes")["out"]
    seen = [p for p in parse_processes(listed) if p.pid == running.pid]
    assert [p.program for p in seen] == ["neutron-ns-metadata-proxy"]
    identified = [r["arg"] for r in records if r["key"] == "netns_identify"]
    assert str(running.pid) in identified


def test_long_command_lines_are_listed_whole_whatever_columns_says(tmp_path: Path):
    """procps cuts `ps -eo pid,args` to $COLUMNS when it is set (pytest sets it): a dnsmasq's
    `--interface=` comes after some hundred characters of options."""
    options = " ".join(f"--option-{n}=value-{n}" for n in range(20))
    server = tmp_path / "dnsmasq"
    server.write_text("import time\ntime.sleep(60)\n")
    running = subprocess.Popen([sys.executable, str(server), options, "--interface=tapfeedface-01"])
    try:
        env = {**os.environ, "COLUMNS": "80"}
        done = subprocess.run(
            ["sh", str(SCRIPT)], capture_output=True, timeout=120, check=True, env=env
        )
    finally:
        running.kill()
        running.wait()
    records = json.loads(done.stdout.decode("utf-8", errors="replace"))["records"]
    listed = next(r for r in records if r["key"] == "processes")["out"]
    seen = [p for p in parse_processes(listed) if p.pid == running.pid]
    assert len(seen) == 1 and seen[0].args.endswith("--interface=tapfeedface-01"), seen
