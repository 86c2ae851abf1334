"""exercises.yaml loading: a valid file, selection, extra commands, and every kind of error
named with its file, line and key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from grading_fakes import FAKE_EXERCISES, write_exercises

from checks import CHECKS
from grader.cli import main
from grader.errors import EXIT_USAGE, InputFileError, LabgradeError
from grader.model import default_exercises_path, extra_commands, load_exercises

FAKES = {name: fn for name, fn in CHECKS.items() if name.startswith("fake_")}


def load(tmp_path: Path, text: str = FAKE_EXERCISES):
    return load_exercises(write_exercises(tmp_path, text), checks=FAKES)


def test_valid_file_loads_into_the_model(tmp_path: Path) -> None:
    exercises = load(tmp_path)
    assert [e.id for e in exercises.exercises] == ["basics", "more", "cleanup"]
    second = exercises.check("basics.second")
    assert second.points == 10 and second.requires == ("basics.first",)
    assert second.params == {"name": "second"} and second.exercise == "basics"
    assert second.hint == "Then the second." and second.line == 12
    assert exercises.exercises[2].default is False
    assert exercises.order.index("basics.first") < exercises.order.index("basics.second")


def test_default_selection_leaves_out_non_default_exercises(tmp_path: Path) -> None:
    selection = load(tmp_path).select(None)
    assert [e.id for e in selection.exercises] == ["basics", "more"]
    assert "cleanup.gone" not in selection.selected_ids


@pytest.mark.parametrize(
    ("only", "selected"),
    [
        (["cleanup"], {"cleanup.gone"}),
        (["basics.second"], {"basics.second"}),
        (["basics"], {"basics.first", "basics.second"}),
        (["more.third", "cleanup.gone"], {"more.third", "cleanup.gone"}),
    ],
)
def test_only_selects_exercises_or_checks(tmp_path: Path, only, selected) -> None:
    assert load(tmp_path).select(only).selected_ids == selected


def test_only_runs_prerequisites_of_a_selected_check_first(tmp_path: Path) -> None:
    selection = load(tmp_path).select(["more.third"])
    assert [c.id for c in selection.to_run] == ["basics.first", "basics.second", "more.third"]


def test_only_with_an_unknown_id_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(LabgradeError, match=r"--only basic.second: no such .*basics.second"):
        load(tmp_path).select(["basic.second"])


def test_extra_commands_come_from_the_gathers_hooks(tmp_path: Path) -> None:
    text = FAKE_EXERCISES.replace(
        "check: fake_switch\n        params: {name: third}",
        "check: fake_command\n        params: {command: cat /etc/os-release}",
    )
    exercises = load(tmp_path, text)
    commands = extra_commands(exercises.select(None).to_run, checks=FAKES)
    assert commands == ["cat /etc/os-release"]
    assert extra_commands(exercises.select(["basics"]).to_run, checks=FAKES) == []


def test_the_default_file_is_at_the_repo_root_when_running_from_source() -> None:
    root = Path(__file__).resolve().parents[2]
    if (root / "exercises.yaml").is_file():
        assert default_exercises_path() == root / "exercises.yaml"
    else:  # as installed from the wheel
        assert default_exercises_path() == root / "grader" / "data" / "exercises.yaml"


def check_entry(**fields: str) -> str:
    """A document with one check whose fields are replaced/added by FIELDS (raw YAML values)."""
    entry = {
        "id": "a.one",
        "title": "One",
        "points": "5",
        "check": "fake_typed",
    }
    entry.update(fields)
    lines = "".join(f"        {k}: {v}\n" for k, v in entry.items() if v != "DROP")
    return "version: 1\nexercises:\n  - id: a\n    title: A\n    checks:\n      - " + lines.lstrip()


ERRORS = [
    # (name, document, line, key, words in the message)
    ("syntax", "version: 1\nexercises: [\n", 3, None, "YAML syntax error"),
    ("tabs", "version: 1\n\texercises: []\n", 2, None, "YAML syntax error"),
    ("alias", "version: 1\nx: &a [1]\ny: *a\n", 3, None, "aliases"),
    ("duplicate key", "version: 1\nversion: 1\n", 2, "version", "duplicate key"),
    ("unknown top key", "version: 1\nexercize: []\n", 2, "exercize", "unknown key"),
    ("missing exercises", "version: 1\n", 1, "exercises", "missing"),
    ("version", "version: 2\nexercises: []\n", 1, "version", "must be 1"),
    ("version bool", "version: true\nexercises: []\n", 1, "version", "must be 1"),
    ("not a mapping", "- 1\n- 2\n", 1, None, "must be a mapping"),
    ("no exercises", "version: 1\nexercises: []\n", 2, "exercises", "non-empty list"),
    ("unknown check key", check_entry(hnit='"x"'), 10, "hnit", "did you mean 'hint'"),
    ("missing title", check_entry(title="DROP"), 6, "title", "missing"),
    ("bad id", check_entry(id='"A one"'), 6, "id", "not a valid id"),
    ("points bool", check_entry(points="true"), 8, "points", "must be number, not bool"),
    ("points string", check_entry(points='"5"'), 8, "points", "must be number, not str"),
    ("points negative", check_entry(points="-1"), 8, "points", ">= 0"),
    ("points nan", check_entry(points=".nan"), 8, "points", ">= 0"),
    ("unknown check", check_entry(check="fake_typo"), 9, "check", "unknown check 'fake_typo'"),
    ("unknown param", check_entry(params="{colour: red}"), 10, "params.colour", "no such"),
    ("param type", check_entry(params="{count: '3'}"), 10, "params.count", "expected int"),
    ("param bool is not int", check_entry(params="{count: yes}"), 10, "params.count", "bool"),
    ("param list", check_entry(params="{names: [a, 1]}"), 10, "params.names", "item 2"),
    ("param optional", check_entry(params="{port: x}"), 10, "params.port", "expected int, got str"),
    ("params not mapping", check_entry(params="[1]"), 10, "params", "must be dict"),
    ("requires dangling", check_entry(requires="[a.zero]"), 6, "requires", "unknown check"),
    ("requires self", check_entry(requires="[a.one]"), 6, "requires", "a.one -> a.one"),
    ("requires type", check_entry(requires='"a.one"'), 10, "requires", "must be list"),
]


@pytest.mark.parametrize(
    ("document", "line", "key", "words"),
    [case[1:] for case in ERRORS],
    ids=[case[0] for case in ERRORS],
)
def test_errors_name_file_line_and_key(tmp_path: Path, document, line, key, words) -> None:
    path = write_exercises(tmp_path, document)
    with pytest.raises(InputFileError) as caught:
        load_exercises(path, checks=FAKES)
    error = caught.value
    assert (error.path, error.line, error.key) == (str(path), line, key), str(error)
    assert words in str(error)
    assert str(error).startswith(f"{path}:{line}:")


def test_missing_required_param(tmp_path: Path) -> None:
    document = check_entry(check="fake_switch", params="{}")
    with pytest.raises(InputFileError, match=r":10: key 'params.name': required"):
        load_exercises(write_exercises(tmp_path, document), checks=FAKES)


def test_duplicate_check_id(tmp_path: Path) -> None:
    document = FAKE_EXERCISES.replace("id: basics.second", "id: basics.first")
    with pytest.raises(
        InputFileError, match=r":12: key 'id': duplicate id 'basics.first' \(first at line 6\)"
    ):
        load(tmp_path, document)


def test_circular_requires(tmp_path: Path) -> None:
    document = FAKE_EXERCISES.replace(
        "params: {name: first}", "params: {name: first}\n        requires: [more.third]"
    )
    with pytest.raises(InputFileError, match=r"circular requires: .*more.third.*basics.first"):
        load(tmp_path, document)


def test_wrong_type_for_default(tmp_path: Path) -> None:
    document = FAKE_EXERCISES.replace("default: false", "default: 'no'")
    with pytest.raises(InputFileError, match=r":31: key 'default': must be bool, not str"):
        load(tmp_path, document)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"# only a comment\n", "empty"),
        (b"version: 1\ntitle: caf\xe9\n", "not UTF-8"),
        (b"x" * (1024 * 1024 + 1), "larger than"),
    ],
    ids=["empty", "comment only", "latin-1", "too big"],
)
def test_unreadable_files(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "ex.yaml"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=words):
        load_exercises(path, checks=FAKES)


def test_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is a directory"):
        load_exercises(tmp_path, checks=FAKES)
    with pytest.raises(InputFileError, match="no such file"):
        load_exercises(tmp_path / "nope.yaml", checks=FAKES)


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    with pytest.raises(InputFileError, match="aliases"):
        load_exercises(write_exercises(tmp_path, bomb), checks=FAKES)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_permissions(tmp_path: Path) -> None:
    path = write_exercises(tmp_path)
    path.chmod(0)
    with pytest.raises(InputFileError, match="cannot read"):
        load_exercises(path, checks=FAKES)


def test_validate_lists_every_backend_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert (
        "by backend: ml2-ovs-iptables-hybrid: 100, ml2-ovs-native-firewall: 100, ml2-ovn: 100"
        in out
    )
    assert out.rstrip().endswith("ml2-ovn: 20 (at most 20)")  # a fresh DevStack's score


def test_validate_refuses_totals_that_differ_by_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shipped rubric with sg.icmp (the lab's own backend only) at 12 points, not 10."""
    text = default_exercises_path().read_text(encoding="utf-8")
    start = text.index("- id: sg.icmp")
    at = text.index("points: 10", start)
    path = tmp_path / "uneven.yaml"
    path.write_text(text[:at] + "points: 12" + text[at + len("points: 10") :], encoding="utf-8")
    load_exercises(path)  # a valid file otherwise: check still grades with it
    assert main(["validate", str(path)]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        f"labgrade: error: {path}: the default exercises must add up to the same total on "
        "every backend, but do not: ml2-ovs-iptables-hybrid: 102, "
        "ml2-ovs-native-firewall: 100, ml2-ovn: 100\n"
    )


@pytest.mark.parametrize(
    ("check", "params", "key", "problem"),
    [
        (
            "command",
            '{command: "cat /etc/hostname", pattern: "(unclosed"}',
            "params.pattern",
            "missing ), unterminated subpattern at position 0",
        ),
        (
            "iptables_rule",
            '{rule: "--dport [80"}',
            "params.rule",
            "unterminated character set at position 8",
        ),
        ("iptables_rule", '{rule: "x", namespace: "qdhcp-**"}', "params.namespace", "multiple"),
        ("process_arguments", '{program: "?dnsmasq"}', "params.program", "nothing to repeat"),
    ],
)
def test_generic_checks_regex_params_are_compiled_at_load(
    tmp_path: Path, check: str, params: str, key: str, problem: str
) -> None:
    """An invalid pattern is refused with its line, not an `error` for every student later."""
    path = write_exercises(tmp_path, check_entry(check=check, params=params))
    with pytest.raises(InputFileError) as caught:
        load_exercises(path)
    assert str(caught.value).startswith(
        f"{path}:10: key '{key}': invalid regular expression: {problem}"
    )


def test_generic_checks_valid_regex_params_load(tmp_path: Path) -> None:
    params = '{rule: "--dport 22 .*-j RETURN", chain: "neutron-openvswi-i.*", namespace: null}'
    path = write_exercises(tmp_path, check_entry(check="iptables_rule", params=params))
    assert load_exercises(path).check("a.one").params["chain"] == "neutron-openvswi-i.*"
    wrong = write_exercises(
        tmp_path, check_entry(check="command", params="{command: x, pattern: 5}")
    )
    with pytest.raises(InputFileError, match=r"key .params\.pattern.: expected str, got int"):
        load_exercises(wrong)


@pytest.mark.parametrize(
    ("only", "meant"),
    [
        ("sgg", "sg"),  # a prefix before the dot, as --only sg selects sg.*
        ("SG", "sg"),  # case
        ("Devices", "devices"),
        ("sg.icmpp", "sg.icmp"),
        ("securty-groups", "security-groups"),
        ("ovsf", "ovsfw"),
    ],
)
def test_unknown_only_suggests_close_exercise_check_or_prefix(only: str, meant: str) -> None:
    with pytest.raises(LabgradeError) as caught:
        load_exercises().select([only])
    assert str(caught.value) == (
        f"--only {only}: no such exercise or check (did you mean '{meant}'?) (see `labgrade list`)"
    )


def test_validate_refuses_an_unfair_rubric(tmp_path: Path, capsys) -> None:
    """More than 20 points for what a fresh DevStack has, or one mistake costing more on one
    backend than on another (beyond 2 points): refused, naming the rule."""
    text = default_exercises_path().read_text(encoding="utf-8")
    start = text.index("- id: devices.ovs-bridges")
    at = text.index("points: 2", start)
    generous = tmp_path / "generous.yaml"
    generous.write_text(text[:at] + "points: 9" + text[at + len("points: 2") :])
    assert main(["validate", str(generous)]) == EXIT_USAGE
    assert "a fresh DevStack scores 27 on ml2-ovs-iptables-hybrid" in capsys.readouterr().err
    start = text.index("- id: ovn.floating-ip")
    at = text.index("points: 25", start)
    text = text[:at] + "points: 20" + text[at + len("points: 25") :]  # 5 of them to ovn.dhcp
    at = text.index("points: 6", text.index("- id: ovn.dhcp"))
    uneven = tmp_path / "uneven.yaml"
    uneven.write_text(text[:at] + "points: 11" + text[at + len("points: 6") :])
    assert main(["validate", str(uneven)]) == EXIT_USAGE
    assert "the mistake 'no-floating-ip' costs different points" in capsys.readouterr().err
