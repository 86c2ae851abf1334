"""`labgrade schema NAME`: print a JSON Schema (draft 2020-12) of labgrade's own documents."""

from __future__ import annotations

import argparse
import sys
from importlib import resources

from grader.commands.options import add_command
from grader.errors import EXIT_OK

# name -> (file in grader/schemas/, what it describes)
SCHEMAS = {
    "result": ("result.schema.json", "the JSON report of one host (check, students/<id>.json)"),
    "snapshot": ("snapshot.schema.json", "a snapshot (collect, students/<id>.snapshot.json)"),
    "batch": ("batch.schema.json", "a class directory's batch.json"),
}

DESCRIPTION = "Print the JSON Schema (draft 2020-12) of one of labgrade's JSON documents:\n" + (
    "\n".join(f"  {name:<9} {about}" for name, (_, about) in SCHEMAS.items())
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "schema",
        "print the JSON Schema of a labgrade document",
        DESCRIPTION,
        "example:\n  labgrade schema result > result.schema.json\n",
    )
    parser.add_argument("name", choices=tuple(SCHEMAS), metavar="NAME", help=", ".join(SCHEMAS))
    parser.set_defaults(handler=run)


def schema_text(name: str) -> str:
    """The schema NAME as shipped (grader/schemas/)."""
    return resources.files("grader").joinpath("schemas", SCHEMAS[name][0]).read_text("utf-8")


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text(args.name))
    return EXIT_OK
