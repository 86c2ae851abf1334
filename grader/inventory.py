"""The class to grade: students loaded from class.yaml, a CSV file or an Ansible inventory.

    students = load_inventory("class.yaml")               # or "class.csv"
    students = load_ansible_inventory("hosts.ini")  # grader.inventory_ansible: hosts -> students
    students[0].id, students[0].target, students[0].options(base_options)

class.yaml has a `defaults:` mapping and a `students:` list; a student's own keys override the
defaults. A CSV file has a header line naming its columns (id is required). Keys and columns:
id, name, email, target, user, port, identity_file, ssh_config, sudo, accept_new_host_keys,
answers (the student's findings answers, a file here) or answers_path (a file on their host).
Every problem is an InputFileError naming the file, the line and the field (docs/batch.md).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

from grader.errors import InputFileError
from grader.inventory_fields import ID_PATTERN, MAX_TEXT, USER_PATTERN, Fields, Student
from grader.yamlfile import MappingNode, decode_utf8, line_of, parse_yaml, read_bounded

__all__ = ["ID_PATTERN", "MAX_TEXT", "USER_PATTERN", "Fields", "Student", "load_inventory"]

STUDENT_KEYS = ("id", "name", "email", "target", "answers", "answers_path")
# grades.csv's own columns: a roster column of that name would be ambiguous there
GRADEBOOK_COLUMNS = ("status", "score", "max_score", "percent", "feedback", "error")
DELIMITERS = (",", ";", "\t")
CONNECTION_KEYS = (
    "user",
    "port",
    "identity_file",
    "ssh_config",
    "sudo",
    "accept_new_host_keys",
)
DEFAULT_KEYS = (*CONNECTION_KEYS, "answers_path")  # the same path on every host
MAX_STUDENTS = 5000
INSTALL = "install ansible-core: pip install 'labgrade[ansible]'"


def check_unique(students: list[Student], lines: list[int], path: str) -> list[Student]:
    """STUDENTS, refusing a repeated id (ids name files: compared without case)."""
    if not students:
        raise InputFileError(path, None, None, "no students")
    if len(students) > MAX_STUDENTS:
        raise InputFileError(path, None, None, f"more than {MAX_STUDENTS} students")
    seen: dict[str, int] = {}
    for student, line in zip(students, lines):
        key = student.id.lower()
        if key in seen:
            raise InputFileError(path, line, "id", f"{student.id!r} repeats line {seen[key]}")
        seen[key] = line
    return students


def load_class_yaml(path: str, text: str) -> list[Student]:
    doc = parse_yaml(path, text)
    if not isinstance(doc, MappingNode):
        raise InputFileError(path, None, None, "expected a mapping with 'students:'")
    for key in doc:
        if key not in ("defaults", "students"):
            raise InputFileError(path, doc.key_line(key), key, "unknown key (defaults, students)")
    defaults = doc.get("defaults") or MappingNode()
    if not isinstance(defaults, MappingNode):
        raise InputFileError(path, doc.key_line("defaults"), "defaults", "must be a mapping")
    for key in defaults:
        if key == "answers":
            problem = "each student's own file: give answers: under each student"
            raise InputFileError(path, defaults.key_line(key), key, problem)
        if key not in DEFAULT_KEYS:
            allowed = ", ".join(DEFAULT_KEYS)
            raise InputFileError(path, defaults.key_line(key), key, f"unknown key ({allowed})")
    items = doc.get("students")
    if not isinstance(items, list):
        raise InputFileError(path, doc.key_line("students"), "students", "must be a list")
    base_dir = Path(path).resolve().parent
    students, lines = [], []
    for index, item in enumerate(items):
        line = items.item_line(index)
        if not isinstance(item, MappingNode):
            raise InputFileError(path, line, "students", "each student is a mapping (id: ...)")
        for key in item:
            if key not in STUDENT_KEYS + CONNECTION_KEYS:
                allowed = ", ".join(STUDENT_KEYS + CONNECTION_KEYS)
                raise InputFileError(path, item.key_line(key), key, f"unknown key ({allowed})")
        key_lines = {k: defaults.key_line(k) for k in defaults} | dict(item.key_lines)
        fields = Fields(path, base_dir, line_of(item, line), key_lines)
        raw = {**defaults, **item}
        if "answers" in item and "answers_path" not in item:
            raw.pop("answers_path", None)  # the student's own file wins over the default's
        students.append(fields.student(raw))
        lines.append(line_of(item, line))
    return check_unique(students, lines, path)


def delimiter(first_line: str) -> str:
    """The CSV delimiter of a roster: `,`, or `;` (a spreadsheet in a locale with a decimal
    comma) or a tab, whichever separates more fields of the header line (outside quotes)."""
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    return max(DELIMITERS, key=lambda d: (unquoted.count(d), d == ","))


def load_class_csv(path: str, text: str) -> list[Student]:
    """A CSV roster: id and target, the known keys, and any other column, which is kept as
    is (Student.extra) and passed through to grades.csv. `,`, `;` or tab separated."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text.split("\n", 1)[0]))
    try:
        names = [name.strip() for name in next(reader)]
    except StopIteration:
        raise InputFileError(path, 1, None, "the file is empty") from None
    except csv.Error as error:
        raise InputFileError(path, 1, None, f"not CSV: {error}") from None
    allowed = STUDENT_KEYS + CONNECTION_KEYS
    header = [name.lower() if name.lower() in allowed else name for name in names]
    for name in header:
        if name.lower() in GRADEBOOK_COLUMNS or not name:
            what = "an empty column name" if not name else "a column of grades.csv itself"
            raise InputFileError(path, 1, name or None, f"{what}: rename it in the roster")
    for required in ("id", "target"):
        if required not in header:
            raise InputFileError(path, 1, required, "the header lacks this column")
    if len(set(header)) != len(header):
        raise InputFileError(path, 1, None, "a column is named twice")
    base_dir = Path(path).resolve().parent
    students, lines = [], []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputFileError(
                    path, line, None, f"{len(row)} fields, the header has {len(header)}"
                )
            fields = Fields(path, base_dir, line, {})
            cells = dict(zip(header, row))
            extra = tuple((name, cells[name]) for name in header if name not in allowed)
            student = fields.student({k: v for k, v in cells.items() if k in allowed})
            students.append(replace(student, extra=extra))
            lines.append(line)
    except csv.Error as error:
        raise InputFileError(path, reader.line_num, None, f"not CSV: {error}") from None
    return check_unique(students, lines, path)


def read_text(path: str) -> str:
    return decode_utf8(path, read_bounded(path))


def load_inventory(path: str | Path) -> list[Student]:
    """Students from a CSV file (*.csv) or a class.yaml (anything else)."""
    name = str(path)
    text = read_text(name)
    if name.lower().endswith(".csv"):
        return load_class_csv(name, text)
    return load_class_yaml(name, text)
