"""The JSON report (docs/json-schema.md): HostResult.to_dict(), pretty-printed, ASCII-only."""

from __future__ import annotations

import json

from grader.result import HostResult


def render_json(result: HostResult) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"
