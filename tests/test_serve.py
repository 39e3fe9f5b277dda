"""`bptui serve`: its one-line refusals, its exit on signals, what it answers to, and the
debugger stepped in headless Chromium (Debian's `chromium`; skipped, saying why, only where it
is not installed: .ci/run installs it)."""

from __future__ import annotations

import contextlib
import http.client
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import websocket

from bptui.engine.loader import load_network
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace
from bptui.fmt import num
from tests.browser import Browser, chromium_available
from tests.screen import steps

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    # (the debuggers the server starts run `python -m bptui` from this checkout too)
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def bptui(*args: str, stdin=None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bptui", *args],
        capture_output=True,
        text=True,
        stdin=stdin,
        env=_env(),
        timeout=timeout,
    )


class Server:
    """`bptui serve ...` in a process of its own, up once it printed its address."""

    def __init__(
        self, *args: str, cwd: Path | None = None, stdin=None, group: bool = False
    ) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bptui", "serve", *args, "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=cwd,
            stdin=stdin,
            start_new_session=group,  # (a process group of its own, for a Ctrl+C)
        )
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        assert ready, "the server printed nothing in 30 s"
        self.line = self.process.stdout.readline()
        assert self.line.startswith("bptui: serving "), self.line + self.process.stderr.read()
        self.url = f"http://127.0.0.1:{self.port}"

    def children(self) -> list[int]:
        """The processes the server started (a debugger per browser tab)."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[1]) == self.process.pid:
                        found.append(int(entry))
        return found

    def stop(
        self, signum: int = signal.SIGINT, seconds: float = 10, group: bool = False
    ) -> tuple[int, float]:
        """Send `signum` (to the server's process group if `group`, as a terminal's Ctrl+C
        does); (the exit status, the seconds it took to exit)."""
        started = time.monotonic()
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)
        code = self.process.wait(timeout=seconds)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


# -- refusals, in one line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--port", "0"], "argument --port: expected a port from 1 to 65535, found 0"),
        (["--port", "65536"], "argument --port: expected a port from 1 to 65535, found 65536"),
        (["--port", "http"], "argument --port: expected a port number, found 'http'"),
        (["--host", "my laptop"], "--host: expected an IP address (127.0.0.1, ::1, 0.0.0.0)"),
        (["no-such-net"], "no-such-net: no such preset"),
    ],
)
def test_a_bad_argument_is_one_line_and_status_2(args: list[str], message: str) -> None:
    result = bptui("serve", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_a_port_in_use_is_one_line_and_status_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = bptui("serve", "--port", str(port))
    assert result.returncode == 2
    assert result.stderr == f"bptui: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_a_pipe_cannot_be_served() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bptui", "serve", "/dev/stdin"],
        input=bptui("presets", "xor").stdout,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=30,
    )
    assert result.returncode == 2
    assert "not a regular file" in result.stderr and result.stderr.count("\n") == 1


def test_a_file_given_as_dev_stdin_is_served_by_its_real_path(tmp_path: Path) -> None:
    net = tmp_path / "net.toml"
    net.write_text(bptui("presets", "xor").stdout)
    with net.open() as stdin:
        server = Server("/dev/stdin", stdin=stdin)
    try:
        assert server.line.startswith(f"bptui: serving {net} on ")
        assert server.stop()[0] == 0
    finally:
        server.kill()


def test_another_address_than_loopback_is_warned_of_in_one_line() -> None:
    """(The port is taken, so that nothing listens beyond this machine even for a moment.)"""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = bptui("serve", "--host", "0.0.0.0", "--port", str(port))
    warning, error = result.stderr.splitlines()
    assert warning == (
        f"bptui: warning: listening on 0.0.0.0, not only on this machine: anyone who can "
        f"reach port {port} can use the debugger, and save and export files as this user"
    )
    assert error == f"bptui: cannot listen on 0.0.0.0:{port}: Address already in use"
    assert result.returncode == 2


# -- signals, and what it answers to -----------------------------------------------------------


@pytest.mark.parametrize(
    "signum, code", [(signal.SIGINT, 0), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]
)
def test_a_signal_ends_it_at_once(signum: int, code: int) -> None:
    server = Server("xor")
    try:
        assert server.line == (
            f"bptui: serving xor on {server.url} "
            "(each browser tab gets a debugger of its own; Ctrl+C stops)\n"
        )
        status, seconds = server.stop(signum)
        assert (status, server.process.stderr.read()) == (code, "")
        assert seconds < 3
    finally:
        server.kill()


def _get(port: int, host: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/", headers={"Host": host})
    status = connection.getresponse().status
    connection.close()
    return status


def test_only_this_machines_names_and_pages_are_answered() -> None:
    """On loopback: a page asked for under another name (a site rebinding its name to
    127.0.0.1) is refused, and so is a websocket opened by another site's page."""
    server = Server("mazur")
    try:
        port = server.port
        assert _get(port, f"127.0.0.1:{port}") == 200
        assert _get(port, f"localhost:{port}") == 200
        assert _get(port, f"evil.example:{port}") == 403
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(
                f"ws://127.0.0.1:{port}/ws", origin="http://evil.example", timeout=10
            )
        assert refused.value.status_code == 403
        assert server.children() == []  # no debugger was started for them
        assert server.stop()[0] == 0
    finally:
        server.kill()


def test_a_malformed_request_is_answered_400_and_logged_in_one_line() -> None:
    """A request line over 8,190 bytes, `HTTP/9.9`, a header too long, TLS on the HTTP port:
    each is answered 400 and leaves one line on stderr, no traceback (aiohttp printed one for
    each; the hostile trial); the server goes on serving."""
    server = Server("mazur")
    requests = [
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: localhost\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: localhost\r\nX: " + b"b" * 9000 + b"\r\n\r\n",
    ]
    try:
        for request in requests:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
                client.sendall(request)
                assert client.recv(12) == b"HTTP/1.0 400"
        assert _get(server.port, f"127.0.0.1:{server.port}") == 200
        assert server.stop()[0] == 0
        assert server.process.stderr is not None
        lines = server.process.stderr.read().splitlines()
        assert len(lines) == len(requests), lines
        for line in lines:
            assert line.startswith("bptui serve: a bad request from 127.0.0.1, answered 400: ")
            assert "aaaa" not in line and "bbbb" not in line and len(line) < 250
    finally:
        server.kill()


def test_a_plain_get_of_the_websocket_path_is_answered_400_quietly() -> None:
    """`curl http://…/ws` had no answer, and the server printed aiohttp's traceback (the
    hostile trial)."""
    server = Server("mazur")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/ws", headers={"Host": f"127.0.0.1:{server.port}"})
        assert connection.getresponse().status == 400
        assert _get(server.port, f"127.0.0.1:{server.port}") == 200
        assert server.stop()[0] == 0
        assert server.process.stderr is not None
        assert server.process.stderr.read() == ""
    finally:
        server.kill()


# -- in a browser ------------------------------------------------------------------------------


@pytest.mark.skipif(
    not chromium_available(),
    reason="Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)",
)
@pytest.mark.parametrize("end", ["SIGINT to the server", "Ctrl+C", "kill -9", "tab closed"])
def test_stepping_in_headless_chromium(tmp_path: Path, end: str) -> None:
    """Load the page, wait for the debugger, press n three times in the page's terminal: the
    page receives step 4's symbol and value and its picture changes. SIGINT then ends the
    server and the debugger it started, with status 0, within seconds: sent to the server
    alone (`kill -INT`), or to its process group as Ctrl+C in its terminal does (the debugger
    gets it too). A server killed outright leaves no debugger behind either: each ends
    itself once its parent is gone. Closing the tab ends its debugger, and the server goes
    on."""
    state = tmp_path / "state"  # (where a debugger would write a crash report)
    os.environ["XDG_STATE_HOME"] = str(state)
    try:
        server = Server("mazur", cwd=tmp_path, group=end == "Ctrl+C")
    finally:
        del os.environ["XDG_STATE_HOME"]
    browser = None
    try:
        browser = Browser(tmp_path / "profile")
        browser.goto(server.url)
        browser.wait_for(lambda: "step 1 of" in browser.received(), what="the debugger")
        browser.wait_for(
            lambda: browser.evaluate("!!document.querySelector('.xterm-helper-textarea')"),
            what="the terminal's textarea",
        )
        browser.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        time.sleep(0.5)  # (the terminal draws what it received)
        before = browser.screenshot()
        # Textual sends what changed: step 4's symbol and value, which step 1 did not show
        symbol = steps("mazur")[3][0]
        network = load_network("mazur")
        value = num(EpochTrace(compute_epoch(network, network.params))[3].value, 9)
        shown = len(browser.received())
        assert symbol not in browser.received() and value not in browser.received()
        for _ in range(3):
            browser.type_key("n")
        browser.wait_for(
            lambda: symbol in browser.received()[shown:] and value in browser.received()[shown:],
            what=f"step 4: {symbol} = {value}",
        )
        time.sleep(0.5)
        after = browser.screenshot()
        assert before[:8] == after[:8] == b"\x89PNG\r\n\x1a\n"
        assert before != after
        (tmp_path / "before.png").write_bytes(before)
        (tmp_path / "after.png").write_bytes(after)
        children = server.children()
        assert len(children) == 1  # one debugger, for the one tab
        if end == "tab closed":
            browser.close_page()
            for pid in children:
                browser.wait_for(lambda pid=pid: _gone(pid), seconds=5, what=f"debugger {pid}")
            assert server.process.poll() is None
            assert _get(server.port, f"127.0.0.1:{server.port}") == 200
        if end == "kill -9":
            assert server.stop(signal.SIGKILL)[0] == -signal.SIGKILL
        else:
            status, seconds = server.stop(signal.SIGINT, group=end == "Ctrl+C")
            assert status == 0 and seconds < 5, (status, seconds)
            assert server.process.stderr.read() == ""
        for pid in children:
            browser.wait_for(lambda pid=pid: _gone(pid), seconds=5, what=f"debugger {pid}")
        # a debugger whose server (or tab) went away ends quietly: no crash report
        assert not list(state.rglob("crash-*")), [p.read_text() for p in state.rglob("crash-*")]
    finally:
        if browser is not None:
            browser.close()
        server.kill()
