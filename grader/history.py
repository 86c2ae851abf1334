"""The student's own progress on this host: every `labgrade check` run on the host itself
appends one line to a JSON Lines file, so a check that passed once is remembered after the
lab's clean-up. It is the student's record, not evidence for an instructor: anyone root on
the host can edit it (docs/security.md).

    path = history_path()         # $LABGRADE_HISTORY, else /var/lib/labgrade/history.jsonl
    record(result, path)                     # append this run
    best = first_passes(load(path))          # check id -> when it first passed
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from grader.report.safetext import escape_unsafe, number
from grader.result import History, HostResult, Run

DEFAULT_PATH = "/var/lib/labgrade/history.jsonl"
MAX_BYTES = 8 * 1024 * 1024  # a history longer than this is read from its end


def progress(runs: list[Run]) -> History:
    return History(first_passes(runs), best_run(runs))


def history_path() -> Path:
    return Path(os.environ.get("LABGRADE_HISTORY") or DEFAULT_PATH)


def record(result: HostResult, path: Path, now: datetime | None = None) -> str | None:
    """Append RESULT as one line; the reason it could not be written, or None."""
    if result.status != "graded":
        return None
    at = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    line = {
        "at": at,
        "score": result.score,
        "max_score": result.max_score,
        "checks": {c.id: c.status for c in result.checks()},
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(line, sort_keys=True) + "\n")
    except OSError as error:
        return f"cannot write the history {path}: {error.strerror or error}"
    return None


def _run(line: str) -> Run | None:
    try:
        data = json.loads(line)
        checks = {str(k): str(v) for k, v in dict(data["checks"]).items()}
        return Run(str(data["at"]), float(data["score"]), float(data["max_score"]), checks)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a broken line (edited by hand, cut by a full disk) is left out


def load(path: Path) -> list[Run]:
    """The runs recorded in PATH, oldest first ([] when there is none)."""
    try:
        with path.open("rb") as stream:
            size = stream.seek(0, os.SEEK_END)
            stream.seek(max(size - MAX_BYTES, 0))
            data = stream.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [run for line in data.splitlines() if (run := _run(line)) is not None]


def first_passes(runs: list[Run]) -> dict[str, str]:
    """Check id -> when it first passed."""
    passed: dict[str, str] = {}
    for run in runs:
        for check_id, status in run.statuses.items():
            if status == "pass":
                passed.setdefault(check_id, run.at)
    return passed


def best_run(runs: list[Run]) -> Run | None:
    return max(
        runs, key=lambda run: run.score / run.max_score if run.max_score else 0, default=None
    )


def render_timeline(runs: list[Run]) -> str:
    """`labgrade history`: one line per run, with what changed since the one before."""
    if not runs:
        return "no runs recorded yet: `sudo labgrade check` records each run on this host\n"
    lines = []
    before: dict[str, str] = {}
    for run in runs:
        gained = sorted(
            k for k, v in run.statuses.items() if v == "pass" and before.get(k) != "pass"
        )
        lost = sorted(k for k, v in before.items() if v == "pass" and run.statuses.get(k) != "pass")
        change = f"  +{', +'.join(gained)}" if gained and before else ""
        change += f"  -{', -'.join(lost)}" if lost else ""
        score = f"{number(run.score)}/{number(run.max_score)}"
        lines.append(escape_unsafe(f"{run.at}  {score:>7}{change}"))
        before = run.statuses
    first = first_passes(runs)
    lines += ["", f"checks passed at least once: {len(first)}"]
    ordered = sorted(first.items(), key=lambda item: item[1])
    lines += [f"  {escape_unsafe(k)}  first {escape_unsafe(v)}" for k, v in ordered]
    return "\n".join(lines) + "\n"
