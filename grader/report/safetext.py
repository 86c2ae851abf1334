"""Make host-provided text safe to print or to put in XML (a student controls the host)."""

from __future__ import annotations

import re

# C0/C1 controls except tab and newline, DEL, lone surrogates, the XML non-characters, and
# Unicode's invisible format characters and line separators (categories Cf, Zl, Zp): bidi
# overrides such as U+202E could make a line read as something else than what it holds.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff"
    "\ufeff\ufff9-\ufffb\ufffe\uffff\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def strip_unsafe(text: str) -> str:
    """TEXT without control characters (escape sequences cannot reach the terminal)."""
    return _UNSAFE.sub("", text.replace("\r\n", "\n"))


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def escape_unsafe(text: str) -> str:
    """TEXT with each control or format character shown as \\xNN (\\uNNNN), for a human to
    read: no escape sequence, bidi override or invisible character reaches the terminal."""
    text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(_shown, text)


def one_line(text: str) -> str:
    """escape_unsafe(TEXT) on one line (newlines shown as \\n): host text put after a name
    ("ada: <reason>") can never start a line of its own that reads like another student's."""
    return escape_unsafe(text).replace("\n", "\\n")


def number(value: int | float) -> str:
    """Points as a person writes them: 5, 2.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
