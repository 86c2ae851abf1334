"""Read back a stored JSON report (docs/json-schema.md) into a HostResult: the inverse of
HostResult.to_dict(), for `batch --resume` and `regrade`.

    result = result_from_dict(json.loads(path.read_text()))   # ValueError if it is not one
"""

from __future__ import annotations

from typing import Any

from grader.result import JSON_FORMAT, CheckResult, ExerciseResult, HostResult

STATUSES = ("pass", "fail", "skip", "error")


def _number(value: Any, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: not a number")
    return value


def _text(value: Any, where: str, optional: bool = False) -> Any:
    if (value is None and optional) or isinstance(value, str):
        return value
    raise ValueError(f"{where}: not a string")


def _discovered_value(value: Any, where: str) -> Any:
    """A `discovered` value: null, a string, a boolean or a list of strings."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ValueError(f"discovered.{where}: not a string, boolean, null or list of strings")


def _check(doc: Any) -> CheckResult:
    if not isinstance(doc, dict) or doc.get("status") not in STATUSES:
        raise ValueError("checks[]: not a check result")
    texts = {k: _text(doc.get(k, ""), k) for k in ("id", "title", "evidence", "expected")}
    texts |= {k: _text(doc.get(k, ""), k) for k in ("hint", "see")}
    return CheckResult(
        status=doc["status"],
        points=_number(doc.get("points"), "points"),
        max_points=_number(doc.get("max_points"), "max_points"),
        duration=float(_number(doc.get("duration", 0.0), "duration")),
        **texts,
    )


def _exercise(doc: Any) -> ExerciseResult:
    if not isinstance(doc, dict) or not isinstance(doc.get("checks"), list):
        raise ValueError("exercises[]: not an exercise result")
    checks = tuple(_check(item) for item in doc["checks"])
    return ExerciseResult(_text(doc.get("id"), "id"), _text(doc.get("title"), "title"), checks)


def result_from_dict(doc: Any) -> HostResult:
    """The HostResult a JSON report describes; ValueError when DOC is not one."""
    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT:
        raise ValueError(f"not a {JSON_FORMAT} document")
    if doc.get("status") not in ("graded", "error"):
        raise ValueError("status: not 'graded' or 'error'")
    discovered = doc.get("discovered") or {}
    exercises = doc.get("exercises") or []
    if not isinstance(discovered, dict) or not isinstance(exercises, list):
        raise ValueError("discovered / exercises: wrong type")
    return HostResult(
        target=_text(doc.get("target"), "target"),
        status=doc["status"],
        error=_text(doc.get("error"), "error", optional=True),
        backend=_text(doc.get("backend", ""), "backend"),
        backend_problem=_text(doc.get("backend_problem"), "backend_problem", optional=True),
        discovered={str(k): _discovered_value(v, str(k)) for k, v in discovered.items()},
        score=0 if doc.get("score") is None else _number(doc.get("score"), "score"),
        max_score=_number(doc.get("max_score"), "max_score"),
        remote_commands=int(_number(doc.get("remote_commands", 0), "remote_commands")),
        exercises=tuple(_exercise(item) for item in exercises),
        duration=float(_number(doc.get("duration", 0.0), "duration")),
        attempts=int(_number(doc.get("attempts", 0), "attempts")),
        rubric=_text(doc.get("rubric"), "rubric", optional=True),
        graded_at=_text(doc.get("graded_at"), "graded_at", optional=True),
        identity=_identity(doc.get("identity") or {}),
        flags=tuple(_text(flag, "flags[]") for flag in _list(doc.get("flags") or [], "flags")),
    )


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: not a list")
    return value


def _identity(doc: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(doc, dict):
        raise ValueError("identity: not an object")
    return {
        str(kind): tuple(_text(value, f"identity.{kind}[]") for value in _list(values, kind))
        for kind, values in doc.items()
    }
