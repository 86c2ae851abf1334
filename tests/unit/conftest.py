"""Make tests/unit importable as plain modules (grading.py) and give the data directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
DATA = HERE.parent / "data"


@pytest.fixture
def output():
    """Read a recorded command output from tests/data/outputs/."""

    def read(name: str) -> str:
        return (DATA / "outputs" / name).read_text(encoding="utf-8")

    return read
