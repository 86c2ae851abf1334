"""The student's answers to the findings questions (exercises.yaml checks `check: finding`).

    text = answers_template(exercises)       # `labgrade answers`: every question, answers empty
    answers = load_answers("answers.yaml", exercises)   # {"inbound-chain": "neutron-...", ...}
    rubric = with_answers(exercises, answers)  # each finding check gets its `given` answer
    rubric = with_findings(rubric)             # findings graded with the default exercises

In a batch (grader/class_grading.py) a student's answers come from a file here (class.yaml
`answers:`, read before connecting) or from a file on their host (`answers_path:`, read by one
more command of the gather, answers_command()); either way parse_answers() checks them.

The file is a YAML mapping, answer name -> answer (a string or a number); the question is the
comment above each key. Refused, as one line naming the file, line and key (exit 2): a key
that is no question of the rubric, a value that is not a plain answer, and everything
grader.yamlfile refuses.
"""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from grader.errors import HostError, InputFileError
from grader.model import CheckSpec, Exercises
from grader.report.safetext import one_line
from grader.snapshot import Snapshot
from grader.yamlfile import MAX_BYTES, MappingNode, decode_utf8, parse_yaml, read_bounded

MAX_KEY = 64  # characters of an unknown key shown in the error (the file may be the host's)
FINDINGS = "findings"  # the exercise that holds them in the default rubric
REMEDY = "fix it, then grade again (`labgrade batch ... --resume`)"
HOST_REMEDY = "the student saves the filled-in answers there, then `labgrade batch ... --resume`"
HEADER = """\
# labgrade answers: what you found under the hood of YOUR host (answers differ per host).
# Fill in each answer with what the lab's commands show you, then grade them with:
#   sudo labgrade check --answers answers.yaml
"""


def questions(exercises: Exercises) -> list[CheckSpec]:
    """The rubric's findings, in its order (one per answer name)."""
    seen: dict[str, CheckSpec] = {}
    for spec in exercises.checks():
        if spec.check == "finding":
            seen.setdefault(str(spec.params.get("answer")), spec)
    return list(seen.values())


def answers_template(exercises: Exercises) -> str:
    lines = [HEADER]
    for spec in questions(exercises):
        question = str(spec.params.get("question") or spec.title)
        only = f" (only on {', '.join(spec.backends)})" if spec.backends else ""
        lines += [f"# {question}{only}", f'{spec.params["answer"]}: ""', ""]
    return "\n".join(lines)


def load_answers(path: str, exercises: Exercises) -> dict[str, str]:
    """The answers in PATH, keyed by answer name; InputFileError for anything else (also for
    something that is not a regular file: a FIFO would block the reading)."""
    _regular(path)
    return parse_answers(path, decode_utf8(path, read_bounded(path)), exercises)


def parse_answers(name: str, text: str, exercises: Exercises) -> dict[str, str]:
    """The answers in TEXT (the file NAME), keyed by answer name; InputFileError otherwise."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InputFileError(name, None, None, f"larger than {MAX_BYTES} bytes; refusing to read")
    data = parse_yaml(name, text)
    if not isinstance(data, MappingNode):
        raise InputFileError(name, 1, None, "must be a mapping of answer name -> answer")
    known = [str(spec.params.get("answer")) for spec in questions(exercises)]
    answers: dict[str, str] = {}
    for key, value in data.items():
        if key not in known:
            close = difflib.get_close_matches(key[:MAX_KEY], known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            shown = one_line(key if len(key) <= MAX_KEY else key[:MAX_KEY] + "...")
            raise InputFileError(
                name, data.key_line(key), shown, f"no such question{hint} (`labgrade answers`)"
            )
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InputFileError(name, data.key_line(key), key, "an answer is one string or number")
        answers[key] = str(value)
    return answers


def with_answers(exercises: Exercises, answers: dict[str, str]) -> Exercises:
    """EXERCISES whose finding checks carry the student's answer as their `given` parameter
    ("" for a question left out): the rubric graded against this student's answers."""

    def answered(spec: CheckSpec) -> CheckSpec:
        if spec.check != "finding":
            return spec
        given = answers.get(str(spec.params.get("answer")), "")
        return replace(spec, params={**spec.params, "given": given})

    graded = tuple(
        replace(e, checks=tuple(answered(c) for c in e.checks)) for e in exercises.exercises
    )
    return replace(exercises, exercises=graded)


def with_findings(exercises: Exercises) -> Exercises:
    """EXERCISES where the exercises holding findings are default ones too: graded with the
    default exercises, each check where it applies to the host's backend (as `check
    --answers`). Naming the default exercises with --only instead would bring, on a host of
    one backend, the checks of the other backends' variants as well."""
    graded = tuple(
        replace(e, default=True) if any(c.check == "finding" for c in e.checks) else e
        for e in exercises.exercises
    )
    return replace(exercises, exercises=graded)


def answers_command(path: str) -> str:
    """The extra gather command that prints the answers file PATH on the student's host (PATH
    comes from the inventory: quoted all the same)."""
    return f"cat -- {shlex.quote(path)}"


@dataclass(frozen=True)
class StudentAnswers:
    """Where a student's answers are, in a batch: TEXT, read on this machine from the file
    NAME (class.yaml `answers:`), or the file HOST_PATH on their host (`answers_path:`),
    printed by the gather's answers_command() (then NAME is "host:path")."""

    name: str
    text: str | None = None
    host_path: str | None = None

    @property
    def command(self) -> str | None:
        return answers_command(self.host_path) if self.host_path else None


def student_answers(
    local: str | None, host_path: str | None, host: str, exercises: Exercises
) -> StudentAnswers | None:
    """A student's answers: the file LOCAL here, read and checked now (InputFileError when it
    is unusable), or HOST_PATH on HOST, read by the gather; None when the student has none."""
    if local:
        _regular(local)
        text = decode_utf8(local, read_bounded(local))
        parse_answers(local, text, exercises)
        return StudentAnswers(local, text)
    if host_path:
        return StudentAnswers(f"{host}:{host_path}", host_path=host_path)
    return None


def _regular(path: str) -> None:
    """Nothing, or InputFileError for something that exists and is not a file (a FIFO would
    block the reading); a missing file is read_bounded's to report."""
    file = Path(path)
    if file.exists() and not file.is_dir() and not file.is_file():
        raise InputFileError(path, None, None, "not a regular file")


def answers_text(answers: StudentAnswers, snapshot: Snapshot) -> str:
    """The text of ANSWERS: read here, or what the gather of SNAPSHOT printed of the file on
    the host; HostError naming the host and the path when it could not be read there."""
    if answers.text is not None:
        return answers.text
    where = f"{answers.name} (answers_path)"
    record = snapshot.extra(answers.command or "")
    if record is None:
        raise HostError(f"{where}: not read: the gather was cut short; grade again with --resume")
    if record.timed_out or record.refused or record.truncated:
        problem = "timed out" if record.timed_out else "too large"
        raise HostError(f"{where}: cannot read it on the host ({problem}); {HOST_REMEDY}")
    if record.rc != 0:
        said = record.err.strip().splitlines()
        reason = one_line(said[-1][:200]) if said else f"exit code {record.rc}"
        raise HostError(f"{where}: cannot read it on the host ({reason}); {HOST_REMEDY}")
    return record.out


def graded_answers(
    answers: StudentAnswers, snapshot: Snapshot, exercises: Exercises, remedy: str = REMEDY
) -> tuple[str, dict[str, str]]:
    """The text of ANSWERS (answers_text) and the answers in it, checked against EXERCISES'
    questions; HostError naming the file, line and key, and REMEDY, when it is refused."""
    text = answers_text(answers, snapshot)
    try:
        return text, parse_answers(answers.name, text, exercises)
    except InputFileError as error:
        raise HostError(f"answers file {error}; {remedy}") from None
