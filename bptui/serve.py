"""`bptui serve`: the debugger in a web browser, through textual-serve.

Each browser tab that opens the page gets a debugger of its own: textual-serve starts
`python -m bptui NET` for it with Textual's web driver (stdin and stdout are its pipes, not a
terminal: `bptui.cli.cmd_app` lets that driver through) and relays the screen and the keys over a
websocket. The server listens on the loopback address unless told otherwise; on any other
address it warns that anyone who can reach it can use the debugger (and save and export files as
the user running it, in its current directory).

Beyond textual-serve's own server this one: builds the page's URLs from the address the browser
used (so that `--host 0.0.0.0` serves other machines), refuses a page or websocket whose Host
names another site while it listens on the loopback address and a websocket opened by a page of
another origin (a web page elsewhere cannot drive the debugger through the user's browser), keeps
a terminal size within MAX_COLUMNS × MAX_ROWS, serves the page without fetching a font from the
internet, and on SIGINT, SIGTERM or SIGHUP quits every debugger it started before it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import re
import shlex
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from bptui.engine.errors import BptuiError, one_line

MAX_COLUMNS = 500
MAX_ROWS = 200
QUIT_SECONDS = 3.0  # a debugger that has not quit by then is killed
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def parse_host(text: str) -> str:
    """An address to listen on: an IP address (IPv6 with or without brackets) or `localhost`
    (names are not looked up: a bind address is a local matter)."""
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host.lower() == "localhost":
        return "localhost"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise BptuiError(
            f"--host: expected an IP address (127.0.0.1, ::1, 0.0.0.0) or localhost, "
            f"found {one_line(text)!r}"
        ) from None


def is_loopback(host: str) -> bool:
    return host == "localhost" or ipaddress.ip_address(host).is_loopback


def url(host: str, port: int) -> str:
    """The address to give a browser: a wildcard address is this machine's name."""
    if host in ("0.0.0.0", "::"):
        host = socket.gethostname()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def app_command(net: str, precision: int, theme: str) -> str:
    """The shell command textual-serve runs for each browser: this Python's bptui on NET (a
    preset's name as it is, a file by its absolute path)."""
    return "exec " + shlex.join(
        [sys.executable, "-m", "bptui", net, "--precision", str(precision), "--theme", theme]
    )


def _page(templates: Path) -> str:
    """textual-serve's page, with its font from the package instead of a font service."""
    page = (templates / "app_index.html").read_text("utf-8")
    local = (
        "<style>@font-face { font-family: 'Roboto Mono'; "
        "src: url('{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf'); }</style>"
    )
    return re.sub(r'<link\s[^>]*href="https://fonts\.googleapis\.com[^>]*>', local, page)


def serve(net: str, host: str, port: int, precision: int, theme: str) -> int:
    """Serve until a signal; the exit status: 0 after SIGINT (Ctrl+C), 128 + N after SIGTERM
    or SIGHUP (as the app's)."""
    command = app_command(net, precision, theme)
    server = _server_class()(command, host, port, title=f"bptui · {Path(net).name}")
    logging.basicConfig(level=logging.WARNING, format="bptui serve: %(message)s")
    logging.getLogger("aiohttp.server").addFilter(BadRequestInOneLine())
    return asyncio.run(server.run(net))


class BadRequestInOneLine(logging.Filter):
    """A malformed request (a line over 8,190 bytes, `HTTP/9.9`...) is answered 400 by aiohttp,
    which logs it with its traceback: here it is one line (the server goes on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and type(error).__module__.startswith("aiohttp.http_"):
            peer = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            reason = " ".join(str(getattr(error, "message", error)).split())
            reason = re.sub(r":? (bytearray\()?b'.*", "", reason)  # (not the bytes it got)
            if len(reason) > 160:
                reason = reason[:159] + "…"
            record.msg, record.args = "a bad request from %s, answered 400: %s", (peer, reason)
            record.exc_info = record.exc_text = None
        return True


def _server_class():
    """The server (textual-serve and aiohttp are imported only to serve)."""
    import aiohttp_jinja2
    import jinja2
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class BoundedAppService(AppService):
        async def set_terminal_size(self, width: int, height: int) -> None:
            await super().set_terminal_size(_clamp(width, MAX_COLUMNS), _clamp(height, MAX_ROWS))

    class BptuiServer(Server):
        def __init__(self, command: str, host: str, port: int, title: str) -> None:
            super().__init__(command, host=host, port=port, title=title)
            self.services: set[AppService] = set()

        async def _make_app(self) -> web.Application:
            app = web.Application()
            loader = jinja2.DictLoader({"app_index.html": _page(self.templates_path)})
            aiohttp_jinja2.setup(app, loader=loader)
            app.add_routes(
                [
                    web.get("/", self.handle_index, name="index"),
                    web.get("/ws", self.handle_websocket, name="websocket"),
                    web.get("/download/{key}", self.handle_download, name="download"),
                    web.static("/static", self.statics_path, name="static"),
                ]
            )
            return app

        def _check_host(self, request: web.Request) -> None:
            """Listening on the loopback address, only a page asked for by a loopback name is
            served (a site whose name resolves to 127.0.0.1, DNS rebinding, is refused)."""
            if not is_loopback(self.host):
                return
            name = re.sub(r":\d+$", "", request.host).strip("[]").lower()
            if name not in LOOPBACK_NAMES and not name.startswith("127."):
                raise web.HTTPForbidden(text="bptui serve answers only to this machine's names")

        @aiohttp_jinja2.template("app_index.html")
        async def handle_index(self, request: web.Request) -> dict[str, Any]:
            self._check_host(request)
            origin = f"{request.scheme}://{request.host}"
            router = request.app.router
            static = f"{origin}{router['static'].url_for(filename='/')}".rstrip("/") + "/"
            websocket = "ws" + f"{origin}{router['websocket'].url_for()}"[len("http") :]
            return {
                "font_size": _clamp(_number(request.query.get("fontsize"), 16), 64),
                "app_websocket_url": websocket,
                "config": {"static": {"url": static}},
                "application": {"name": self.title},
            }

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            self._check_host(request)
            origin = request.headers.get("Origin")
            if origin is not None and origin.rstrip("/") != f"{request.scheme}://{request.host}":
                raise web.HTTPForbidden(text="a page of another site cannot open the debugger")
            websocket = web.WebSocketResponse(heartbeat=15)
            if not websocket.can_prepare(request).ok:
                # (a plain GET of /ws: prepare raised, and the unprepared response left
                # aiohttp a traceback to print and no answer to give; the hostile trial)
                raise web.HTTPBadRequest(text="expected a websocket upgrade")
            width = _clamp(_number(request.query.get("width"), 80), MAX_COLUMNS)
            height = _clamp(_number(request.query.get("height"), 24), MAX_ROWS)
            service: AppService | None = None
            try:
                await websocket.prepare(request)
                service = BoundedAppService(
                    self.command,
                    write_bytes=websocket.send_bytes,
                    write_str=websocket.send_str,
                    close=websocket.close,  # type: ignore[arg-type]  # (its result unused)
                    download_manager=self.download_manager,
                    debug=self.debug,
                )
                self.services.add(service)
                await service.start(width, height)
                await self._process_messages(websocket, service)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # (a browser gone mid-message: logged, not fatal)
                logging.getLogger("textual-serve").warning("connection ended: %s", error)
            finally:
                if service is not None:
                    await _quit(service)
                    self.services.discard(service)
            return websocket

        async def run(self, net: str) -> int:
            runner = web.AppRunner(await self._make_app(), access_log=None, shutdown_timeout=5)
            await runner.setup()
            site = web.TCPSite(runner, self.host, self.port)
            try:
                await site.start()
            except OSError as error:
                await runner.cleanup()
                # (asyncio's message repeats the address: the reason alone, by its errno)
                reason = os.strerror(error.errno) if error.errno else str(error)
                address = f"[{self.host}]" if ":" in self.host else self.host
                raise BptuiError(
                    f"cannot listen on {address}:{self.port}: {one_line(reason)}"
                ) from None
            received: list[int] = []
            stop = asyncio.Event()

            def on_signal(signum: int) -> None:
                received.append(signum)
                stop.set()

            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(signum, on_signal, int(signum))
            print(
                f"bptui: serving {net} on {url(self.host, self.port)} "
                "(each browser tab gets a debugger of its own; Ctrl+C stops)",
                flush=True,
            )
            try:
                await stop.wait()
            finally:
                await asyncio.gather(*(_quit(service) for service in list(self.services)))
                await runner.cleanup()
            return 0 if received[0] == signal.SIGINT else 128 + received[0]

    return BptuiServer


async def _quit(service) -> None:
    """Ask a debugger to quit; kill it if it has not within QUIT_SECONDS."""
    try:
        await asyncio.wait_for(asyncio.shield(service.stop()), QUIT_SECONDS)
    except (asyncio.TimeoutError, Exception):
        process = getattr(service, "_process", None)
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(process.wait(), QUIT_SECONDS)


def _number(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _clamp(value: int, high: int) -> int:
    return max(1, min(value, high))
