"""`ip -o addr` output -> addresses.

2: qg-9a8b7c6d-5e    inet 172.24.4.229/32 brd 172.24.4.229 scope global qg-9a8b7c6d-5e\\ ...
parse_ip_addr(text) -> [Address(ifname="qg-9a8b7c6d-5e", family="inet",
                                address="172.24.4.229", prefixlen=32, line=...)]
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from grader.parsers.numbers import ascii_int

# Linear on any line: no two quantifiers can take the same characters (the name stops at '@').
_LINE = re.compile(r"\s*[0-9]+:\s+([^\s@]+)(?:@\S*)?\s+(inet6?)\s+(\S+)", re.ASCII)


@dataclass(frozen=True)
class Address:
    ifname: str
    family: str  # "inet" or "inet6"
    address: str
    prefixlen: int
    line: str

    @property
    def cidr(self) -> str:
        return f"{self.address}/{self.prefixlen}"

    @property
    def secondary(self) -> bool:
        return " secondary " in f" {self.line} "

    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.cidr, strict=False)

    def contains(self, ip: str) -> bool:
        try:
            return ipaddress.ip_address(ip) in self.network()
        except ValueError:
            return False


def parse_ip_addr(text: str) -> list[Address]:
    found: list[Address] = []
    for raw in text.splitlines():
        match = _LINE.match(raw)
        if not match:
            continue
        ifname, family, cidr = match.groups()
        address, _, prefix = cidr.partition("/")
        try:
            ipaddress.ip_address(address)
        except ValueError:
            continue
        longest = 32 if family == "inet" else 128
        prefixlen = ascii_int(prefix) if prefix else longest
        if prefixlen is None or prefixlen > longest:
            continue
        found.append(Address(ifname, family, address, prefixlen, raw.split("\\")[0].strip()))
    return found
