"""The JSON contract as the tests check it: every document labgrade writes validates against
its shipped schema (`labgrade schema NAME`); two gradings compare equal without their times.

    from json_contract import validated, without_timing   # tests/ is on sys.path (conftest)
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from grader.commands.schema import schema_text


def validated(doc: Any, name: str) -> Any:
    """DOC, after checking it against labgrade's shipped schema NAME (`labgrade schema`)."""
    schema = json.loads(schema_text(name))
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(doc)
    return doc


def without_timing(doc: Any) -> Any:
    """DOC (a JSON report) without the keys that differ between two gradings: durations and
    the time of grading."""
    if isinstance(doc, dict):
        return {k: without_timing(v) for k, v in doc.items() if k not in ("duration", "graded_at")}
    if isinstance(doc, list):
        return [without_timing(v) for v in doc]
    return doc
