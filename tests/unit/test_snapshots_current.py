"""The recorded snapshots are what make_snapshots.py writes (regenerate after changing it)."""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


@cache
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_snapshots", DATA / "make_snapshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def names() -> list[str]:
    return sorted(generator().scenarios())


def test_every_recorded_snapshot_has_a_scenario() -> None:
    assert sorted(p.stem for p in (DATA / "snapshots").glob("*.json")) == names()


@pytest.mark.parametrize("name", names())
def test_recorded_snapshot_is_current(name: str) -> None:
    module = generator()
    host = module.scenarios()[name]
    if host.backend == "ovn" and not module.have_northbound_tools():
        pytest.skip("ovsdb-server/ovn-nbctl not installed (scripts/setup.sh installs them)")
    recorded = json.loads((DATA / "snapshots" / f"{name}.json").read_text(encoding="utf-8"))
    assert recorded == module.build(host), f"{name}.json is stale: run {DATA}/make_snapshots.py"
