"""One student of a class, and the validation of one student's raw fields (any inventory).

    student = Fields("class.yaml", base_dir, line=4, lines={"port": 6}).student(raw)
    student.target, student.options(base_options), student.answers, student.answers_path

Every problem is an InputFileError naming the file, the line and the field (docs/batch.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from grader.connect_options import ConnectOptions
from grader.errors import InputFileError, LabgradeError
from grader.host_spec import SCHEMES, host_name, normalize_target

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HOST_PATTERN = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_][A-Za-z0-9._-]*)$")
USER_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
SPEC_PATTERN = re.compile(r"^[A-Za-z0-9_@:./?&=\[\]%+,~-]+$")
SSH_SCHEMES = ("ssh", "safe-ssh", "paramiko")
MAX_TEXT = 200


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
    answers: str | None = None  # findings answers: an absolute path on this machine
    answers_path: str | None = None  # findings answers: an absolute path on the student's host

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
            **self.answers(raw),
        )

    def answers(self, raw: Mapping[str, Any]) -> dict[str, str | None]:
        """`answers` (a file here, relative to the inventory; not opened now: a missing file
        is that student's error, not the class's) or `answers_path` (on the host)."""
        local, remote = self.text(raw, "answers"), self.text(raw, "answers_path")
        if local and remote:
            raise self.fail(
                "answers_path", "give answers (a file here) or answers_path (on the host), not both"
            )
        if remote and not PurePosixPath(remote).is_absolute():
            raise self.fail(
                "answers_path", f"{remote!r} is not an absolute path on the host (/home/...)"
            )
        path = str((self.base_dir / Path(local).expanduser()).resolve()) if local else None
        return {"answers": path, "answers_path": remote or None}

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
