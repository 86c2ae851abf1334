"""The pytest route (docs/pytest.md): `pytest --labgrade --hosts=ssh://a,ssh://b` collects one
test item per check per host (`sg.icmp[ssh://a]`) and grades each host once.

    pytest --labgrade --hosts=ssh://lab-1 --ssh-config=lab.ssh_config --junit-xml=r.xml
    pytest --labgrade=my-exercises.yaml --hosts=ssh://a,ssh://b -k sg -n 4

Instructors' own testinfra tests can use the same gathered facts (grader/facts):

    def test_the_tap_is_up(host, labgrade_facts):
        assert host.interface(labgrade_facts.instance.tap).exists

Registered as the pytest11 entry point `labgrade`; --hosts, --ssh-config, --ssh-identity-file,
--sudo and --sudo-user are pytest-testinfra's options. Each host is gathered once, in one
remote command, the first time one of its items runs (once per xdist worker), and graded with
the same engine as `labgrade check`; pass/fail/skip/error map to pytest's pass, failure,
skip (with the reason) and error (in setup: the check could not be graded), and a failure's
text is what was found, expected, the hint and the command to look (the JUnit body too).
"""

from __future__ import annotations

from typing import Any

import pytest

from grader.connect_options import ConnectOptions
from grader.host_spec import normalize_target
from grader.report.feedback import check_details
from grader.result import CheckResult, HostResult

GRADED = pytest.StashKey[dict[str, HostResult]]()
FACTS = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("labgrade").addoption(
        "--labgrade",
        nargs="?",
        const="",
        default=None,
        metavar="EXERCISES",
        help="collect one test per labgrade check per --hosts host (EXERCISES: the exercises "
        "file; default: the one shipped with labgrade)",
    )


class CheckFailed(Exception):
    """A check that saw the host's state and found it wrong."""


class CheckItem(pytest.Item):
    def __init__(self, *, spec: str, check_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec, self.check_id = spec, check_id
        self.outcome: CheckResult | None = None

    def setup(self) -> None:
        result = graded(self.config, self.spec)
        if result.status == "error":
            raise pytest.fail(f"could not grade {self.spec}: {result.error}", pytrace=False)
        self.outcome = next((c for c in result.checks() if c.id == self.check_id), None)
        if self.outcome is None:
            pytest.skip(f"{self.check_id} is not graded on this host's backend ({result.backend})")
        if self.outcome.status == "error":
            pytest.fail(f"could not grade {self.check_id}: {check_details(self.outcome)}", False)

    def runtest(self) -> None:
        assert self.outcome is not None
        if self.outcome.status == "skip":
            pytest.skip(self.outcome.evidence)
        if self.outcome.status == "fail":
            raise CheckFailed(check_details(self.outcome))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailed):
            return f"{self.check_id} failed on {self.spec}\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "labgrade", None, f"{self.check_id}[{self.spec}]"


def exercises_of(config: pytest.Config) -> Any:
    from grader.model import load_exercises

    return load_exercises(config.getoption("labgrade") or None)


def graded(config: pytest.Config, spec: str) -> HostResult:
    """SPEC gathered and graded once per process."""
    from grader.grading import grade_target

    cache = config.stash.setdefault(GRADED, {})
    if spec not in cache:
        options = ConnectOptions(
            ssh_config=config.getoption("ssh_config", None),
            ssh_identity_file=config.getoption("ssh_identity_file", None),
            sudo=bool(config.getoption("sudo", False)),
            sudo_user=config.getoption("sudo_user", None),
        )
        cache[spec] = grade_target(spec, options, exercises_of(config), None)[0]
    return cache[spec]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the checks' items before -k / -m deselect (tryfirst)."""
    if config.getoption("labgrade") is None:
        return
    hosts = [h for h in (config.getoption("hosts", None) or "").split(",") if h.strip()]
    if not hosts:
        raise pytest.UsageError("--labgrade needs --hosts=ssh://HOST[,ssh://HOST...]")
    selection = exercises_of(config).select(None, backend=None)  # the default ones, any backend
    checks = [check.id for exercise in selection.exercises for check in exercise.checks]
    for host in hosts:
        spec = normalize_target(host.strip())
        for check_id in checks:
            name = f"{check_id}[{spec}]"
            items.append(CheckItem.from_parent(session, name=name, spec=spec, check_id=check_id))
    session.testscollected = len(items)


@pytest.fixture
def labgrade_facts(host: Any, request: pytest.FixtureRequest) -> Any:
    """The facts of testinfra's HOST (grader/facts: instance, router, dhcp...), gathered in
    one command through HOST itself, once per host and process (with testinfra's --sudo)."""
    from grader.gather import gather_command, parse_gather_output
    from grader.grading import build_facts

    cache = request.config.stash.setdefault(FACTS, {})
    key = host.backend.get_pytest_id()
    if key not in cache:
        output = host.run(gather_command())
        cache[key] = build_facts(parse_gather_output(output.stdout, target=key))
    return cache[key]
