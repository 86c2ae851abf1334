"""The text report wraps at spaces only, so what a student copies from it stays whole."""

from grader.report.text import wrap


def test_identifiers_are_not_split_at_hyphens() -> None:
    hint = (
        "Look for the jump to neutron-openvswi-sg-fallback in neutron-openvswi-ib5e2060e-0 and "
        "for --to-ports 9697 in [[post-config|/$Q_PLUGIN_CONF_FILE]] before you run it again."
    )
    lines = wrap(hint, 30)
    for word in hint.split():
        assert any(word in line.split() for line in lines), word
    assert " ".join(lines) == hint
