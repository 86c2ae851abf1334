"""Untrusted host output: any bytes through the gather script, any text through the parsers."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.parsers.ip_addr import parse_ip_addr
from grader.parsers.ip_link import parse_ip_link
from grader.parsers.ip_route import parse_ip_route
from grader.parsers.iptables_save import parse_iptables_save
from grader.parsers.listeners import parse_listeners
from grader.parsers.netns import parse_netns_list, parse_pids
from grader.parsers.ovn_nbctl import ovn_list, ovn_map, parse_ofports
from grader.parsers.ovs import parse_external_ids, parse_flows, parse_ovn_records
from grader.parsers.processes import parse_processes

SCRIPT = Path(__file__).resolve().parents[2] / "grader" / "gather.sh"
PARSERS = [
    parse_ip_addr,
    parse_ip_link,
    parse_ip_route,
    parse_iptables_save,
    parse_listeners,
    parse_netns_list,
    parse_external_ids,
    parse_flows,
    parse_ovn_records,
    parse_processes,
    parse_pids,
    parse_ofports,
    ovn_list,
    ovn_map,
]


def test_any_bytes_give_valid_json(tmp_path):
    rng = random.Random(7)
    blobs = [bytes(range(256)) * 3, b"\\" * 1000 + b'"' * 1000, b"x" * 70000 + b"\x01"]
    blobs += [bytes(rng.randrange(256) for _ in range(5000)) for _ in range(3)]
    commands = []
    for i, blob in enumerate(blobs):
        (tmp_path / f"b{i}").write_bytes(blob)
        commands.append(f"cat {tmp_path}/b{i}")
    done = subprocess.run(["sh", str(SCRIPT), *commands], capture_output=True, timeout=60)
    doc = json.loads(done.stdout.decode("utf-8", errors="replace"))
    extras = [r["out"] for r in doc["records"] if r["key"] == "extra"]
    for blob, out in zip(blobs, extras, strict=True):
        expected = blob.replace(b"\0", b"").decode("utf-8", errors="replace")
        if not expected.endswith("\n"):
            expected += "\n"  # awk ends the last line
        assert out == expected


text_lines = st.lists(
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(["-A X -j", "-A", "*nat", ":X", "1: a: <", "LISTEN 0 0 x:y", "tcp LISTEN"]),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(text_lines)
@example("\u00b2 dnsmasq --x\nLISTEN 0 1 a:\u00b2 b\n \u00b2(tapx): addr")  # '²'.isdigit()
@example("9" * 5000 + ": x: <UP> mtu 1\ntable=" + "9" * 5000 + " actions=drop\n")  # int() limit
@example("1: lo    inet 10.0.0.1/99 scope host\n1: lo    inet6 ::1/" + "1" * 5000)
def test_parsers_never_raise(text):
    for parse in PARSERS:
        parse(text)
