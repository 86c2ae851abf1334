"""Numbers in host output, read as ASCII only.

`str.isdigit()` is true for '²' (int('²') raises), `int()` takes '٣', '1_0' and ' 7 ', and a
number of more than 4 300 digits raises: host text goes through these instead.

    ascii_int("4242") -> 4242        ascii_int("²") -> None        ascii_int("9" * 5000) -> None
    ascii_number("0x1a") -> 26       ascii_number("22") -> 22      ascii_number("0x") -> None
"""

from __future__ import annotations

import string

MAX_DIGITS = 18  # any pid, port, index or priority; far below int()'s 4 300-digit limit
_HEX = frozenset(string.hexdigits)


def ascii_int(text: str, max_digits: int = MAX_DIGITS) -> int | None:
    """TEXT as an integer when it is 1 to MAX_DIGITS ASCII digits and nothing else."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def ascii_number(text: str) -> int | None:
    """A decimal or `0x` hexadecimal number (as OpenFlow prints them), else None."""
    if text[:2].lower() == "0x":
        digits = text[2:]
        if 0 < len(digits) <= MAX_DIGITS and all(c in _HEX for c in digits):
            return int(digits, 16)
        return None
    return ascii_int(text)
