"""`labgrade check A B ...` and `check ssh://a,ssh://b`: one report per host, a JSON array,
one JUnit testsuite each, the worst exit code (recorded hosts stand in for real ones)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import junitparser
import pytest
from test_batch import recorded

import grader.connect
from grader.cli import main
from grader.commands.check_many import split_targets


@pytest.fixture
def fake_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grader.connect, "run_to_file", recorded)


def test_several_targets_give_a_json_array_and_a_suite_each(
    tmp_path: Path, fake_hosts: None, capsys: Any
) -> None:
    out, xml = tmp_path / "r.json", tmp_path / "r.xml"
    argv = ["check", "complete-0", "no-ssh-rule-1", "--report", f"json={out}"]
    assert main([*argv, "--report", f"junit={xml}"]) == 1  # one host not passing
    docs = json.loads(out.read_text())
    assert [d["target"] for d in docs] == ["ssh://complete-0", "ssh://no-ssh-rule-1"]
    assert docs[0]["score"] == docs[0]["max_score"] > docs[1]["score"]
    suites = list(junitparser.JUnitXml.fromfile(str(xml)))
    assert [s.name for s in suites] == ["complete-0", "no-ssh-rule-1"]
    text = capsys.readouterr().out
    assert "ssh://complete-0" in text and "ssh://no-ssh-rule-1" in text


def test_testinfra_comma_form_and_a_host_in_error(fake_hosts: None, capsys: Any) -> None:
    assert main(["check", "ssh://complete-0,ssh://down-2"]) == 3
    captured = capsys.readouterr()
    assert "ssh://complete-0" in captured.out and "down-2" not in captured.out
    assert "down-2 is unreachable" in captured.err


def test_a_one_host_format_with_several_targets_is_a_usage_error(
    fake_hosts: None, capsys: Any
) -> None:
    assert main(["check", "complete-0", "complete-1", "--report", "gradescope"]) == 2
    assert "describes one host" in capsys.readouterr().err


def test_split_targets_keeps_a_query_string_whole() -> None:
    assert split_targets("ssh://a,ssh://b") == ["ssh://a", "ssh://b"]
    assert split_targets("ansible://h?ansible_inventory=a,b") == [
        "ansible://h?ansible_inventory=a,b"
    ]
