"""What was gathered on one host: the versioned snapshot document (`labgrade-snapshot/1`).

The gather script (grader/gather.sh) prints the document; labgrade adds `target` and
`collected_at` when it saves one. Every key is documented in docs/snapshot.md.

    snap = Snapshot.from_json(open("host.json", "rb").read(), source="host.json")
    snap.root("iptables_save").out          # iptables-save in the root namespace
    snap.ns("qrouter-9e5f...", "addr").out  # ip -o addr inside the router namespace
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from grader.errors import InputFileError
from grader.snapshot_schema import (
    check_counts,
    check_namespaces,
    load_document,
    read_meta,
    read_record,
)

FORMAT = "labgrade-snapshot/1"
MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Record:
    """One command's result: KEY (what it is), NS (namespace, None = root), ARG (its argument)."""

    key: str
    ns: str | None = None
    arg: str | None = None
    rc: int = 0
    out: str = ""
    err: str = ""
    truncated: bool = False
    command: str | None = None  # the shell text, for extra commands only
    timed_out: bool = False  # stopped by the gather's per-command timeout (rc 124)
    refused: str | None = None  # why labgrade did not read `out` (e.g. the line-length cap)

    @property
    def ok(self) -> bool:
        return self.rc == 0 and self.refused is None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "ns": self.ns, "arg": self.arg}
        if self.command is not None:
            data["command"] = self.command
        if self.timed_out:
            data["timed_out"] = True
        if self.refused is not None:
            data["refused"] = self.refused
        data.update(rc=self.rc, truncated=self.truncated, out=self.out, err=self.err)
        return data


@dataclass(frozen=True)
class Snapshot:
    records: tuple[Record, ...]
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # built once from RECORDS: every lookup is a dict access, whatever the number of records
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _Index(self.records))

    # --- reading and writing -------------------------------------------------------------
    @classmethod
    def from_json(cls, data: str | bytes, source: str = "<snapshot>") -> Snapshot:
        """Parse and validate a snapshot document; InputFileError (naming SOURCE) if broken."""
        if isinstance(data, bytes):
            if len(data) > MAX_SNAPSHOT_BYTES:
                raise InputFileError(source, None, None, "snapshot is too large")
            data = data.decode("utf-8", errors="replace")
        return cls.from_dict(load_document(data, source), source)

    @classmethod
    def from_dict(cls, doc: Any, source: str = "<snapshot>") -> Snapshot:
        if not isinstance(doc, dict):
            raise InputFileError(source, None, None, "a snapshot is a JSON object")
        fmt = doc.get("format")
        if not isinstance(fmt, str) or not fmt.startswith("labgrade-snapshot/"):
            raise InputFileError(
                source, None, "format", f"not a labgrade snapshot (expected {FORMAT!r})"
            )
        if fmt != FORMAT:
            raise InputFileError(
                source,
                None,
                "format",
                f"unsupported version {fmt!r} (this labgrade reads {FORMAT!r})",
            )
        meta = read_meta(doc, source)
        if meta.get("error"):
            raise InputFileError(source, None, "error", f"the gather failed: {meta['error']}")
        raw_records = doc.get("records")
        if not isinstance(raw_records, list):
            raise InputFileError(source, None, "records", "missing or not a list")
        check_counts(raw_records, source)
        records = tuple(
            Record(**read_record(item, i, source)) for i, item in enumerate(raw_records)
        )
        snapshot = cls(records, MappingProxyType(meta))
        listed = snapshot.root("netns_list")
        text = listed.out if listed is not None else ""
        lines = text.count("\n") + (bool(text) and not text.endswith("\n"))
        check_namespaces(set(snapshot._index.namespaces), lines, source)
        return snapshot

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"format": FORMAT}
        doc.update(self.meta)
        doc["records"] = [record.to_dict() for record in self.records]
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n"

    def with_meta(self, **meta: Any) -> Snapshot:
        """A copy with metadata added, e.g. `target=` and `collected_at=` when saving."""
        return replace(self, meta=MappingProxyType({**self.meta, **meta}))

    # --- accessors ------------------------------------------------------------------------
    def find(self, key: str, ns: str | None = None, arg: str | None = None) -> Record | None:
        """The first record KEY gathered in NS (for ARG, where given)."""
        if arg is None:
            return self._index.first.get((key, ns))
        return self._index.by_arg.get((key, ns, arg))

    def root(self, key: str, arg: str | None = None) -> Record | None:
        """The record KEY gathered in the root namespace (None if it was not gathered)."""
        return self.find(key, None, arg)

    def ns(self, name: str, key: str) -> Record | None:
        """The record KEY gathered inside namespace NAME."""
        return self.find(key, name)

    def namespaces(self) -> list[str]:
        """Namespaces the gather walked (in the order of `ip netns list`)."""
        return [name for name in self._index.namespaces if name is not None]

    def skipped_namespaces(self) -> list[str]:
        record = self.root("netns_skipped")
        return record.out.splitlines() if record else []

    def extra(self, command: str) -> Record | None:
        """The record of an extra command (declared by a `command` check) by its shell text."""
        return self._index.extra.get(command.strip())

    def by_key(self, key: str) -> Iterator[Record]:
        return iter(self._index.by_key.get(key, ()))

    @property
    def complete(self) -> bool:
        """False when the gather was cut before its end (`"complete": false`): what came after
        the last record was never gathered."""
        return self.meta.get("complete") is not False

    @property
    def truncated(self) -> bool:
        return any(record.truncated for record in self.records)


class _Index:
    """Lookups into a snapshot's records, built in one pass (the first record wins, as the
    gather writes each (key, namespace, argument) once)."""

    def __init__(self, records: tuple[Record, ...]):
        self.first: dict[tuple[str, str | None], Record] = {}
        self.by_arg: dict[tuple[str, str | None, str | None], Record] = {}
        self.by_key: dict[str, list[Record]] = {}
        self.extra: dict[str, Record] = {}
        self.namespaces: dict[str | None, None] = {}
        for record in records:
            self.first.setdefault((record.key, record.ns), record)
            self.by_arg.setdefault((record.key, record.ns, record.arg), record)
            self.by_key.setdefault(record.key, []).append(record)
            self.namespaces.setdefault(record.ns, None)
            if record.key == "extra":
                self.extra.setdefault((record.command or "").strip(), record)
