"""Reading a snapshot document safely: the types docs/snapshot.md gives each field, text that
can always be written back (no lone surrogates), and the caps that keep grading time bounded.

A snapshot comes from a host or a file a student controls, so everything here assumes the
worst: any JSON value in any field, nesting that exhausts Python's recursion, integers with
thousands of digits, `\\ud800` escapes, 12 000 namespaces, a 4 MiB line.

    doc = load_document(text, "host.json")        # InputFileError naming the file and the key
    meta = read_meta(doc, "host.json")
    fields = read_record(doc["records"][0], 0, "host.json")
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from grader.errors import InputFileError

MAX_RECORDS = 20_000  # a lab host has ~40 records + 9 per namespace walked
MAX_NAMESPACES = 1_000  # a lab host has a handful; gather.sh would need minutes for more
MAX_LINE = 64 * 1024  # characters in one line of a record's output (a ps line, a flow ...)
MAX_RC = 255  # exit codes are what `$?` gives

_SURROGATES = re.compile("[\ud800-\udfff]")
# top-level field -> (accepted types, what docs/snapshot.md says it is)
_META_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "gatherer": ((str,), "a string"),
    "command_timeout": ((int, float, type(None)), "a number of seconds or null"),
    "target": ((str,), "a string"),
    "collected_at": ((str,), "a string"),
    "total_bytes": ((int,), "an integer"),
    "complete": ((bool,), "true or false"),
    "error": ((str,), "a string"),
}
META_KEYS = tuple(_META_TYPES)


def clean_text(text: str) -> str:
    """TEXT with lone surrogates (`"\\ud800"` in JSON) replaced by U+FFFD, so that it can be
    encoded as UTF-8 wherever it is written (a report, a saved snapshot, a terminal)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def load_document(text: str, source: str) -> Any:
    """json.loads(TEXT), any failure (syntax, nesting too deep, a 5 000-digit number) an
    InputFileError naming SOURCE."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(
            source, error.lineno, None, f"not a JSON document ({error.msg})"
        ) from None
    except RecursionError:
        raise InputFileError(
            source, None, None, "not a snapshot (values nested too deep)"
        ) from None
    except MemoryError:
        raise InputFileError(
            source, None, None, "too big to read in the memory allowed (the grading's limit)"
        ) from None
    except ValueError as error:
        problem = str(error).split(";")[0][:100]
        raise InputFileError(source, None, None, f"not a JSON document ({problem})") from None


def read_meta(doc: dict[str, Any], source: str) -> dict[str, Any]:
    """The documented top-level fields of DOC (other keys are ignored), each of its type."""
    meta: dict[str, Any] = {}
    for key, (types, what) in _META_TYPES.items():
        if key not in doc:
            continue
        value = doc[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise InputFileError(source, None, key, f"must be {what}")
        if isinstance(value, float) and not (math.isfinite(value) and value >= 0):
            raise InputFileError(source, None, key, f"must be {what}")
        meta[key] = clean_text(value) if isinstance(value, str) else value
    return meta


def check_counts(records: list[Any], source: str) -> None:
    """The record cap, before any record is read."""
    if len(records) > MAX_RECORDS:
        raise InputFileError(
            source,
            None,
            "records",
            f"{len(records)} records, more than labgrade reads from one host "
            f"(the cap is {MAX_RECORDS} records)",
        )


def check_namespaces(names: set[str | None], listed: int, source: str) -> None:
    """The namespace cap: namespaces with records (NAMES) and lines of `ip netns list`."""
    count = max(len(names - {None}), listed)
    if count > MAX_NAMESPACES:
        raise InputFileError(
            source,
            None,
            "records",
            f"{count} network namespaces, more than labgrade grades on one host "
            f"(the cap is {MAX_NAMESPACES} namespaces)",
        )


def read_record(item: Any, index: int, source: str) -> dict[str, Any]:
    """The fields of records[INDEX] for Record(...), each of its documented type."""
    where = f"records[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        raise InputFileError(source, None, where, "each record is an object with a 'key'")
    rc = item.get("rc", 0)
    if not isinstance(rc, int) or isinstance(rc, bool) or not 0 <= rc <= MAX_RC:
        raise InputFileError(
            source, None, f"{where}.rc", f"exit code must be an integer from 0 to {MAX_RC}"
        )
    fields: dict[str, Any] = {"key": clean_text(item["key"]), "rc": rc}
    for name in ("ns", "arg", "command"):
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise InputFileError(source, None, f"{where}.{name}", "must be a string or null")
        fields[name] = None if value is None else clean_text(value)
    if fields["command"] is not None:
        fields["command"] = fields["command"].removesuffix("\n")
    for name in ("out", "err"):
        value = item.get(name, "")
        if not isinstance(value, str):
            raise InputFileError(source, None, f"{where}.{name}", "output must be a string")
        fields[name] = clean_text(value)
    for name in ("truncated", "timed_out"):
        value = item.get(name, False)
        if not isinstance(value, bool):
            raise InputFileError(source, None, f"{where}.{name}", "must be true or false")
        fields[name] = value
    refused = item.get("refused")
    if refused is not None and not isinstance(refused, str):
        raise InputFileError(source, None, f"{where}.refused", "must be a string or null")
    fields["refused"] = clean_text(refused) if refused else long_line(fields["out"])
    if fields["refused"]:
        fields["out"] = ""  # never parsed: what a parser does with such a line is unbounded
    return fields


def long_line(text: str, cap: int = MAX_LINE) -> str | None:
    """Why TEXT is refused when one of its lines is longer than CAP characters, else None.
    Linear: each window of CAP + 1 characters is searched once from its end."""
    if len(text) <= cap:
        return None
    start = 0
    while len(text) - start > cap:
        newline = text.rfind("\n", start, start + cap + 1)
        if newline < 0:
            return f"a line of its output is longer than {cap} characters (the line-length cap)"
        start = newline + 1
    return None
