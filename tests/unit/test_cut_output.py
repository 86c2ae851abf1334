"""A gather cut short is read as what it is: the records printed whole before the cut, in a
snapshot marked `"complete": false` (never a broken document, never graded as whole)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from grader.gather import parse_gather_output
from grader.snapshot import Snapshot

SCRIPT = Path(__file__).resolve().parents[2] / "grader" / "gather.sh"


@pytest.fixture(scope="module")
def whole_output() -> str:
    done = subprocess.run(["sh", str(SCRIPT)], capture_output=True, timeout=120, check=True)
    return done.stdout.decode("utf-8", errors="replace")


def test_output_cut_anywhere_keeps_the_whole_records_before_the_cut(whole_output: str) -> None:
    whole = parse_gather_output(whole_output)
    assert whole.complete
    header_end = whole_output.index("\n") + 1
    for cut in range(header_end, len(whole_output) - 40, max(1, len(whole_output) // 97)):
        snapshot = parse_gather_output(whole_output[:cut], target="lab-1")
        assert not snapshot.complete
        kept = len(snapshot.records)
        assert snapshot.records == whole.records[:kept]
        printed = whole_output[:cut].count("\n{")  # records begun before the cut
        assert kept in (printed - 1, printed)  # the one the cut went through is dropped


def test_a_signal_closes_the_document_as_cut(tmp_path: Path) -> None:
    """Ctrl-C (or a TERM) on `sh labgrade-collect.sh > host.json` leaves a valid document
    marked `"complete": false`, with every record printed before it whole."""
    started = tmp_path / "started"
    with open(tmp_path / "host.json", "wb") as output:  # a file, as `> host.json`: never full
        process = subprocess.Popen(
            ["sh", str(SCRIPT), f"touch {started}; sleep 30"],
            stdout=output,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the gather never reached its extra command"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    stdout = (tmp_path / "host.json").read_bytes()
    assert stdout.endswith(b', "complete": false}\n'), stdout[-300:]
    doc = json.loads(stdout)
    assert doc["complete"] is False
    snapshot = Snapshot.from_dict(doc)
    assert not snapshot.complete and snapshot.root("netns_list") is not None
    assert snapshot.extra(f"touch {started}; sleep 30") is None  # it never finished
