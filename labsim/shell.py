"""Shell snippets the lab's build scripts share: a here-document, waiting for a listener."""

from __future__ import annotations

RUN_DIR = "/run/lab"  # the host's private /run, where the build keeps its files


def heredoc(command: str, text: str) -> str:
    marker = "LABGRADE_EOF"
    if marker in text:
        raise ValueError("heredoc marker in text")
    return f"{command} <<'{marker}'\n{text.rstrip(chr(10))}\n{marker}"


def wait_listen(port: int, prefix: str = "") -> str:
    """Wait (max 5 s) until something listens on tcp/PORT in the current (or given) netns."""
    pattern = f":{port:04X} 00000000:0000 0A"
    return (
        f"i=0; until {prefix}grep -q '{pattern}' /proc/net/tcp; do i=$((i+1)); "
        f'[ $i -lt 250 ] || {{ echo "nothing listens on tcp/{port}" >&2; exit 1; }}; '
        "sleep 0.02; done"
    )
