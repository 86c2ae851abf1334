"""Shared fixtures. The `lab` fixture: one simulated host per scenario, for the whole session.

Usage in any test (the test is skipped, with the reason, when not root or a program is missing):

    @pytest.mark.lab
    def test_something(lab):
        host = lab["complete"]                  # a labsim.LabHost
        host.name, host.plan["floating_ip"]     # e.g. "lg-complete", "172.24.4.87"
        lab.ssh_config                          # Path of an ssh_config naming every host
        lab.run("complete", "ip netns list")    # run over real SSH -> CompletedProcess
        lab.testinfra("complete")               # testinfra host ("ssh://lg-complete")
        lab.spec("complete")                    # "ssh://lg-complete" (with lab.ssh_config)

Hosts are named `lg-<scenario>` and live in a private state directory (LABGRADE_LAB_DIR points
there for the session), so they never clash with a lab the developer has up. All are torn down
at the end of the session, also when tests fail. Set LABGRADE_TEST_SCENARIOS=complete,fresh to
bring up only some scenarios; LABGRADE_TEST_RELEASE picks the release (default icehouse).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from grader.errors import LabgradeError
from labsim import api, preflight, scenarios, state
from labsim.state import LabHost

sys.path.insert(0, str(Path(__file__).parent))  # tests/json_contract.py and friends

# Property tests under CI (CI set, as .ci/run and CI services do): the same examples on every
# run and no example database carried between runs, so a red build is reproducible, never a
# fluke; what a random run once found is pinned with @example next to the test. Elsewhere
# hypothesis explores at random (HYPOTHESIS_PROFILE=ci reproduces CI's examples).
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


@dataclass
class Lab:
    """The session's simulated hosts: scenario name -> LabHost, plus how to reach them."""

    hosts: dict[str, LabHost]
    ssh_config: Path
    state_dir: Path
    _testinfra: dict[tuple[str, str], Any] = field(default_factory=dict)

    def __getitem__(self, scenario: str) -> LabHost:
        if scenario not in self.hosts:
            pytest.skip(f"scenario '{scenario}' not brought up (LABGRADE_TEST_SCENARIOS)")
        return self.hosts[scenario]

    def __iter__(self) -> Iterator[str]:
        return iter(self.hosts)

    def spec(self, scenario: str, backend: str = "ssh") -> str:
        """testinfra host spec, to use with ssh_config=lab.ssh_config."""
        return f"{backend}://{self[scenario].name}"

    def testinfra(self, scenario: str, backend: str = "ssh") -> Any:
        import testinfra

        key = (scenario, backend)
        if key not in self._testinfra:
            self._testinfra[key] = testinfra.get_host(
                self.spec(scenario, backend), ssh_config=str(self.ssh_config)
            )
        return self._testinfra[key]

    def run(
        self, scenario: str, command: str, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run `command` on the scenario's host over real SSH (not checked)."""
        return subprocess.run(
            ["ssh", "-F", str(self.ssh_config), self[scenario].name, command],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def lab_unavailable() -> str | None:
    """Why lab tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "simulated lab tests need root (run pytest as root)"
    try:
        preflight.check_programs()
    except LabgradeError as error:
        return f"simulated lab unavailable: {error}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    for item in items:
        if item.get_closest_marker("lab") is not None:
            reason = reason or lab_unavailable()
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    wanted = os.environ.get("LABGRADE_TEST_SCENARIOS")
    names = [s.strip() for s in wanted.split(",")] if wanted else list(scenarios.load_scenarios())
    release = os.environ.get("LABGRADE_TEST_RELEASE", "icehouse")
    base = tmp_path_factory.mktemp("lab")
    state_dir = base / "state"
    ssh_config = base / "ssh_config"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LABGRADE_LAB_DIR", str(state_dir))
        try:
            built = api.up_scenarios({f"lg-{n}": n for n in names}, release=release, jobs=8)
            hosts = dict(zip(names, built, strict=True))
            api.write_ssh_config(ssh_config)
            yield Lab(hosts=hosts, ssh_config=ssh_config, state_dir=state_dir)
        finally:
            api.down(all_hosts=True)
            assert not state.load_all()
