"""Pre-Pike metadata proxy of the simulated lab, installed as `neutron-ns-metadata-proxy`.

Run inside qrouter-<id> with Neutron's command line (`--metadata_port=9697 --router_id=...`):
listens on the port and answers every HTTP request itself, as haproxy does for later releases.
Standard library only; the lab copies this file into the host with a `#!/usr/bin/python3` line.
"""

import socket
import sys


def option(name: str, default: str) -> str:
    prefix = f"--{name}="
    return next((a[len(prefix) :] for a in sys.argv[1:] if a.startswith(prefix)), default)


def serve(port: int, router_id: str) -> None:
    body = b"latest\n"
    reply = (
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
        + f"X-Neutron-Router-ID: {router_id}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(16)
    while True:
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(5)
            try:
                connection.recv(4096)
                connection.sendall(reply)
            except OSError:
                pass


if __name__ == "__main__":
    serve(int(option("metadata_port", "9697")), option("router_id", ""))
