"""Host specs, as pytest-testinfra writes them: what a target is called, and how it is shown.

    normalize_target("lab-1")               # -> "ssh://lab-1"
    redact("ssh://ada:secret@lab-1")        # -> "ssh://ada@lab-1"
    host_name("ssh://ada@lab-1:2222")       # -> "lab-1:2222"

Pure string functions: nothing here connects anywhere (grader/connect.py does).
"""

from __future__ import annotations

import re

from grader.errors import LabgradeError

# the transports (testinfra calls them backends); a target "SCHEME:..." without "//" names
# one of them by mistake
SCHEMES = ("local", "ssh", "safe-ssh", "paramiko", "ansible", "docker", "podman", "kubectl")
_SCHEME_TYPO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):/*(.*)$")


def normalize_target(target: str | None) -> str:
    """A testinfra host spec: None -> local://, a bare name -> ssh://NAME. A malformed spec
    (`ssh:/lab-1`, `ssh:lab-1`, `host:/x`) is a usage error (LabgradeError, exit 2)."""
    if not target:
        return "local://"
    if "://" in target:
        return target
    typo = _SCHEME_TYPO.match(target)
    scheme, rest = typo.groups() if typo else ("", "")
    if typo and (target.startswith(f"{scheme}:/") or (scheme in SCHEMES and not rest.isdigit())):
        fixed = f" (did you mean '{scheme}://{rest}'?)" if scheme in SCHEMES else ""
        raise LabgradeError(
            f"{target!r} is not a host spec: write NAME, or SCHEME://HOST such as "
            f"ssh://USER@HOST:PORT{fixed}"
        )
    return f"ssh://{target}"


def redact(spec: str) -> str:
    """SPEC without a password: "ssh://ada:secret@host" -> "ssh://ada@host" (for reports, logs)."""
    scheme, sep, rest = spec.partition("://")
    userinfo, at, address = rest.rpartition("@")
    if not sep or not at:
        return spec
    return f"{scheme}://{userinfo.split(':', 1)[0]}@{address}"


def host_name(spec: str) -> str:
    """What to call the host in messages: its name, or "the local host"."""
    scheme, _, rest = spec.partition("://")
    name = rest.split("?", 1)[0].rsplit("@", 1)[-1]
    return "the local host" if scheme == "local" else name or spec
