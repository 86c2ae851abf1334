"""Which rubric graded a result, and when: every result carries both (docs/json-schema.md).

    result = stamped(result, exercises, only)   # rubric "sha256:...", graded_at (UTC, ISO 8601)

The digest is that of `batch.json`'s `rubric` (grader/classdir.py): the exercises file's bytes
and the --only selection, so a result and its class directory name the same rubric.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from grader.errors import LabgradeError
from grader.model import Exercises, default_exercises_path
from grader.result import HostResult


def _file_bytes_digest(path: str, selection: str) -> str:
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise LabgradeError(f"cannot read {path}: {error.strerror or error}") from None
    return "sha256:" + hashlib.sha256(content + b"\0--only " + selection.encode()).hexdigest()


def rubric_digest(exercises: str | None, only: Sequence[str] | None) -> str:
    """Which rubric grades: "sha256:..." of the exercises file's bytes (the shipped one when
    EXERCISES is None) and the --only selection (none: the default exercises)."""
    path = str(exercises) if exercises else str(default_exercises_path())
    return _file_bytes_digest(path, ",".join(only) if only else "(default)")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def stamped(result: HostResult, exercises: Exercises, only: Sequence[str] | None) -> HostResult:
    """RESULT with the digest of the rubric that graded it (EXERCISES, ONLY) and the time."""
    return replace(result, rubric=rubric_digest(exercises.path, only), graded_at=now())
