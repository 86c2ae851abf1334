"""PID 1 of a simulated host: reap every child forever, never exit on its own.

Run as ``python3 -I -S reaper.py`` inside ``unshare --pid --fork``. It prints ``ready`` once,
detaches from stdio and then waits for SIGCHLD, reaping every exited process (daemons that
double-fork end up as its children). The lab ends the host with SIGKILL, which ends the whole
PID namespace. Stdlib only; keep it tiny, it runs once per host.
"""

import os
import signal
import sys


def main() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    while True:
        signal.sigwait({signal.SIGCHLD})
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break


if __name__ == "__main__":
    main()
