from grader.parsers.listeners import parse_listeners
from grader.parsers.netns import parse_identify, parse_netns_list, parse_pids
from grader.parsers.ovs import parse_external_ids, parse_flows, parse_names, parse_ovn_records
from grader.parsers.processes import parse_processes


def test_netns_list_with_ids(output):
    assert parse_netns_list(output("netns-list.txt")) == [
        "qdhcp-4b523b2a-5921-4e8b-9e64-7b668c4aab85",
        "qrouter-9e5f2802-2462-4f5c-a95b-c60b99744451",
        "ovnmeta-4b523b2a-5921-4e8b-9e64-7b668c4aab85",
    ]
    assert parse_netns_list("") == []


def test_pids_and_identify():
    assert parse_pids("4242\n4243\njunk\n") == [4242, 4243]
    assert parse_identify("qdhcp-x\n") == ["qdhcp-x"]
    assert parse_identify("\n") == []  # the root namespace


def test_processes_ps_eo(output):
    procs = {p.pid: p for p in parse_processes(output("ps-eo.txt"))}
    stein, icehouse = procs[4242], procs[4243]
    assert stein.program == "dnsmasq" and "--interface" not in stein.options()
    assert "--no-hosts  --pid-file" in stein.args  # the empty argument keeps its two spaces
    assert stein.options()["--bind-dynamic"] == [""]
    assert icehouse.options()["--interface"] == ["tap4f0c1d2e-3b"]
    assert icehouse.options()["--conf-file"] == [""]
    assert procs[4711].program == "haproxy"
    assert procs[4712].program == "neutron-ns-metadata-proxy"  # behind the python interpreter
    assert procs[5000].program == "[kworker/0:1]"
    assert len(procs) == 6


def test_processes_ps_ww(output):
    (proc,) = parse_processes(output("ps-ww.txt"))
    assert proc.pid == 4243 and proc.args.startswith("dnsmasq --no-hosts")


def test_listeners_ss(output):
    found = parse_listeners(output("ss-ltnp.txt"))
    assert [(x.address, x.port, x.process, x.pid) for x in found] == [
        ("0.0.0.0", 9697, "haproxy", 4711),
        ("10.0.0.2", 53, "dnsmasq", 4242),
        ("::", 22, "sshd", 800),
        ("*", 8080, None, None),
    ]


def test_listeners_netstat(output):
    found = parse_listeners(output("netstat-ltnp.txt"))
    assert [(x.address, x.port, x.process, x.pid) for x in found] == [
        ("0.0.0.0", 9697, "python", 4712),
        ("::", 22, "sshd: /usr/sbin", 800),
        ("127.0.0.1", 25, None, None),
    ]


def test_ovs(output):
    assert parse_names("br-ex\nbr-int\n\n") == ["br-ex", "br-int"]
    flows = parse_flows(output("ovs-flows-native.txt"))
    assert [(f.table, f.priority) for f in flows] == [(0, 0), (82, 77)]
    ids = parse_external_ids('{hostname=devstack, ovn-remote="tcp:10.0.0.5:6642", x=""}\n')
    assert ids["ovn-remote"] == "tcp:10.0.0.5:6642" and ids["hostname"] == "devstack"
    nat = parse_ovn_records(output("ovn-nat.txt"))
    assert nat[0]["type"] == "dnat_and_snat" and nat[0]["external_ip"] == "172.24.4.229"
    assert len(nat) == 2
