"""What a student reads about one check or one host, as plain text, for the formats that show
a block of text per test (JUnit bodies, Gradescope and PrairieLearn outputs).

    check_details(check)   # "found: ...\nexpected: ...\nhint: ...\nsee: ..."
    total_line(result)     # "85/100 points (20 pass, 2 fail, 2 skip)"
"""

from __future__ import annotations

from grader.report.safetext import number, strip_unsafe
from grader.result import CheckResult, HostResult


def clip(text: str, limit: int | None) -> str:
    """TEXT cut to LIMIT characters (None: whole), saying so."""
    if limit is None or len(text) <= limit:
        return text
    return text[:limit] + "\n... (cut)"


def check_details(check: CheckResult, limit: int | None = None) -> str:
    """A check's story: what was found (`why` when it was not a fail), what was expected, the
    hint and the command to look; for a passed check, what was found. Each part is cut to
    LIMIT characters (for formats with a size limit)."""
    if check.status == "pass":
        found = clip(check.evidence.strip(), limit)
        return strip_unsafe(f"found: {found}" if found else "")
    label = "found" if check.status == "fail" else "why"
    parts = [
        (label, check.evidence),
        ("expected", check.expected),
        ("hint", check.hint),
        ("see", check.see),
    ]
    return strip_unsafe(
        "\n".join(f"{name}: {clip(text.strip(), limit)}" for name, text in parts if text)
    )


def first_line(text: str) -> str:
    return strip_unsafe(text).strip().split("\n", 1)[0]


def total_line(result: HostResult) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in result.counts().items() if n)
    total = f"{number(result.score)}/{number(result.max_score)} points"
    return total + (f" ({counts})" if counts else "")
