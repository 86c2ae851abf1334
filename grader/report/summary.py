"""The class summary printed at the end of a batch: the score distribution, the pass rate of
every check (lowest first: the steps the class struggled with), and the students in error with
their reasons. Students graded out of different maximums (findings graded for those with
answers only) get one mean per maximum and a line saying for how many the findings count.

    print(render_summary(entries))      # entries: [(student, HostResult or None), ...]
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.inventory import Student
from grader.report.safetext import number, one_line
from grader.result import FOREIGN_TOOLS, HostResult

FINDINGS = "findings"  # the findings exercise (grader/answers_file.py: a reporter cannot import it)
BAR_WIDTH = 40
BINS = tuple(range(0, 100, 10))  # 0-9 %, 10-19 % ... 90-99 %, then 100 %


def _distribution(graded: Sequence[HostResult]) -> list[str]:
    counts = dict.fromkeys([*BINS, 100], 0)
    for result in graded:
        share = 100 * result.score / result.max_score if result.max_score else 0
        counts[100 if share >= 100 else int(share // 10) * 10] += 1
    most = max(counts.values()) or 1
    lines = ["Score distribution (percent of the points):"]
    for low, count in counts.items():
        label = "   100 %" if low == 100 else f"{low:>3}-{low + 9:<2} %"
        bar = "#" * max(1 if count else 0, round(BAR_WIDTH * count / most))
        lines.append(f"  {label}  {count:>4}  {bar}".rstrip())
    return lines


def _pass_rates(graded: Sequence[HostResult]) -> list[str]:
    """Each check's rate among the students whose result holds it: on a class of mixed
    backends, sg.ssh counts only the iptables_hybrid hosts, ovn.sg-ssh only the OVN ones."""
    passed: dict[str, int] = {}
    graded_with: dict[str, int] = {}
    titles: dict[str, str] = {}
    for result in graded:
        for check in result.checks():
            titles.setdefault(check.id, check.title)
            passed[check.id] = passed.get(check.id, 0) + (check.status == "pass")
            graded_with[check.id] = graded_with.get(check.id, 0) + 1
    if not titles:
        return []
    order = {check_id: index for index, check_id in enumerate(titles)}
    width = max(len(check_id) for check_id in titles)
    lines = ["Pass rate per check (lowest first):"]
    for check_id in sorted(titles, key=lambda c: (passed[c] / graded_with[c], order[c])):
        total = graded_with[check_id]
        rate = f"{round(100 * passed[check_id] / total):>3} %"
        title = one_line(titles[check_id])
        lines.append(f"  {rate}  {check_id:<{width}}  {passed[check_id]}/{total}  {title}")
    return lines


def _mean_scores(graded: Sequence[HostResult]) -> str:
    """The mean score; one per maximum when students are graded out of different ones (some
    with findings answers, some without: compare them by percent)."""
    scores: dict[float, list[float]] = {}
    for result in graded:
        scores.setdefault(result.max_score, []).append(result.score)
    means = [
        (f"{number(round(sum(got) / len(got), 1))}/{number(most)}", len(got))
        for most, got in sorted(scores.items())
    ]
    if len(means) == 1:
        return f"Mean score: {means[0][0]}"
    parts = "; ".join(f"{mean} ({count} student{'s' * (count != 1)})" for mean, count in means)
    return f"Mean score: {parts} (different maximums: compare percent)"


def _findings(graded: Sequence[HostResult]) -> list[str]:
    """One line when the findings were graded for some students only (those with answers)."""
    with_findings = sum(1 for r in graded if any(e.id == FINDINGS for e in r.exercises))
    if with_findings in (0, len(graded)):
        return []
    return [
        f"Findings graded for {with_findings} of {len(graded)} graded students (those with "
        "answers); the others have an empty findings cell and a max_score without them"
    ]


def render_summary(entries: Sequence[tuple[Student, HostResult | None]]) -> str:
    graded = [r for _, r in entries if r is not None and r.has_grade]
    errors = [(s, r) for s, r in entries if r is not None and not r.has_grade]
    pending = [s for s, r in entries if r is None]
    passing = sum(1 for r in graded if r.all_passed)
    head = f"Class: {len(entries)} students, {len(graded)} graded ({passing} passing every check)"
    head += f", {len(errors)} in error" + (f", {len(pending)} not graded yet" if pending else "")
    lines = [head]
    if graded:
        lines += [_mean_scores(graded), *_findings(graded)]
        lines += ["", *_distribution(graded), "", *_pass_rates(graded)]
    if errors:
        lines += ["", "Students in error:"]
        for student, result in errors:
            lines.append(f"  {student.id}: {one_line(result.ungraded_reason or '')}")
    flagged = [(s, r) for s, r in entries if r is not None and r.flags]
    if flagged:
        lines += ["", "Flagged: state shared with classmates (scores unchanged):"]
        for student, result in flagged:
            lines.append(f"  {student.id}: {one_line('; '.join(result.flags))}")
    tools = [
        (s, r.discovered[FOREIGN_TOOLS]) for s, r in entries if r and FOREIGN_TOOLS in r.discovered
    ]
    if tools:
        lines += ["", "Tools run from outside the distribution's directories:"]
        for student, found in tools:
            lines.append(f"  {student.id}: {one_line(found)}")
    if pending:
        lines += ["", "Not graded yet: " + ", ".join(s.id for s in pending)]
    return "\n".join(lines) + "\n"
