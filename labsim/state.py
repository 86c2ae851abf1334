"""The lab's state directory: the SSH key, known_hosts and one JSON record per host.

Default /run/labgrade (gone at reboot, like the hosts); $LABGRADE_LAB_DIR overrides it.

    state_dir/
      id_ed25519, id_ed25519.pub   the key every host accepts (root login)
      known_hosts                  each host's key, recorded at `up` (rewritten from hosts/)
      ssh_config                   what `labgrade lab ssh-config` prints, kept up to date
      hosts/NAME.json              name, scenario, release, init_pid, unshare_pid, created,
                                   host_key, plan
      lock                         serialises up/down between processes
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import LabError
from labsim import preflight
from labsim.host_namespaces import Namespaces

DEFAULT_DIR = "/run/labgrade"


@dataclass
class LabHost:
    """One simulated host, as recorded in the state directory."""

    name: str
    scenario: str
    release: str
    init_pid: int
    unshare_pid: int
    created: float
    host_key: str
    plan: dict[str, Any] = field(default_factory=dict)

    @property
    def namespaces(self) -> Namespaces:
        return Namespaces(self.init_pid, self.unshare_pid)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def state_dir() -> Path:
    return Path(os.environ.get("LABGRADE_LAB_DIR") or DEFAULT_DIR)


def hosts_dir() -> Path:
    return state_dir() / "hosts"


def key_path() -> Path:
    return state_dir() / "id_ed25519"


def ssh_config_path() -> Path:
    return state_dir() / "ssh_config"


def known_hosts_path() -> Path:
    return state_dir() / "known_hosts"


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """Hold the state directory's lock (creating the directory and the key if needed)."""
    hosts_dir().mkdir(parents=True, exist_ok=True)
    os.chmod(state_dir(), 0o700)
    with open(state_dir() / "lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            ensure_key()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_key() -> Path:
    path = key_path()
    if not path.exists():
        done = subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "labgrade-lab", "-f", str(path)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise LabError(f"ssh-keygen failed: {done.stderr.strip()}")
    return path


def public_key() -> str:
    return key_path().with_suffix(".pub").read_text().strip()


def save(host: LabHost) -> None:
    path = hosts_dir() / f"{host.name}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(host.to_json())
    temporary.replace(path)


def remove(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        (hosts_dir() / f"{name}.json").unlink()


def load_all() -> list[LabHost]:
    """Every host record. Root only: the state directory is root's (0700), and a host's
    health and its ProxyCommand need root anyway (LabError, not a PermissionError)."""
    preflight.check_root()
    if not hosts_dir().is_dir():
        return []
    hosts = []
    for path in sorted(hosts_dir().glob("*.json")):
        try:
            hosts.append(LabHost(**json.loads(path.read_text())))
        except (OSError, ValueError, TypeError):
            raise LabError(f"{path}: unreadable host record; remove it by hand") from None
    return hosts


def write_known_hosts() -> None:
    lines = [f"{h.name} {h.host_key}\n" for h in load_all() if h.host_key]
    known_hosts_path().write_text("".join(lines))


def clear_if_empty() -> None:
    """Remove the state directory once no host is left (down --all leaves nothing behind)."""
    if load_all():
        return
    for name in ("id_ed25519", "id_ed25519.pub", "known_hosts", "ssh_config", "lock"):
        with contextlib.suppress(FileNotFoundError):
            (state_dir() / name).unlink()
    with contextlib.suppress(OSError):
        hosts_dir().rmdir()
        state_dir().rmdir()
