"""Read a small YAML file safely, remembering the line of every mapping key and list item.

    data = load_yaml("exercises.yaml")       # a Node tree: MappingNode / ListNode / plain scalars
    data.line, data.key_line("exercises")    # 1-based lines, for error messages

Refused, each as an InputFileError naming the file (and line): a directory, a missing or
unreadable file, a file over MAX_BYTES, bytes that are not UTF-8, an empty document, YAML
syntax errors, aliases (no billion-laughs), more than MAX_NODES nodes, duplicate keys and
non-string keys.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from grader.errors import InputFileError

MAX_BYTES = 1024 * 1024
MAX_NODES = 100_000


class MappingNode(dict[str, Any]):
    """A YAML mapping with the line of the mapping and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def key_line(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class ListNode(list[Any]):
    """A YAML sequence with the line of the sequence and of each item."""

    line: int = 0
    item_lines: list[int]

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def line_of(value: Any, default: int) -> int:
    """The line where VALUE starts, if it is a mapping or list node; else DEFAULT."""
    return getattr(value, "line", default) or default


def read_bounded(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of PATH, refusing a directory, an unreadable file or one over MAX_BYTES."""
    name = str(path)
    file = Path(path)
    if file.is_dir():
        raise InputFileError(name, None, None, "is a directory, not a file")
    try:
        with file.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputFileError(name, None, None, "no such file") from None
    except OSError as error:
        raise InputFileError(name, None, None, f"cannot read: {error.strerror}") from None
    if len(data) > max_bytes:
        raise InputFileError(name, None, None, f"larger than {max_bytes} bytes; refusing to read")
    return data


def decode_utf8(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputFileError(
            name, line, None, f"not UTF-8 (byte 0x{data[error.start]:02x})"
        ) from None


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that builds MappingNode/ListNode, refuses aliases and caps the node count."""

    def __init__(self, stream: str, name: str):
        super().__init__(stream)
        self.file_name = name
        self.node_count = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise InputFileError(
                self.file_name,
                event.start_mark.line + 1,
                None,
                "YAML aliases (*name) are not allowed",
            )
        self.node_count += 1
        if self.node_count > MAX_NODES:
            raise InputFileError(self.file_name, None, None, f"more than {MAX_NODES} YAML nodes")
        return super().compose_node(parent, index)

    def construct_yaml_map(self, node: yaml.MappingNode) -> Any:
        mapping = MappingNode()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        yield mapping
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise InputFileError(self.file_name, line, str(key), "keys must be strings")
            if key in mapping:
                raise InputFileError(self.file_name, line, key, "duplicate key")
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line

    def construct_yaml_seq(self, node: yaml.SequenceNode) -> Any:
        items = ListNode()
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield items
        items.extend(self.construct_object(child, deep=True) for child in node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq)


def parse_yaml(name: str, text: str) -> Any:
    """Parse TEXT (from file NAME) into a Node tree; errors are InputFileErrors with a line."""
    loader = _LineLoader(text, name)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputFileError(name, None, None, "the file is empty")
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or error.context or "invalid YAML"
        raise InputFileError(name, line, None, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as error:
        raise InputFileError(name, None, None, f"YAML error: {error}") from None
    finally:
        loader.dispose()


def load_yaml(path: str | os.PathLike[str]) -> Any:
    """Read and parse the YAML file PATH (see the module docstring for what is refused)."""
    name = str(path)
    return parse_yaml(name, decode_utf8(name, read_bounded(path)))
