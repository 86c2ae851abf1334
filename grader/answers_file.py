"""The student's answers to the findings questions (exercises.yaml checks `check: finding`).

    text = answers_template(exercises)       # `labgrade answers`: every question, answers empty
    answers = load_answers("answers.yaml", exercises)   # {"inbound-chain": "neutron-...", ...}
    rubric = with_answers(exercises, answers)  # each finding check gets its `given` answer

The file is a YAML mapping, answer name -> answer (a string or a number); the question is the
comment above each key. Refused, as one line naming the file, line and key (exit 2): a key
that is no question of the rubric, a value that is not a plain answer, and everything
grader.yamlfile refuses.
"""

from __future__ import annotations

import difflib
from dataclasses import replace

from grader.errors import InputFileError
from grader.model import CheckSpec, Exercises
from grader.yamlfile import MappingNode, load_yaml

FINDINGS = "findings"  # the exercise that holds them in the default rubric
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
    """The answers in PATH, keyed by answer name; InputFileError for anything else."""
    data = load_yaml(path)
    if not isinstance(data, MappingNode):
        raise InputFileError(path, 1, None, "must be a mapping of answer name -> answer")
    known = [str(spec.params.get("answer")) for spec in questions(exercises)]
    answers: dict[str, str] = {}
    for key, value in data.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputFileError(
                path, data.key_line(key), key, f"no such question{hint} (`labgrade answers`)"
            )
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InputFileError(path, data.key_line(key), key, "an answer is one string or number")
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
