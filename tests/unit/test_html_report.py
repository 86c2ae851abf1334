"""report.html's data and markup, on grades of recorded hosts: the figures, every student and
score, host strings escaped, nothing loaded from outside the file (docs/batch.md)."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.grading import grade_snapshot
from grader.inventory import Student
from grader.model import load_exercises
from grader.report.html import class_figures, render_class_html
from grader.report.html_assets import SCRIPT
from grader.result import HostResult, host_error
from grader.snapshot import Snapshot

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "snapshots"
HOSTILE = '<script>document.title="pwned"</script><img src="http://127.0.0.1:9/leak">'


def recorded(name: str) -> HostResult:
    path = SNAPSHOTS / f"{name}.json"
    snapshot = Snapshot.from_json(path.read_bytes(), source=str(path))
    return grade_snapshot(snapshot, load_exercises(), None, f"ssh://{name}")


def hostile(result: HostResult) -> HostResult:
    """RESULT with a host string full of markup in every failing check's evidence."""
    exercises = tuple(
        replace(
            e,
            checks=tuple(
                replace(c, evidence=f"namespace {HOSTILE}") if c.status != "pass" else c
                for c in e.checks
            ),
        )
        for e in result.exercises
    )
    return replace(result, exercises=exercises, backend=HOSTILE)


def class_entries() -> list[tuple[Student, HostResult | None]]:
    entries: list[tuple[Student, HostResult | None]] = [
        (Student(f"s{i}", f"ssh://{name}", name=f"Student {i}"), recorded(name))
        for i, name in enumerate(["complete", "no-ssh-rule", "fresh", "dhcp-down"])
    ]
    entries.append((Student("evil", "ssh://x", name=HOSTILE), hostile(recorded("fresh"))))
    down = host_error("ssh://lab-9", f"lab-9 is unreachable: {HOSTILE}", 100)
    entries.append((Student("down", "ssh://lab-9"), down))
    entries.append((Student("later", "ssh://lab-10"), None))
    return entries


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text outside script/style."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.raw = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.raw += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.raw -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.raw:
            self.text.append(data)


def parsed(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


def test_the_figures_count_the_class() -> None:
    entries = class_entries()
    figures = class_figures(entries)
    assert (figures.students, figures.graded, figures.pending) == (7, 5, ["later"])
    assert [i for i, _ in figures.errors] == ["down"]
    assert "lab-9 is unreachable" in figures.errors[0][1]
    assert sum(figures.distribution.values()) == 5
    assert figures.distribution[100] == 1  # complete
    graded = [r for _, r in entries if r is not None and r.has_grade]
    mean = sum(100 * r.score / r.max_score for r in graded) / len(graded)
    assert figures.mean_percent == pytest.approx(mean)
    ssh = next(r for r in figures.rates if r.id == "sg.ssh")
    passed = sum(1 for r in graded for c in r.checks() if c.id == "sg.ssh" and c.status == "pass")
    assert (ssh.passed, ssh.graded) == (passed, 5)
    assert [r.percent for r in figures.rates] == sorted(r.percent for r in figures.rates)


def test_every_student_and_score_is_in_the_grid() -> None:
    entries = class_entries()
    html = render_class_html(entries, title="week 3")
    rows = re.findall(r'<tr data-status="(\w+)".*?</tr>', html)
    assert rows == ["graded"] * 5 + ["error", "pending"]
    for student, result in entries:
        score = f"{result.score:g}" if result is not None and result.has_grade else ""
        cell = f'<a href="#s-{student.id}">{student.id}</a></td><td data-value="{score or -1}">'
        assert cell + f"{score}</td>" in html
        assert f'<details id="s-{student.id}"' in html


def test_host_strings_are_text_never_markup() -> None:
    html = render_class_html(class_entries())
    elements = parsed(html)
    assert [tag for tag, _ in elements.tags if tag in ("script", "img")] == ["script"]
    assert HOSTILE in " ".join(elements.text)  # shown, as text
    assert not any(name.startswith("on") for _, attrs in elements.tags for name in attrs), (
        "no event handler attribute"
    )


def test_nothing_is_loaded_from_outside_the_file() -> None:
    html = render_class_html(class_entries())
    elements = parsed(html)
    for tag, attrs in elements.tags:
        assert "src" not in attrs, tag
        if "href" in attrs:
            assert (attrs["href"] or "").startswith("#"), attrs
    policy = next(
        a["content"] for t, a in elements.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert "default-src 'none'" in policy and f"script-src 'sha256-{digest}'" in policy
    assert f"<script>{SCRIPT}</script>" in html  # the hash is of exactly this script
    assert any(a.get("name") == "viewport" for t, a in elements.tags if t == "meta")


def test_a_student_view_shows_the_failing_checks_evidence() -> None:
    entries = class_entries()
    html = render_class_html(entries)
    view = html.split('<details id="s-s1"', 1)[1].split("</details>", 1)[0]
    ssh = next(c for c in entries[1][1].checks() if c.id == "sg.ssh")  # type: ignore[union-attr]
    assert "sg.ssh" in view and "no rule allowing tcp port 22" in view
    assert ssh.see in view
    assert "sg.icmp" not in view  # passed: not listed
