"""Hosts of an Ansible inventory as Ansible itself resolves them: `ansible-inventory -i INV
--list` (groups, group_vars/, host_vars/, every plugin and format Ansible reads), mapped to how
labgrade connects. Used by `batch --ansible-inventory` and `ansible://` targets when
ansible-core is installed (`pip install 'labgrade[ansible]'`).

    listing = list_inventory("inventory/")           # InputFileError naming INV if unusable
    for host in inventory_hosts(listing): hostvars(listing, host)
    spec, options = ansible_target("ansible://ux-1?ansible_inventory=inventory/", options)
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from grader.errors import HostError, InputFileError

PROGRAM = "ansible-inventory"
INSTALL = "install ansible-core: pip install 'labgrade[ansible]'"
TIMEOUT = 120  # seconds for ansible-inventory (dynamic inventories may query an API)
MAX_LISTING = 64 * 1024 * 1024
# ansible_connection -> the testinfra scheme labgrade reaches the host with
CONNECTIONS = {
    "ssh": "ssh",
    "smart": "ssh",
    "paramiko": "paramiko",
    "paramiko_ssh": "paramiko",
    "local": "local",
    "docker": "docker",
    "community.docker.docker": "docker",
    "podman": "podman",
    "containers.podman.podman": "podman",
}
# ssh options an inventory may add (ansible_ssh_common_args / ansible_ssh_extra_args): -o
# options (labgrade's own come first and win), a jump host, an ssh config, the address family.
# Forwarding flags (-A -X -Y -L -R -D -W ...) are refused: docs/security.md.
SSH_FLAGS_WITH_VALUE = ("-o", "-J", "-F", "-p", "-l", "-i", "-c", "-m")
SSH_FLAGS = ("-4", "-6", "-C", "-q", "-v")


def program() -> str | None:
    """ansible-inventory on PATH, or beside this Python (a virtualenv that is not activated)."""
    beside = Path(sys.executable).parent / PROGRAM
    if shutil.which(PROGRAM):
        return shutil.which(PROGRAM)
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def list_inventory(source: str | None) -> dict[str, Any]:
    """`ansible-inventory [-i SOURCE] --list` as JSON; InputFileError naming SOURCE when it
    cannot be read, HostError when ansible-inventory is not installed."""
    name = source or "the default Ansible inventory"
    found = program()
    if found is None:
        raise HostError(f"`{PROGRAM}` is not installed on this machine ({INSTALL})")
    command = [found, *(["-i", source] if source else []), "--list"]
    env = dict(
        os.environ,
        ANSIBLE_VERBOSITY="0",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_INVENTORY_UNPARSED_FAILED="True",  # a broken source is an error, not a warning
        ANSIBLE_LOCALHOST_WARNING="False",
    )
    try:
        done = subprocess.run(command, capture_output=True, env=env, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise InputFileError(name, None, None, f"{PROGRAM} ran over {TIMEOUT} s") from None
    except OSError as error:
        raise InputFileError(name, None, None, f"cannot run {PROGRAM}: {error}") from None
    if done.returncode != 0:
        raise InputFileError(name, None, None, f"{PROGRAM} failed: {_reason(done.stderr)}")
    try:
        listing = json.loads(done.stdout[:MAX_LISTING])
    except ValueError:
        raise InputFileError(name, None, None, f"{PROGRAM} printed no JSON") from None
    if not isinstance(listing, dict):
        raise InputFileError(name, None, None, f"{PROGRAM} printed no inventory")
    return listing


def _reason(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("[ERROR]") or "rror" in ln]
    first = (errors or lines or ["no reason given"])[0].removeprefix("[ERROR]:")
    return " ".join(first.split())[:300]


def inventory_hosts(listing: Mapping[str, Any]) -> list[str]:
    """Every host, in the order of the groups under `all` (each host once)."""
    hosts: list[str] = []
    seen_groups: set[str] = set()

    def walk(group: str) -> None:
        if group in seen_groups or not isinstance(listing.get(group), dict):
            return
        seen_groups.add(group)
        hosts.extend(str(host) for host in listing[group].get("hosts", []))
        for child in listing[group].get("children", []):
            walk(str(child))

    walk("all")
    return list(dict.fromkeys(hosts))


def hostvars(listing: Mapping[str, Any], host: str) -> dict[str, Any]:
    meta = listing.get("_meta")
    found = meta.get("hostvars", {}).get(host, {}) if isinstance(meta, dict) else {}
    return dict(found) if isinstance(found, dict) else {}


def ssh_args(variables: Mapping[str, Any]) -> tuple[str, ...]:
    """ansible_ssh_common_args + ansible_ssh_extra_args as ssh arguments; ValueError naming
    the variable for anything but the options SSH_FLAGS(_WITH_VALUE) allow."""
    args: list[str] = []
    for variable in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
        value = variables.get(variable)
        if value in (None, ""):
            continue
        try:
            words = shlex.split(str(value))
        except ValueError as error:
            raise ValueError(f"{variable}: {error}") from None
        index = 0
        while index < len(words):
            word = words[index]
            flag = word[:2]
            if word in SSH_FLAGS:
                index += 1
            elif flag in SSH_FLAGS_WITH_VALUE and (len(word) > 2 or index + 1 < len(words)):
                index += 1 if len(word) > 2 else 2
            else:
                raise ValueError(
                    f"{variable}: {word!r} is not allowed (labgrade takes -o, -J, -F and the like; "
                    "it never forwards an agent, X11 or ports to a student host: docs/security.md)"
                )
        args += words
    return tuple(args)


def connection_fields(host: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The student fields (inventory.Fields) for HOST: target, user, port, identity_file,
    sudo, name, email. ValueError for a connection labgrade cannot use."""
    connection = str(variables.get("ansible_connection") or "ssh")
    scheme = CONNECTIONS.get(connection)
    if scheme is None:
        raise ValueError(
            f"ansible_connection: {connection!r} is not one labgrade can use "
            f"({', '.join(sorted(CONNECTIONS))})"
        )
    address = str(variables.get("ansible_host") or host)
    raw: dict[str, Any] = {"id": host, "target": f"{scheme}://{address}"}
    if scheme == "local":
        raw["target"] = "local://"
    pairs = {
        "user": ("ansible_user", "ansible_ssh_user"),
        "port": ("ansible_port", "ansible_ssh_port"),
        "identity_file": ("ansible_ssh_private_key_file", "ansible_private_key_file"),
        "sudo": ("ansible_become",),
        "name": ("student_name",),
        "email": ("student_email",),
    }
    for key, names in pairs.items():
        value = next((variables[n] for n in names if variables.get(n) not in (None, "")), None)
        if value is not None and (key not in ("user", "port") or scheme in ("ssh", "paramiko")):
            raw[key] = value
    return raw


def ansible_target(spec: str, options: Any) -> tuple[str, Any]:
    """`ansible://HOST[?ansible_inventory=INV]` as the spec and options labgrade connects
    with, resolved by ansible-inventory (HostError naming HOST when it cannot be)."""
    from grader.inventory import Fields

    rest = spec.split("://", 1)[1]
    host, _, query = rest.partition("?")
    source = (parse_qs(query).get("ansible_inventory") or [None])[0]
    try:
        listing = list_inventory(source)
    except InputFileError as error:
        if source is None:
            raise HostError(
                f"{host}: no Ansible inventory to find it in: name one, "
                f"ansible://{host}?ansible_inventory=FILE ({error.problem})"
            ) from None
        raise HostError(f"{host}: {error}") from None
    if host not in inventory_hosts(listing):
        where = source or "the default Ansible inventory"
        raise HostError(f"{host} is not a host of {where} (`{PROGRAM} --list` does not name it)")
    variables = hostvars(listing, host)
    try:  # relative key files are relative to where labgrade runs, as for Ansible
        student = Fields(source or "inventory", Path.cwd(), 0, {}).student(
            connection_fields(host, variables)
        )
        extra = ssh_args(variables)
    except (ValueError, InputFileError) as error:
        raise HostError(f"{host}: cannot use its inventory variables: {error}") from None
    return student.target, replace(student.options(options), ssh_args=extra)
