"""`labgrade answers`: the findings questions, with empty answers, for a student to fill in."""

from __future__ import annotations

import argparse
import sys

from grader.answers_file import answers_template, questions
from grader.commands.options import add_command, add_exercises_option
from grader.errors import EXIT_OK, LabgradeError
from grader.model import load_exercises

DESCRIPTION = """\
Print the lab's findings questions (what the lab asks you to look up on your host: the name
of your instance's inbound chain, the interface dnsmasq listens on, ...) as a YAML file with
empty answers. Fill it in with what the lab's commands show you, then grade your answers
against your own host: `sudo labgrade check --answers answers.yaml`. Answers differ per
host, so copied answers fail; a wrong answer tells you how to find the right one.
"""

EXAMPLES = """\
examples:
  labgrade answers > answers.yaml
  sudo labgrade check --answers answers.yaml
  sudo labgrade check --answers answers.yaml --only findings
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers, "answers", "print the findings questions to answer", DESCRIPTION, EXAMPLES
    )
    add_exercises_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    exercises = load_exercises(args.exercises)
    if not questions(exercises):
        raise LabgradeError(f"{exercises.path} has no findings questions (checks `finding`)")
    sys.stdout.write(answers_template(exercises))
    return EXIT_OK
