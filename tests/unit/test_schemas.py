"""The machine contract: JSON Schemas (draft 2020-12) shipped in the package and printed by
`labgrade schema NAME`; every document labgrade writes follows them (other tests validate the
batch files and the lab hosts' reports too: test_batch.reports, test_check_lab.report)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from grader.cli import main
from grader.commands.schema import SCHEMAS, schema_text
from grader.grading import grade_snapshot
from grader.model import load_exercises
from grader.result import host_error
from grader.snapshot import Snapshot
from grader.stamp import rubric_digest, stamped

SNAPSHOTS = sorted((Path(__file__).resolve().parents[1] / "data" / "snapshots").glob("*.json"))


def validator(name: str) -> Draft202012Validator:
    schema = json.loads(schema_text(name))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_labgrade_schema_prints_the_shipped_schema(name: str, capsys: Any) -> None:
    assert main(["schema", name]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert printed == json.loads(schema_text(name))
    validator(name)  # a valid schema


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.stem)
def test_every_recorded_snapshot_and_its_result_follow_the_schemas(path: Path) -> None:
    validator("snapshot").validate(json.loads(path.read_text()))
    snapshot = Snapshot.from_json(path.read_bytes(), source=str(path))
    exercises = load_exercises()
    result = stamped(grade_snapshot(snapshot, exercises, None, "ssh://lab-1"), exercises, None)
    doc = json.loads(json.dumps(result.to_dict()))
    validator("result").validate(doc)
    assert doc["rubric"] == rubric_digest(None, None) and doc["graded_at"]


def test_a_host_in_error_follows_the_schema_with_null_for_what_is_unknown() -> None:
    exercises = load_exercises()
    result = stamped(host_error("ssh://lab-9", "lab-9 is unreachable", 100), exercises, ["sg"])
    doc = result.to_dict()
    validator("result").validate(doc)
    assert doc["rubric"] == rubric_digest(None, ["sg"]) != rubric_digest(None, None)


def test_discovered_is_machine_keys_with_null_for_unknown() -> None:
    """A fresh host has no instance: its port, IPs and chain are null, not prose."""
    path = next(p for p in SNAPSHOTS if p.stem == "fresh")
    snapshot = Snapshot.from_json(path.read_bytes(), source=str(path))
    discovered = grade_snapshot(snapshot, load_exercises(), None, "x").discovered
    assert discovered["instance_port"] is None and discovered["fixed_ip"] is None
    assert discovered["floating_ip"] is None and discovered["fixed_ips"] == []
    assert all(" " not in key for key in discovered)


def test_the_schemas_refuse_what_labgrade_never_writes() -> None:
    result = validator("result")
    good = host_error("ssh://x", "down", 100).to_dict()
    assert result.is_valid(good)
    assert not result.is_valid({**good, "status": "graded"})  # graded with an error text
    assert not result.is_valid({**good, "discovered": {"fixed IP": "unknown"}})
    assert not result.is_valid({**good, "rubric": "md5:abc"})
    assert not validator("snapshot").is_valid({"format": "labgrade-snapshot/2", "records": []})
    batch = {"format": "labgrade-batch/1", "labgrade_version": "0", "exercises": None}
    assert not validator("batch").is_valid({**batch, "only": None, "students": [{"id": "../x"}]})
