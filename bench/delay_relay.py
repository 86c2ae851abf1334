"""A user-space delaying relay for ssh's ProxyCommand: adds a round-trip delay to one connection.

    ProxyCommand .venv/bin/python bench/delay_relay.py 50 -- nsenter --target PID --net -- nc ...

Runs the command after `--` and copies ssh's stdin to it and its output back, holding every
chunk DELAY/2 milliseconds in each direction (so each round trip takes DELAY ms more); order
and content are kept. Only the pipes of this one connection are touched (`tc netem` is not
available on this kernel).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

CHUNK = 65536


def pump(source: int, sink: int, delay: float, close_sink: bool) -> threading.Thread:
    """Copy SOURCE to SINK, each chunk written DELAY seconds after it was read."""
    held: queue.Queue[tuple[float, bytes]] = queue.Queue()

    def read() -> None:
        while chunk := os.read(source, CHUNK):
            held.put((time.monotonic() + delay, chunk))
        held.put((time.monotonic() + delay, b""))

    def write() -> None:
        while True:
            due, chunk = held.get()
            time.sleep(max(0.0, due - time.monotonic()))
            if not chunk:
                break
            view = memoryview(chunk)
            while view:
                view = view[os.write(sink, view) :]
        if close_sink:
            os.close(sink)

    threading.Thread(target=read, daemon=True).start()
    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return writer


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: delay_relay.py DELAY_MS -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    delay = float(argv[0]) / 2000  # one way, in seconds
    child = subprocess.Popen(argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    pump(sys.stdin.fileno(), child.stdin.fileno(), delay, close_sink=True)
    back = pump(child.stdout.fileno(), sys.stdout.fileno(), delay, close_sink=False)
    back.join()
    child.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
