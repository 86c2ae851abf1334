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

FORMAT = "labgrade-snapshot/1"
MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024
_META_KEYS = (
    "gatherer",
    "command_timeout",
    "target",
    "collected_at",
    "total_bytes",
    "complete",
    "error",
)


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

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "ns": self.ns, "arg": self.arg}
        if self.command is not None:
            data["command"] = self.command
        if self.timed_out:
            data["timed_out"] = True
        data.update(rc=self.rc, truncated=self.truncated, out=self.out, err=self.err)
        return data


@dataclass(frozen=True)
class Snapshot:
    records: tuple[Record, ...]
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    # --- reading and writing -------------------------------------------------------------
    @classmethod
    def from_json(cls, data: str | bytes, source: str = "<snapshot>") -> Snapshot:
        """Parse and validate a snapshot document; InputFileError (naming SOURCE) if broken."""
        if isinstance(data, bytes):
            if len(data) > MAX_SNAPSHOT_BYTES:
                raise InputFileError(source, None, None, "snapshot is too large")
            data = data.decode("utf-8", errors="replace")
        try:
            doc = json.loads(data)
        except json.JSONDecodeError as error:
            raise InputFileError(
                source, error.lineno, None, f"not a JSON document ({error.msg})"
            ) from None
        return cls.from_dict(doc, source)

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
        if doc.get("error"):
            raise InputFileError(source, None, "error", f"the gather failed: {doc['error']}")
        raw_records = doc.get("records")
        if not isinstance(raw_records, list):
            raise InputFileError(source, None, "records", "missing or not a list")
        records = tuple(_record(item, i, source) for i, item in enumerate(raw_records))
        meta = {key: doc[key] for key in _META_KEYS if key in doc}
        return cls(records, MappingProxyType(meta))

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
        for record in self.records:
            if record.key == key and record.ns == ns and (arg is None or record.arg == arg):
                return record
        return None

    def root(self, key: str, arg: str | None = None) -> Record | None:
        """The record KEY gathered in the root namespace (None if it was not gathered)."""
        return self.find(key, None, arg)

    def ns(self, name: str, key: str) -> Record | None:
        """The record KEY gathered inside namespace NAME."""
        return self.find(key, name)

    def namespaces(self) -> list[str]:
        """Namespaces the gather walked (in the order of `ip netns list`)."""
        seen: dict[str, None] = {}
        for record in self.records:
            if record.ns is not None:
                seen.setdefault(record.ns, None)
        return list(seen)

    def skipped_namespaces(self) -> list[str]:
        record = self.root("netns_skipped")
        return record.out.splitlines() if record else []

    def extra(self, command: str) -> Record | None:
        """The record of an extra command (declared by a `command` check) by its shell text."""
        wanted = command.strip()
        for record in self.records:
            if record.key == "extra" and (record.command or "").strip() == wanted:
                return record
        return None

    def by_key(self, key: str) -> Iterator[Record]:
        return (record for record in self.records if record.key == key)

    @property
    def truncated(self) -> bool:
        return any(record.truncated for record in self.records)


def _record(item: Any, index: int, source: str) -> Record:
    where = f"records[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        raise InputFileError(source, None, where, "each record is an object with a 'key'")
    rc = item.get("rc", 0)
    if not isinstance(rc, int) or isinstance(rc, bool):
        raise InputFileError(source, None, f"{where}.rc", "exit code must be an integer")
    strings = {}
    for name in ("ns", "arg", "command"):
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise InputFileError(source, None, f"{where}.{name}", "must be a string or null")
        strings[name] = value
    if strings["command"] is not None:
        strings["command"] = strings["command"].removesuffix("\n")
    out, err = item.get("out", ""), item.get("err", "")
    if not isinstance(out, str) or not isinstance(err, str):
        raise InputFileError(source, None, f"{where}.out", "output must be a string")
    return Record(
        key=item["key"],
        rc=rc,
        out=out,
        err=err,
        truncated=bool(item.get("truncated", False)),
        timed_out=item.get("timed_out") is True,
        **strings,
    )
