"""Typed reads from a YAML mapping (grader/yamlfile.py) for the files labgrade validates:
each problem is an InputFileError naming the file, the line and the key.

    fields = YamlFields("exercises.yaml")
    node = fields.mapping(value, line, "a check", {"id": True, "hint": False})
    points = fields.typed(node, "points", (int, float), 0)
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from grader.errors import InputFileError
from grader.yamlfile import ListNode, MappingNode

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def did_you_mean(word: str, choices: list[str]) -> str:
    """ " (did you mean 'X'?)" for the choice closest to WORD; else ""."""
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "mapping", MappingNode: "mapping", list: "list", ListNode: "list"}.get(
        type(value), type(value).__name__
    )


def _type_word(kind: type) -> str:
    if kind in (int, float):
        return "number"
    return "null" if kind is type(None) else kind.__name__


class YamlFields:
    """Reads of FILE's mappings, each refusing what does not fit with file, line and key."""

    def __init__(self, path: str):
        self.path = path

    def error(self, line: int | None, key: str | None, problem: str) -> InputFileError:
        return InputFileError(self.path, line, key, problem)

    def mapping(self, value: Any, line: int, what: str, keys: dict[str, bool]) -> MappingNode:
        if not isinstance(value, MappingNode):
            raise self.error(line, None, f"{what} must be a mapping, not {_kind(value)}")
        for key in value:
            if key not in keys:
                hint = did_you_mean(key, list(keys))
                raise self.error(value.key_line(key), key, f"unknown key in {what}{hint}")
        for key, required in keys.items():
            if required and key not in value:
                raise self.error(value.line, key, f"missing in {what}")
        return value

    def typed(
        self, node: MappingNode, key: str, kind: type | tuple[type, ...], default: Any
    ) -> Any:
        value = node.get(key, default)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        is_bool = isinstance(value, bool)
        if (is_bool and bool not in kinds) or not isinstance(value, kinds):
            names = " or ".join(_type_word(k) for k in kinds)
            names = "number" if set(kinds) == {int, float} else names
            raise self.error(node.key_line(key), key, f"must be {names}, not {_kind(value)}")
        return value

    def identifier(self, node: MappingNode, key: str = "id") -> str:
        value = node.get(key)
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            raise self.error(
                node.key_line(key),
                key,
                f"{value!r} is not a valid id (lower-case letters, digits, '.', '_', '-')",
            )
        return value

    def title(self, node: MappingNode) -> str:
        """`title:`, a non-empty string."""
        title = self.typed(node, "title", str, "")
        if not title.strip():
            raise self.error(node.key_line("title"), "title", "must not be empty")
        return title
