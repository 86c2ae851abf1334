import json
import shlex

import pytest

from grader.errors import HostError, InputFileError
from grader.gather import gather_command, gather_script, parse_gather_output
from grader.snapshot import FORMAT, Record, Snapshot

DOC = {
    "format": FORMAT,
    "gatherer": "gather.sh/1",
    "records": [
        {
            "key": "hostname",
            "ns": None,
            "arg": None,
            "rc": 0,
            "truncated": False,
            "out": "h\n",
            "err": "",
        },
        {"key": "addr", "ns": "qrouter-1", "arg": None, "rc": 0, "out": "x", "err": ""},
        {"key": "ovs_list_ports", "ns": None, "arg": "br-int", "rc": 0, "out": "qvo1\n"},
        {"key": "extra", "ns": None, "arg": None, "command": "echo hi\n", "rc": 3, "out": "hi\n"},
        {"key": "netns_skipped", "ns": None, "arg": None, "rc": 0, "out": "qrouter-a;b\n"},
    ],
    "complete": True,
}


def test_accessors():
    snap = Snapshot.from_json(json.dumps(DOC))
    assert snap.root("hostname").out == "h\n"
    assert snap.ns("qrouter-1", "addr").out == "x"
    assert snap.root("ovs_list_ports", "br-int").out == "qvo1\n"
    assert snap.namespaces() == ["qrouter-1"]
    assert snap.extra("echo hi") == Record("extra", rc=3, out="hi\n", command="echo hi")
    assert snap.extra("echo other") is None
    assert snap.skipped_namespaces() == ["qrouter-a;b"]
    assert snap.root("nothing") is None and not snap.truncated


def test_round_trip_with_metadata():
    snap = Snapshot.from_json(json.dumps(DOC).encode())
    saved = snap.with_meta(target="ssh://lab-1", collected_at="2026-01-01T00:00:00Z").to_json()
    again = Snapshot.from_json(saved)
    assert again.records == snap.records
    assert again.meta["target"] == "ssh://lab-1" and again.meta["gatherer"] == "gather.sh/1"
    assert json.loads(saved)["format"] == FORMAT


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "not a JSON document"),
        ("[]", "a snapshot is a JSON object"),
        ('{"format": "other/1", "records": []}', "not a labgrade snapshot"),
        ('{"format": "labgrade-snapshot/2", "records": []}', "unsupported version"),
        ('{"format": "labgrade-snapshot/1"}', "missing or not a list"),
        ('{"format": "labgrade-snapshot/1", "records": [{"rc": 0}]}', "with a 'key'"),
        ('{"format": "labgrade-snapshot/1", "records": [{"key": "a", "rc": "0"}]}', "integer"),
        ('{"format": "labgrade-snapshot/1", "records": [{"key": "a", "out": 5}]}', "string"),
        ('{"format": "labgrade-snapshot/1", "records": [{"key": "a", "ns": 1}]}', "string or null"),
        ('{"format": "labgrade-snapshot/1", "error": "no tmp", "records": []}', "gather failed"),
    ],
)
def test_broken_documents(text, problem):
    with pytest.raises(InputFileError, match=problem) as caught:
        Snapshot.from_json(text, source="s.json")
    assert str(caught.value).startswith("s.json")


def test_invalid_utf8_is_replaced():
    raw = json.dumps(DOC).replace("h\\n", "h\xff").encode("latin-1")
    assert Snapshot.from_json(raw).root("hostname").out == "h\ufffd"


def test_parse_gather_output_skips_banners_and_detects_cut_output():
    text = "Welcome to lab-1\n" + json.dumps(DOC)
    assert parse_gather_output(text, "lab-1").root("hostname").out == "h\n"
    trailing = text + "\nlogout\n" + "x" * 500
    assert parse_gather_output(trailing, "lab-1").root("hostname").out == "h\n"
    with pytest.raises(HostError, match="lab-1: the gather script printed no snapshot"):
        parse_gather_output("sudo: a password is required\n", "lab-1")
    with pytest.raises(HostError, match="cut short"):
        parse_gather_output(json.dumps(DOC)[:-30], "lab-1")
    with pytest.raises(HostError, match="bad gather output"):
        parse_gather_output('{"format": "labgrade-snapshot/9", "complete": true}', "lab-1")


def test_gather_command_quotes_extra_commands():
    command = gather_command(["echo 'it''s'", "echo 'it''s'", "  ", "grep -c x /etc/hosts; true"])
    argv = shlex.split(command)
    assert argv[:2] == ["sh", "-c"] and argv[2] == gather_script()
    assert argv[3:] == ["labgrade-gather", "echo 'it''s'", "grep -c x /etc/hosts; true"]
    assert "#!/bin/sh" in gather_script()
