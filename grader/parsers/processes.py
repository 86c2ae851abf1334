"""`ps -eo pid,args` (or `ps ww`) output -> processes, and their long options.

parse_processes("  PID COMMAND\n 4242 dnsmasq --no-hosts --interface=tap4f0c1d2e-3b\n")
  -> [Process(pid=4242, args="dnsmasq --no-hosts --interface=tap4f0c1d2e-3b")]
process.options()["--interface"] -> ["tap4f0c1d2e-3b"]
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from grader.parsers.numbers import ascii_int


@dataclass(frozen=True)
class Process:
    pid: int
    args: str  # the command line as ps prints it (empty arguments show as two spaces)

    @property
    def argv(self) -> list[str]:
        return self.args.split()

    @property
    def program(self) -> str:
        argv = self.argv
        if not argv:
            return ""
        if argv[0].startswith("["):  # a kernel thread, e.g. [kworker/0:1]
            return argv[0]
        program = os.path.basename(argv[0])
        # interpreters: "python3 /usr/bin/neutron-ns-metadata-proxy ..." -> the script
        if program.startswith(("python", "perl")) and len(argv) > 1:
            for word in argv[1:]:
                if not word.startswith("-"):
                    return os.path.basename(word)
        return program

    def options(self) -> dict[str, list[str]]:
        """--name=value and --flag arguments (a flag maps to [""])."""
        found: dict[str, list[str]] = {}
        for word in self.argv[1:]:
            if word.startswith("--"):
                name, _, value = word.partition("=")
                found.setdefault(name, []).append(value)
        return found


def parse_processes(text: str) -> list[Process]:
    lines = text.splitlines()
    pid_col, args_col = 0, 1
    found: list[Process] = []
    for raw in lines:
        words = raw.split()
        if not words:
            continue
        if words[0] == "PID":
            # "PID COMMAND" / "PID TTY STAT TIME COMMAND": the args start at the last header.
            args_col = len(words) - 1
            continue
        pid = ascii_int(words[pid_col])
        if pid is None or len(words) <= args_col:
            continue
        # keep the spacing of the arguments (empty arguments are two spaces)
        rest = raw.split(None, args_col)[args_col] if args_col else raw.lstrip()
        found.append(Process(pid, rest.rstrip()))
    return found
