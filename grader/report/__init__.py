"""Reporters: each turns HostResults into one output format and does nothing else.

render_text(result, color=False)   # the terminal report
render_json(result)                # docs/json-schema.md
render_junit([result, ...])        # JUnit XML, one testsuite per host

The formats that `--report` offers are the table REPORTERS in reporters.py (one line each).
"""

from grader.report.json import render_json
from grader.report.junit import render_junit
from grader.report.text import render_text

__all__ = ["render_json", "render_junit", "render_text"]
