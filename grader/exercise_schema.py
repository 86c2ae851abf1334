"""Validate the exercises.yaml document and build the rubric's values (grader/rubric.py).

Each problem raises InputFileError(file, line, key, problem): unknown or missing keys, wrong
types (a bool is not a number), bad or duplicate ids, unknown check names, parameters that are
not in the check function's signature or have the wrong type, bad points, and dangling or
circular `requires`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from grader.backends import KNOWN as KNOWN_BACKENDS
from grader.hints import parse_hint
from grader.paramtypes import signature_params, type_problem
from grader.rubric import CheckSpec, Exercise, Exercises
from grader.yaml_fields import YamlFields, did_you_mean
from grader.yamlfile import ListNode, MappingNode, line_of, load_yaml

FORMAT_VERSION = 1

TOP_KEYS = {"version": True, "exercises": True, "mistakes": False}  # key -> required
EXERCISE_KEYS = {
    "id": True,
    "title": True,
    "default": False,
    "backends": False,
    "section": False,
    "step": False,
    "checks": True,
}
# The lab's order, which `next:` in the text report follows (docs/exercises.md).
STEPS = ("instance", "rules", "floating-ip", "explore", "cleanup")
CHECK_KEYS = {
    "id": True,
    "title": True,
    "points": True,
    "check": True,
    "params": False,
    "requires": False,
    "hint": False,
    "why": False,
    "devstack": False,
    "backends": False,
}


def _sub_key_line(node: MappingNode, key: str) -> Any:
    """The line of a key inside NODE[KEY] (a mapping), else of KEY itself."""
    value = node.get(key)
    if isinstance(value, MappingNode):
        return value.key_line
    return lambda _key: node.key_line(key)


class _Validator(YamlFields):
    def __init__(self, path: str, checks: Mapping[str, Any]):
        super().__init__(path)
        self.checks = checks

    def document(self, root: Any) -> Exercises:
        root = self.mapping(root, line_of(root, 1), "the file", TOP_KEYS)
        version = root["version"]
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise self.error(
                root.key_line("version"), "version", f"must be {FORMAT_VERSION}, not {version!r}"
            )
        items = root["exercises"]
        if not isinstance(items, ListNode) or not items:
            raise self.error(
                root.key_line("exercises"), "exercises", "must be a non-empty list of exercises"
            )
        exercises = [self.exercise(item, items.item_line(i)) for i, item in enumerate(items)]
        self.unique_ids(exercises)
        order = self.requires_order(exercises)
        mistakes = self.mistakes(root, {c.id for e in exercises for c in e.checks})
        return Exercises(
            self.path, tuple(exercises), order, registry=self.checks, mistakes=mistakes
        )

    def mistakes(self, root: MappingNode, ids: set[str]) -> dict[str, tuple[str, ...]]:
        """`mistakes:` name -> the checks one student mistake fails, on any backend."""
        node = root.get("mistakes")
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            raise self.error(root.key_line("mistakes"), "mistakes", "must be a mapping")
        found: dict[str, tuple[str, ...]] = {}
        for name, checks in node.items():
            line = node.key_line(name)
            if not isinstance(checks, ListNode) or not checks:
                raise self.error(line, name, "must be a non-empty list of check ids")
            for index, check_id in enumerate(checks):
                if check_id not in ids:
                    raise self.error(
                        checks.item_line(index),
                        name,
                        f"unknown check {check_id!r}{did_you_mean(str(check_id), sorted(ids))}",
                    )
            found[name] = tuple(checks)
        return found

    def exercise(self, value: Any, line: int) -> Exercise:
        node = self.mapping(value, line, "an exercise", EXERCISE_KEYS)
        exercise_id = self.identifier(node)
        title = self.title(node)
        default = self.typed(node, "default", bool, True)
        section = self.typed(node, "section", str, "").strip()
        step = self.typed(node, "step", str, "explore")
        if step not in STEPS:
            raise self.error(
                node.key_line("step"), "step", f"{step!r} is not one of {', '.join(STEPS)}"
            )
        backends = self.backends(node, ())
        items = node["checks"]
        if not isinstance(items, ListNode) or not items:
            raise self.error(node.key_line("checks"), "checks", "must be a non-empty list")
        checks = [
            self.check(item, items.item_line(i), exercise_id, backends)
            for i, item in enumerate(items)
        ]
        checks = [replace(c, section=section or title, step=step) for c in checks]
        return Exercise(exercise_id, title, tuple(checks), default, node.line)

    def backends(self, node: MappingNode, within: tuple[str, ...]) -> tuple[str, ...]:
        """`backends:` (names from grader.backends), inside the exercise's own if it has one."""
        value = self.typed(node, "backends", (list, type(None)), None)
        if not value:
            return within
        line = node.key_line("backends")
        for name in value:
            if name not in KNOWN_BACKENDS:
                raise self.error(
                    line,
                    "backends",
                    f"unknown backend {name!r}{did_you_mean(str(name), list(KNOWN_BACKENDS))} "
                    f"(known: {', '.join(KNOWN_BACKENDS)})",
                )
            if within and name not in within:
                raise self.error(line, "backends", f"{name!r} is not among the exercise's backends")
        return tuple(value)

    def check(
        self, value: Any, line: int, exercise_id: str, backends: tuple[str, ...] = ()
    ) -> CheckSpec:
        node = self.mapping(value, line, "a check", CHECK_KEYS)
        check_id = self.identifier(node)
        points = self.typed(node, "points", (int, float), 0)
        if not math.isfinite(points) or points < 0:
            raise self.error(
                node.key_line("points"), "points", f"must be a number >= 0, not {points}"
            )
        name = self.typed(node, "check", str, "")
        if name not in self.checks:
            raise self.error(
                node.key_line("check"),
                "check",
                f"unknown check '{name}'{did_you_mean(name, sorted(self.checks))}",
            )
        params = self.params(node, name)
        requires = self.typed(node, "requires", (list, type(None)), None) or ListNode()
        for index, required in enumerate(requires):
            if not isinstance(required, str):
                raise self.error(
                    requires.item_line(index), "requires", "must be a list of check ids"
                )
        hint, hint_commands = parse_hint(
            node.get("hint", ""), node.key_line("hint"), _sub_key_line(node, "hint"), self.error
        )
        why = self.typed(node, "why", str, "")
        devstack = self.typed(node, "devstack", bool, False)
        return CheckSpec(
            check_id,
            self.title(node),
            points,
            name,
            params,
            tuple(requires),
            hint,
            exercise_id,
            node.line,
            self.backends(node, backends),
            why=" ".join(why.split()),
            devstack=devstack,
            hint_commands=hint_commands,
        )

    def params(self, node: MappingNode, name: str) -> dict[str, Any]:
        params = self.typed(node, "params", (dict, type(None)), None) or MappingNode()
        params_line = node.key_line("params")
        accepted = signature_params(self.checks[name])
        for key, value in params.items():
            line = params.key_line(key) if isinstance(params, MappingNode) else params_line
            if key not in accepted:
                takes = ", ".join(accepted) or "no parameters"
                raise self.error(
                    line, f"params.{key}", f"check '{name}' has no such parameter (takes: {takes})"
                )
            problem = type_problem(value, accepted[key].annotation)
            if problem:
                raise self.error(line, f"params.{key}", problem)
        for key, param in accepted.items():
            if param.required and key not in params:
                raise self.error(params_line, f"params.{key}", f"required by check '{name}'")
        return dict(params)

    def unique_ids(self, exercises: list[Exercise]) -> None:
        seen: dict[str, int] = {}
        for exercise in exercises:
            items = [(exercise.id, exercise.line)] + [(c.id, c.line) for c in exercise.checks]
            for item_id, line in items:
                if item_id in seen:
                    raise self.error(
                        line, "id", f"duplicate id '{item_id}' (first at line {seen[item_id]})"
                    )
                seen[item_id] = line

    def requires_order(self, exercises: list[Exercise]) -> tuple[str, ...]:
        """Every check id, each after the checks it requires; dangling or circular -> error."""
        specs = {c.id: c for e in exercises for c in e.checks}
        for spec in specs.values():
            for required in spec.requires:
                if required not in specs:
                    raise self.error(
                        spec.line,
                        "requires",
                        f"'{spec.id}' requires unknown check '{required}'"
                        f"{did_you_mean(required, list(specs))}",
                    )
        order: list[str] = []
        state: dict[str, str] = {}  # id -> "visiting" | "done"

        def visit(check_id: str, path: list[str]) -> None:
            if state.get(check_id) == "done":
                return
            if state.get(check_id) == "visiting":
                cycle = [*path[path.index(check_id) :], check_id]
                raise self.error(
                    specs[check_id].line, "requires", "circular requires: " + " -> ".join(cycle)
                )
            state[check_id] = "visiting"
            for required in specs[check_id].requires:
                visit(required, [*path, check_id])
            state[check_id] = "done"
            order.append(check_id)

        for check_id in specs:
            visit(check_id, [])
        return tuple(order)


def parse_document(path: str, checks: Mapping[str, Any]) -> Exercises:
    """Load the YAML file PATH and validate it against CHECKS (name -> check function)."""
    return _Validator(path, checks).document(load_yaml(path))
