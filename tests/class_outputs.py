"""Reading what `labgrade batch` wrote into a class directory: grades.csv rows and a student's
findings (shared by the unit and lab tests of findings in a batch)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from json_contract import validated


def grades(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def findings(out: Path, student: str) -> dict[str, str]:
    doc = validated(json.loads((out / "students" / f"{student}.json").read_text()), "result")
    return {
        c["id"]: c["status"] for e in doc["exercises"] if e["id"] == "findings" for c in e["checks"]
    }
