"""Make host-provided text safe to print or to put in XML (a student controls the host)."""

from __future__ import annotations

import re

# C0/C1 controls except tab and newline, DEL, lone surrogates, and the XML non-characters.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def strip_unsafe(text: str) -> str:
    """TEXT without control characters (escape sequences cannot reach the terminal)."""
    return _UNSAFE.sub("", text.replace("\r\n", "\n"))


def escape_unsafe(text: str) -> str:
    """TEXT with each control character shown as \\xNN, for a human to read."""
    text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def number(value: int | float) -> str:
    """Points as a person writes them: 5, 2.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
