"""The output directory of a batch (DIR): where each file lives, and writing and reading them.
Every file is written atomically (temporary file, then rename), so an interrupted batch leaves
each file either complete or absent.

    DIR/batch.json                   the class and the rubric that graded it (--resume, regrade)
    DIR/grades.csv                   the gradebook        } the class reports: each format's
    DIR/junit.xml                    one testsuite each  } class_file (grader/report/reporters.py)
    DIR/students/<id>.json           the `check --format json` report of each student
    DIR/students/<id>.snapshot.json  what was gathered on the student's host
    DIR/students/<id>.answers.yaml   the findings answers graded (students with answers only)

A student counts as done once students/<id>.json exists (it is written after the snapshot).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from grader import __version__
from grader.atomic import write_atomic
from grader.errors import InputFileError, LabgradeError
from grader.inventory import ID_PATTERN, Student
from grader.model import default_exercises_path
from grader.result import HostResult
from grader.result_file import result_from_dict
from grader.snapshot import MAX_SNAPSHOT_BYTES, Snapshot
from grader.yamlfile import decode_utf8, read_bounded

MANIFEST_FORMAT = "labgrade-batch/1"
MAX_RESULT_BYTES = 64 * 1024 * 1024

Entry = tuple[Student, Optional[HostResult]]  # a student and the result (None: not graded yet)


@dataclass(frozen=True)
class Manifest:
    students: tuple[Student, ...]
    exercises: str | None  # the exercises file given with --exercises (None: the shipped one)
    only: tuple[str, ...] | None
    rubric: str | None = None  # rubric_digest() of what graded DIR last (None: not recorded)


def describe_rubric(exercises: str | None, only: Sequence[str] | None) -> str:
    """The rubric in words: "exercises.yaml (shipped), --only sg"."""
    where = exercises or f"{default_exercises_path().name} (shipped)"
    return f"{where}, --only {','.join(only)}" if only else f"{where}, the default exercises"


class ClassDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.students_dir = self.path / "students"

    # --- places -----------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.path / "batch.json"

    def result_path(self, student_id: str) -> Path:
        return self.students_dir / f"{student_id}.json"

    def snapshot_path(self, student_id: str) -> Path:
        return self.students_dir / f"{student_id}.snapshot.json"

    def answers_path(self, student_id: str) -> Path:
        return self.students_dir / f"{student_id}.answers.yaml"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    # --- writing ----------------------------------------------------------------------------
    def create(self) -> None:
        try:
            self.students_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LabgradeError(f"cannot create {self.students_dir}: {error.strerror}") from None

    def write(self, path: Path, text: str) -> None:
        try:
            write_atomic(path, text)
        except OSError as error:
            raise LabgradeError(f"cannot write {path}: {error.strerror or error}") from None

    def write_manifest(self, manifest: Manifest) -> None:
        doc = {
            "format": MANIFEST_FORMAT,
            "labgrade_version": __version__,
            "exercises": manifest.exercises,
            "only": list(manifest.only) if manifest.only is not None else None,
            "rubric": manifest.rubric,
            "students": [
                {"id": s.id, "name": s.name, "email": s.email, "target": s.target}
                | ({"extra": dict(s.extra)} if s.extra else {})
                | ({"answers": s.answers} if s.answers else {})
                | ({"answers_path": s.answers_path} if s.answers_path else {})
                for s in manifest.students
            ],
        }
        self.write(self.manifest_path, json.dumps(doc, indent=2) + "\n")

    def write_student(
        self, student_id: str, result_json: str, snapshot_json: str | None = None
    ) -> None:
        """The student's snapshot (or, without one, no stale snapshot nor answers), then the
        report."""
        if snapshot_json is not None:
            self.write(self.snapshot_path(student_id), snapshot_json)
        else:
            self.forget_answers(student_id)
            with contextlib.suppress(FileNotFoundError):
                self.snapshot_path(student_id).unlink()
        self.write_result(student_id, result_json)

    def forget_answers(self, student_id: str) -> None:
        """No stored answers for STUDENT_ID (before grading it again: the grading writes them)."""
        with contextlib.suppress(FileNotFoundError):
            self.answers_path(student_id).unlink()

    def write_result(self, student_id: str, result_json: str) -> None:
        self.write(self.result_path(student_id), result_json)

    def write_flags(self, student_id: str, flags: Sequence[str]) -> None:
        """Set `flags` in the stored report of STUDENT_ID, the rest of it as it is."""
        path = self.result_path(student_id)
        try:
            doc = json.loads(read_bounded(path, MAX_RESULT_BYTES))
        except (OSError, ValueError, InputFileError):
            return  # no usable report: the student is graded again by --resume
        self.write(path, json.dumps({**doc, "flags": list(flags)}, indent=2) + "\n")

    # --- reading ----------------------------------------------------------------------------
    def read_manifest(self) -> Manifest:
        name = str(self.manifest_path)
        if not self.manifest_path.is_file():
            raise LabgradeError(f"{self.path}: not a batch directory (no batch.json)")
        try:
            doc = json.loads(read_bounded(self.manifest_path, MAX_RESULT_BYTES))
            only = doc["only"]
            students = tuple(
                Student(
                    id=s["id"],
                    target=s["target"],
                    name=s["name"],
                    email=s["email"],
                    extra=tuple((str(k), str(v)) for k, v in (s.get("extra") or {}).items()),
                    answers=_text_or_none(s.get("answers")),
                    answers_path=_text_or_none(s.get("answers_path")),
                )
                for s in doc["students"]
            )
            if doc.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"format is not {MANIFEST_FORMAT}")
            unsafe = [s.id for s in students if not ID_PATTERN.match(s.id)]
            if unsafe:
                raise ValueError(f"unsafe student id {unsafe[0]!r}")
        except (ValueError, KeyError, TypeError) as error:
            raise InputFileError(name, None, None, f"not a batch manifest: {error}") from None
        rubric = doc.get("rubric")
        if rubric is not None and not isinstance(rubric, str):
            raise InputFileError(name, None, "rubric", "not a digest")
        return Manifest(students, doc.get("exercises"), tuple(only) if only else None, rubric)

    def read_result(self, student_id: str) -> HostResult | None:
        """The stored report of STUDENT_ID; None when absent or unreadable (grade it again)."""
        path = self.result_path(student_id)
        if not path.is_file():
            return None
        try:
            return result_from_dict(json.loads(read_bounded(path, MAX_RESULT_BYTES)))
        except (ValueError, InputFileError):
            return None

    def read_snapshot(self, student_id: str) -> Snapshot | None:
        """The stored snapshot; None when absent; InputFileError when broken."""
        path = self.snapshot_path(student_id)
        if not path.is_file():
            return None
        return Snapshot.from_json(read_bounded(path, MAX_SNAPSHOT_BYTES), source=str(path))

    def stored(self, students: Sequence[Student]) -> list[Entry]:
        return [(student, self.read_result(student.id)) for student in students]

    def read_answers(self, student_id: str) -> str:
        """The answers graded for STUDENT_ID; InputFileError when absent or unreadable."""
        path = self.answers_path(student_id)
        return decode_utf8(str(path), read_bounded(path))


def _text_or_none(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("answers and answers_path are strings")
    return value or None
