"""The text report read as a student reads it, on every lab scenario, on a real terminal (a
pty): the total and `next:` in the first 10 lines, no line wider than COLUMNS (60 and 100)
but for a token that cannot break, no escape bytes with TERM=dumb or NO_COLOR, the verdict on
a cleaned-up host, and at most 20/100 on a fresh one."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from labsim import scenarios

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab
SCENARIOS = sorted(scenarios.load_scenarios())


def on_a_terminal(lab: Any, scenario: str, **env: str) -> str:
    """`labgrade check` of the scenario's host with a pty as its standard output."""
    main, child = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "labgrade",
            "check",
            f"ssh://{lab[scenario].name}",
            "--ssh-config",
            str(lab.ssh_config),
        ],
        stdout=child,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
        env={**{k: v for k, v in os.environ.items() if k != "NO_COLOR"}, **env},
    )
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the pty closes when the program ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def overflows(line: str, columns: int) -> bool:
    """Over COLUMNS, and not because of a token that cannot break."""
    if len(line) <= columns:
        return False
    indent = len(line) - len(line.lstrip())
    return not any(len(word) > columns - indent - 2 for word in line.split())


@pytest.mark.parametrize("columns", [60, 100])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_first_screen_says_how_far_and_what_next(lab, scenario: str, columns: int) -> None:
    text = on_a_terminal(lab, scenario, TERM="dumb", COLUMNS=str(columns))
    assert "\x1b" not in text, "TERM=dumb: no escape sequences"
    lines = text.splitlines()
    first = "\n".join(lines[:10])
    assert re.search(r"^Total: \d+/\d+", first, re.M), first
    assert re.search(r"^next: ", first, re.M), first
    wide = [line for line in lines if overflows(line, columns)]
    assert not wide, f"over {columns} columns: {wide}"
    score, _ = map(int, re.search(r"^Total: (\d+)/(\d+)", text, re.M).groups())
    if scenario == "cleaned-up":
        assert "looks cleaned up" in first
    if scenario == "fresh":
        assert score <= 20


def test_colour_only_where_wanted(lab) -> None:
    assert "\x1b[" in on_a_terminal(lab, "no-icmp-rule", TERM="xterm")  # the test can fail
    assert "\x1b" not in on_a_terminal(lab, "no-icmp-rule", TERM="xterm", NO_COLOR="1")
