from grader.parsers.ip_addr import parse_ip_addr
from grader.parsers.ip_link import parse_ip_link
from grader.parsers.ip_route import parse_ip_route


def test_ip_addr(output):
    addrs = parse_ip_addr(output("ip-addr.txt"))
    qg = [a for a in addrs if a.ifname == "qg-9a8b7c6d-5e"]
    assert [(a.family, a.cidr) for a in qg] == [
        ("inet", "172.24.4.181/24"),
        ("inet", "172.24.4.229/32"),
        ("inet", "172.24.4.230/24"),
        ("inet6", "2001:db8::a/64"),
    ]
    assert qg[2].secondary and not qg[0].secondary
    assert qg[0].contains("172.24.4.1") and not qg[1].contains("172.24.4.1")
    assert "valid_lft" not in qg[0].line
    assert any(a.ifname == "eth0" for a in addrs)  # "eth0@if5" -> eth0
    assert not any(a.ifname == "bad" for a in addrs)
    assert ("lo", "inet6", "::1") in {(a.ifname, a.family, a.address) for a in addrs}


def test_ip_link(output):
    links = {link.name: link for link in parse_ip_link(output("ip-link.txt"))}
    assert links["tapb5e2060e-02"].master == "qbrb5e2060e-02"
    assert links["qvbb5e2060e-02"].peer == "qvob5e2060e-02"
    assert links["qvob5e2060e-02"].master == "ovs-system"
    assert links["tap4b523b2a-50"].peer == "if2"
    assert links["gre0"].peer == "NONE" and links["gre0"].kind == "gre"
    assert links["lo"].up and links["lo"].kind == "loopback"
    assert links["tapb5e2060e-02"].mac == "fe:16:3e:11:22:33"
    assert links["qbrb5e2060e-02"].state == "UP"
    assert len(links) == 7


def test_ip_route(output):
    routes = parse_ip_route(output("ip-route.txt"))
    default = routes[0]
    assert default.is_default and default.via == "172.24.4.1" and default.dev == "qg-9a8b7c6d-5e"
    assert default.proto == "static"
    assert routes[1].src == "10.0.0.1" and routes[1].via is None
    assert routes[3].dest == "192.0.2.0/24"  # route type stripped
    assert routes[4].is_default and routes[4].dev is None  # multipath head; nexthop lines skipped
    assert len(routes) == 5


def test_route_before_train_has_no_proto():
    (route,) = parse_ip_route("default via 172.24.4.1 dev qg-9a8b7c6d-5e \n")
    assert route.proto is None and route.dev == "qg-9a8b7c6d-5e"
