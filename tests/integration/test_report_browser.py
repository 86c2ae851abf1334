"""report.html in a real browser: Debian's chromium, headless (scripts/setup.sh installs it).
It loads the file as a person would: the DOM holds every student and score, the script runs
under the file's own Content-Security-Policy, host strings stay text (their markup never
runs), no request leaves the file (every request goes to a proxy we listen on; the browser's own
calls to Google's services are told apart by their host), and a
phone-sized screenshot is not blank."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.grading import grade_snapshot
from grader.inventory import Student
from grader.model import load_exercises
from grader.report.html import render_class_html
from grader.result import HostResult, host_error
from grader.snapshot import Snapshot

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "snapshots"
HOSTILE = '<script>document.title="pwned"</script><img src="http://127.0.0.1:9/leak">'

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def class_entries() -> list[tuple[Student, HostResult | None]]:
    """Four recorded hosts, a student whose name is markup, one unreachable, one pending."""
    entries: list[tuple[Student, HostResult | None]] = []
    for i, name in enumerate(["complete", "no-ssh-rule", "fresh", "dhcp-down", "ovn"]):
        path = SNAPSHOTS / f"{name}.json"
        snapshot = Snapshot.from_json(path.read_bytes(), source=str(path))
        result = grade_snapshot(snapshot, load_exercises(), None, f"ssh://{name}")
        entries.append((Student(f"s{i}", f"ssh://{name}", name=HOSTILE), result))
    down = host_error("ssh://lab-9", f"lab-9 is unreachable: {HOSTILE}", 100)
    return [*entries, (Student("down", "ssh://lab-9"), down), (Student("later", "x"), None)]


class Proxy:
    """A proxy on loopback that answers nothing and records the first line of each request."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.requests: list[str] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    first = connection.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    first = b"?"
                self.requests.append(first.decode("latin-1"))
                connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self.server.close()

    @property
    def from_pages(self) -> list[str]:
        """The requests not made by the browser for itself: even with every flag above,
        chromium asks Google's services for the time, component updates and accounts (and
        may open a connection it never uses: no request line, nothing asked)."""
        requests = [r for r in self.requests if len(r.split(" ")) == 3]  # not a bare connect
        return [r for r in requests if host_of(r).rsplit(".", 2)[-2:] not in BROWSER_OWN]


BROWSER_OWN = (["google", "com"], ["googleapis", "com"], ["gstatic", "com"])


def host_of(request_line: str) -> str:
    """The host a proxy request line names: "GET http://h:80/x ..." or "CONNECT h:443 ..."."""
    target = request_line.split(" ")[1] if " " in request_line else ""
    target = target.split("://", 1)[-1]
    return target.split("/", 1)[0].rsplit(":", 1)[0]


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    listening = Proxy()
    yield listening
    listening.close()


def chromium(page: Path, tmp_path: Path, proxy: Proxy, *args: str) -> str:
    program = shutil.which("chromium")
    assert program, "chromium is missing: run scripts/setup.sh"
    profile = tmp_path / "profile"
    command = [
        program,
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--proxy-server=http://127.0.0.1:{proxy.port}",
        "--proxy-bypass-list=<-loopback>",  # loopback too goes through the proxy
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def png_pixels(path: Path) -> bytes:
    """The decompressed image data of a PNG (filter bytes included)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, []
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            chunks.append(data[position + 8 : position + 8 + length])
        position += 12 + length
    return zlib.decompress(b"".join(chunks))


@pytest.fixture
def report(tmp_path: Path) -> Path:
    page = tmp_path / "report.html"
    page.write_text(render_class_html(class_entries(), title="week 3"), encoding="utf-8")
    return page


def test_the_dom_holds_every_student_and_score(report: Path, tmp_path: Path, proxy: Proxy):
    dom = chromium(report, tmp_path, proxy, "--dump-dom")
    for student, result in class_entries():
        assert f'id="s-{student.id}"' in dom
        if result is not None and result.has_grade:
            assert f'<td data-value="{result.score:g}">{result.score:g}</td>' in dom
    # the file's own script ran (its hash is in the policy) and sorted nothing yet
    assert dom.count('<tr data-status="') == 7
    # host strings are text: their <script> and <img> never became elements
    assert "pwned" not in dom.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<img" not in dom and dom.count("<script>") == 1
    assert HOSTILE.replace("<", "&lt;").replace(">", "&gt;") in dom
    assert proxy.from_pages == []


def test_no_request_leaves_the_file_and_the_proxy_would_see_one(
    report: Path, tmp_path: Path, proxy: Proxy
) -> None:
    chromium(report, tmp_path, proxy, "--dump-dom", "--virtual-time-budget=3000")
    assert proxy.from_pages == []
    # the same browser, on a page that does load something: the proxy sees it
    control = tmp_path / "control.html"
    control.write_text('<img src="http://labgrade.invalid/leak.png">', encoding="utf-8")
    chromium(control, tmp_path, proxy, "--dump-dom", "--virtual-time-budget=3000")
    assert [host_of(r) for r in proxy.from_pages] == ["labgrade.invalid"], proxy.requests


def test_a_phone_sized_screenshot_is_not_blank(report: Path, tmp_path: Path, proxy: Proxy):
    shot = tmp_path / "phone.png"
    chromium(report, tmp_path, proxy, f"--screenshot={shot}", "--window-size=390,844")
    pixels = png_pixels(shot)
    assert len(set(pixels)) > 32, "the screenshot is (nearly) one colour"
    assert proxy.from_pages == []
