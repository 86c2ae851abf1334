"""The recorded snapshots are what make_snapshots.py writes (regenerate after changing it)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def test_recorded_snapshots_are_current():
    spec = importlib.util.spec_from_file_location("make_snapshots", DATA / "make_snapshots.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    for name, host in module.scenarios().items():
        recorded = json.loads((DATA / "snapshots" / f"{name}.json").read_text(encoding="utf-8"))
        assert recorded == module.build(host), f"{name}.json is stale: run {DATA}/make_snapshots.py"
