"""The class to grade: students loaded from class.yaml, a CSV file or an Ansible inventory.

    students = load_inventory("class.yaml")               # or "class.csv"
    students = load_ansible_inventory("hosts.ini")  # grader.inventory_ansible: hosts -> students
    students[0].id, students[0].target, students[0].options(base_options)

class.yaml has a `defaults:` mapping and a `students:` list; a student's own keys override the
defaults. A CSV file has a header line naming its columns (id is required). Keys and columns:
id, name, email, target, user, port, identity_file, ssh_config, sudo, accept_new_host_keys.
Every problem is an InputFileError naming the file, the line and the field (docs/batch.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader.connect import SCHEMES, ConnectOptions, host_name, normalize_target
from grader.errors import InputFileError, LabgradeError
from grader.yamlfile import MappingNode, decode_utf8, line_of, parse_yaml, read_bounded

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HOST_PATTERN = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_][A-Za-z0-9._-]*)$")
USER_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
SPEC_PATTERN = re.compile(r"^[A-Za-z0-9_@:./?&=\[\]%+,~-]+$")
SSH_SCHEMES = ("ssh", "safe-ssh", "paramiko")
STUDENT_KEYS = ("id", "name", "email", "target")
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
MAX_TEXT = 200
MAX_STUDENTS = 5000
INSTALL = "install ansible-core: pip install 'labgrade[ansible]'"


@dataclass(frozen=True)
class Student:
    """One student: who (id, name, email) and how to reach their host."""

    id: str
    target: str  # a testinfra host spec, user and port applied
    name: str = ""
    email: str = ""
    ssh_config: str | None = None
    identity_file: str | None = None
    sudo: bool | None = None  # None: as the command line says
    accept_new_host_keys: bool | None = None  # None: as the command line says
    ssh_args: tuple[str, ...] = ()  # more ssh options (an Ansible inventory's ssh args)
    extra: tuple[tuple[str, str], ...] = ()  # a CSV roster's other columns, passed through

    @property
    def host(self) -> str:
        """The host's name, without scheme, user, port or password (for display)."""
        return host_name(self.target)

    def options(self, base: ConnectOptions) -> ConnectOptions:
        """BASE (the command line's options) with this student's own settings applied."""
        accept_new = self.accept_new_host_keys
        return replace(
            base,
            ssh_config=self.ssh_config or base.ssh_config,
            ssh_identity_file=self.identity_file or base.ssh_identity_file,
            sudo=base.sudo if self.sudo is None else self.sudo,
            accept_new_host_keys=base.accept_new_host_keys if accept_new is None else accept_new,
            ssh_args=self.ssh_args or base.ssh_args,
        )


class Fields:
    """Validates one student's raw fields; every error names FILE, LINE and the field."""

    def __init__(
        self,
        path: str,
        base_dir: Path,
        line: int,
        lines: Mapping[str, int],
        labels: Mapping[str, str] | None = None,
    ):
        self.path, self.base_dir, self.line, self.lines = path, base_dir, line, lines
        self.labels = labels or {}  # field -> the name the file uses for it

    def fail(self, key: str, problem: str) -> InputFileError:
        line = self.lines.get(key, self.line)
        return InputFileError(self.path, line, self.labels.get(key, key), problem)

    def text(self, raw: Mapping[str, Any], key: str) -> str:
        value = raw.get(key)
        if value is None or value == "":
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(key, "must be a string")
        text = str(value).strip()
        if len(text) > MAX_TEXT or any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise self.fail(key, f"must be one line of at most {MAX_TEXT} characters")
        return text

    def student(self, raw: Mapping[str, Any]) -> Student:
        student_id = self.text(raw, "id")
        if not student_id:
            raise self.fail("id", "missing: every student needs an id")
        if not ID_PATTERN.match(student_id) or student_id.lower().endswith(".snapshot"):
            raise self.fail(
                "id",
                f"{student_id!r} is not a safe id (letters, digits, '.', '_', '-'; at most 64; "
                "it names the student's files)",
            )
        email = self.text(raw, "email")
        if email and (email.count("@") != 1 or " " in email):
            raise self.fail("email", f"{email!r} is not an e-mail address")
        return Student(
            id=student_id,
            target=self.target(raw),
            name=self.text(raw, "name"),
            email=email,
            ssh_config=self.path_value(raw, "ssh_config"),
            identity_file=self.path_value(raw, "identity_file"),
            sudo=self.flag(raw, "sudo"),
            accept_new_host_keys=self.flag(raw, "accept_new_host_keys"),
        )

    def target(self, raw: Mapping[str, Any]) -> str:
        target = self.text(raw, "target")
        if not target:
            raise self.fail("target", "missing: the student's host (a name or a host spec)")
        if not SPEC_PATTERN.match(target):
            raise self.fail("target", f"{target!r} has characters a host spec cannot have")
        try:
            spec = normalize_target(target)
        except LabgradeError as error:
            raise self.fail("target", str(error)) from None
        scheme, _, rest = spec.partition("://")
        if scheme not in SCHEMES:
            raise self.fail("target", f"unknown scheme {scheme!r} (one of {', '.join(SCHEMES)})")
        if scheme not in SSH_SCHEMES:
            return spec
        userinfo, _, address = rest.rpartition("@")
        host, port = split_port(address.split("?", 1)[0])
        if not HOST_PATTERN.match(host):
            raise self.fail("target", f"{host!r} is not a host name or address")
        user = userinfo or self.text(raw, "user")
        if user and not USER_PATTERN.match(user.split(":", 1)[0]):
            raise self.fail("user" if not userinfo else "target", f"{user!r} is not a user name")
        port = port or self.port(raw)
        return f"{scheme}://{user + '@' if user else ''}{host}{':' + port if port else ''}"

    def port(self, raw: Mapping[str, Any]) -> str:
        value = self.text(raw, "port")
        if value and not (value.isdigit() and 0 < int(value) < 65536):
            raise self.fail("port", f"{value!r} is not a port number (1-65535)")
        return value

    def flag(self, raw: Mapping[str, Any], key: str) -> bool | None:
        value = raw.get(key)
        if value is None or value == "" or isinstance(value, bool):
            return value if isinstance(value, bool) else None
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if str(value).strip().lower() in words:
            return words[str(value).strip().lower()]
        raise self.fail(key, f"{value!r} is not true or false")

    def path_value(self, raw: Mapping[str, Any], key: str) -> str | None:
        text = self.text(raw, key)
        if not text:
            return None
        path = (self.base_dir / Path(text).expanduser()).resolve()
        if not path.is_file():
            raise self.fail(key, f"{text}: no such file")
        return str(path)


def split_port(address: str) -> tuple[str, str]:
    """("host", "port") from "host:port", "[::1]:22", "host" (port "" when absent)."""
    if address.startswith("["):
        host, _, tail = address.partition("]")
        return host + "]", tail.removeprefix(":")
    host, _, port = address.partition(":")
    return host, port


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
        if key not in CONNECTION_KEYS:
            allowed = ", ".join(CONNECTION_KEYS)
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
        students.append(fields.student({**defaults, **item}))
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
