"""The words of an `iptables-save` rule line, as shlex.split (POSIX) reads them, and port specs.

split_words('-A X -m comment --comment "a b" -j RETURN') -> [..., "--comment", "a b", ...]
port_ranges("22,80:90") -> ((22, 22), (80, 90))
"""

from __future__ import annotations

import re

from grader.parsers.numbers import ascii_int

# Words as shlex.split (POSIX) reads them, by regular expressions whose alternatives start
# with different characters, and whose quoted strings are unrolled loops (`a*(?:\\.a*)*`: one
# way to match, so an unclosed quote gives back each character once): linear on any line,
# with no possessive quantifier (Python has them from 3.11 only); ~10x faster than shlex.
_WORD = re.compile(r"""\s+|(?:[^\s"'\\]+|"[^"\\]*(?:\\.[^"\\]*)*"|'[^']*'|\\.)+""", re.DOTALL)
_PART = re.compile(r"""[^"'\\]+|"([^"\\]*(?:\\.[^"\\]*)*)"|'([^']*)'|\\(.)""", re.DOTALL)
_IN_QUOTES = re.compile(r'\\(["\\])')


def split_words(line: str) -> list[str]:
    if '"' not in line and "'" not in line and "\\" not in line:
        return line.split()
    pieces = _WORD.findall(line)
    if sum(map(len, pieces)) != len(line):  # an unclosed quote: shlex fails, take plain words
        return line.split()
    return [_PART.sub(_unquoted, piece) for piece in pieces if not piece[0].isspace()]


def _unquoted(part: re.Match[str]) -> str:
    double, single, escaped = part.groups()
    if double is not None:
        return _IN_QUOTES.sub(r"\1", double)
    if single is not None:
        return single
    return escaped if escaped is not None else part.group()


def port_ranges(spec: str | None) -> tuple[tuple[int, int], ...] | None:
    if spec is None:
        return None
    ranges: list[tuple[int, int]] = []
    for part in spec.replace(" ", ",").split(","):
        low_text, colon, high_text = part.partition(":")
        low = ascii_int(low_text) if low_text else 0
        high = ascii_int(high_text) if high_text else (65535 if colon else low)
        if low is not None and high is not None:
            ranges.append((low, high))
    return tuple(ranges)
