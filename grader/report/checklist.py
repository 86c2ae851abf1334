"""The compact checklist `labgrade check --watch` redraws: the total, `next:`, and one line per
check, marking with `*` what changed since the round before.

    render_checklist(result, previous={"sg.icmp": "fail"}, width=80)
"""

from __future__ import annotations

from collections.abc import Mapping

from grader.report.safetext import escape_unsafe, number
from grader.report.text import MARKS, next_check, wrap
from grader.result import HostResult


def render_checklist(
    result: HostResult, previous: Mapping[str, str] | None = None, width: int = 80
) -> str:
    if result.status == "error":
        return escape_unsafe(f"cannot grade {result.target or 'this host'}: {result.error}") + "\n"
    total = f"Total: {number(result.score)}/{number(result.max_score)}"
    lines = [total]
    upcoming = next_check(result)
    if upcoming is not None:
        lines += wrap(f"next: {escape_unsafe(upcoming.title)}", width, "", "      ")
    for check in result.checks():
        before = (previous or {}).get(check.id)
        changed = previous is not None and before != check.status
        mark = MARKS[check.status].strip() + ("*" if changed else "")
        was = f" (was {before})" if changed and before else ""
        points = f"{number(check.points)}/{number(check.max_points)}"
        room = width - len(points) - 10
        title = escape_unsafe(check.title) + was
        title = title if len(title) <= room else title[: max(room - 1, 1)] + "~"
        lines.append(f"  {mark:<5}  {title:<{room}} {points}")
    return "\n".join(lines) + "\n"
