"""A check function's YAML parameters: its keyword-only arguments, their type hints and defaults.

    @check("sg_rule")
    def sg_rule(facts, *, protocol: str, port: int | None = None) -> Outcome: ...

    signature_params(sg_rule)  # {"protocol": Param(str, required), "port": Param(int | None, ...)}
    type_problem(22, int | None)  # None: fine;  type_problem(True, int) -> "expected int, got bool"

Supported hints: str, int, float (an int is accepted), bool, list[str] / list[int] / ...,
Literal[...], X | None, Regex (a str that must compile as a Python regular expression), and
Any or no hint (anything goes). Regex is `Annotated[str, IsRegex()]`: a check declares its
patterns so, and a broken one is refused when the exercises file is loaded, not at grading.

    @check("command")
    def command(facts, *, command: str, pattern: Regex | None = None) -> Outcome: ...
    type_problem("(unclosed", Regex)  # "invalid regular expression: missing ), ..."
"""

from __future__ import annotations

import ast
import inspect
import re
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any

_MISSING = inspect.Parameter.empty
# `int | None` as a value: types.UnionType from Python 3.10, typing.Union before
_UNIONS = (typing.Union, getattr(types, "UnionType", typing.Union))


class IsRegex:
    """Annotated metadata: the string is a Python regular expression (re.compile, no flags,
    as checks/generic.py compiles it)."""

    def problem(self, value: str) -> str | None:
        try:
            re.compile(value)
        except re.error as error:
            return f"invalid regular expression: {error}"
        return None


Regex = Annotated[str, IsRegex()]


@dataclass(frozen=True)
class Param:
    annotation: Any
    required: bool


def signature_params(function: Any) -> dict[str, Param]:
    """The keyword-only parameters of FUNCTION with their resolved type hints."""
    try:
        hints = _type_hints(function)
    except Exception:  # unresolvable hints: fall back to the raw annotations
        hints = getattr(function, "__annotations__", {})
    params = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            params[name] = Param(hints.get(name, Any), parameter.default is _MISSING)
    return params


def _type_hints(function: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function, include_extras=True)
    except TypeError:  # Python 3.9 cannot evaluate `X | Y`: read it as Union[X, Y]
        function = inspect.unwrap(function)
        namespace = {**function.__globals__, "Union__": typing.Union}
        return {
            name: _evaluated(hint, namespace) for name, hint in function.__annotations__.items()
        }


class _UnionOfOr(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.BitOr):
            return node
        pair = ast.Tuple([node.left, node.right], ast.Load())
        return ast.copy_location(
            ast.Subscript(ast.Name("Union__", ast.Load()), pair, ast.Load()), node
        )


def _evaluated(hint: Any, namespace: dict[str, Any]) -> Any:
    """HINT (a string under `from __future__ import annotations`) evaluated as
    typing.get_type_hints would, with `X | Y` read as Union[X, Y]."""
    if not isinstance(hint, str):
        return hint
    tree = ast.fix_missing_locations(_UnionOfOr().visit(ast.parse(hint, mode="eval")))
    return eval(compile(tree, "<hint>", "eval"), namespace)


def type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return type_name(typing.get_args(annotation)[0])
    if origin in _UNIONS:
        args = typing.get_args(annotation)
        return " | ".join("None" if arg is type(None) else type_name(arg) for arg in args)
    if annotation is type(None):
        return "null"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    for kind, name in ((bool, "bool"), (dict, "mapping"), (list, "list")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def type_problem(value: Any, annotation: Any) -> str | None:
    """None if VALUE (parsed from YAML) fits ANNOTATION, else what is wrong, in one phrase."""
    if annotation is Any or annotation is _MISSING:
        return None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        base, *extras = args
        problems = [type_problem(value, base)]  # the extras check a value of the base type
        if problems[0] is None:
            problems += [extra.problem(value) for extra in extras if hasattr(extra, "problem")]
        return next((problem for problem in problems if problem), None)
    if origin in _UNIONS:
        problems = [type_problem(value, arg) for arg in args]
        if None in problems:
            return None
        if value is not None and type(None) in args and len(args) == 2:
            return next(p for p, a in zip(problems, args) if a is not type(None))
        return f"expected {type_name(annotation)}, got {_describe(value)}"
    if origin is typing.Literal:
        if any(value == arg and type(value) is type(arg) for arg in args):
            return None
        return f"expected one of {', '.join(repr(a) for a in args)}, got {value!r}"
    if origin is list:
        if not isinstance(value, list):
            return f"expected a list, got {_describe(value)}"
        item_type = args[0] if args else Any
        for index, item in enumerate(value):
            problem = type_problem(item, item_type)
            if problem:
                return f"item {index + 1}: {problem}"
        return None
    if annotation is type(None):
        return None if value is None else f"expected null, got {_describe(value)}"
    if annotation is bool:
        ok = isinstance(value, bool)
    elif annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif annotation is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif annotation is str:
        ok = isinstance(value, str)
    elif isinstance(annotation, type):
        ok = isinstance(value, annotation)
    else:
        return None  # a hint we cannot check: accept
    return None if ok else f"expected {type_name(annotation)}, got {_describe(value)}"
