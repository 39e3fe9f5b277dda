"""Headless Chromium (Debian's `chromium`), driven over its DevTools protocol from Python with
websocket-client: nothing is downloaded at test time. Every host name but the loopback
addresses resolves to nothing, so the page can reach no other machine."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import websocket

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Collects what the page's websockets receive (the terminal's output), as text, in
# window.__received: the screen is drawn on a canvas, so this is how a test reads it.
RECORDER = """
(() => {
  window.__received = "";
  const decoder = new TextDecoder();
  const Original = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new Original(...args);
    socket.addEventListener("message", (event) => {
      const data = event.data;
      if (typeof data === "string") window.__received += data;
      else if (data instanceof ArrayBuffer) window.__received += decoder.decode(data);
      else if (data && data.arrayBuffer) data.arrayBuffer().then(
        (b) => { window.__received += decoder.decode(b); });
    });
    return socket;
  };
  window.WebSocket.prototype = Original.prototype;
  Object.assign(window.WebSocket, Original);
})();
"""

_ESCAPE = re.compile(r"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


class Browser:
    """One headless Chromium with one page; `close()` ends it."""

    def __init__(self, profile: Path, width: int = 1280, height: int = 800) -> None:
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        # (no Origin header: Chromium 111 and later refuse a DevTools connection from an
        # origin it was not told to allow, and websocket-client sends one by default)
        self.socket = websocket.create_connection(
            f"ws://127.0.0.1:{port}{path}", timeout=30, suppress_origin=True
        )
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=self.target, flatten=True)[
            "sessionId"
        ]
        self.page("Page.enable")
        self.page("Runtime.enable")
        self.page("Page.addScriptToEvaluateOnNewDocument", source=RECORDER)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its answer (events that come first are kept)."""
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            answer = json.loads(self.socket.recv())
            if answer.get("id") == number:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        return self.call(method, self.session, **params)

    def evaluate(self, expression: str) -> Any:
        result = self.page("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def goto(self, url: str) -> None:
        self.page("Page.navigate", url=url)

    def received(self) -> str:
        """What the page's websockets received so far, escape sequences left out."""
        return _ESCAPE.sub("", self.evaluate("window.__received || ''") or "")

    def wait_for(self, condition, seconds: float = 30, what: str = "") -> Any:
        deadline = time.monotonic() + seconds
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {seconds} s for {what or condition}")
            time.sleep(0.1)

    def type_key(self, character: str) -> None:
        """A key press of a printable character, to whatever has focus (the terminal's
        textarea)."""
        code = f"Key{character.upper()}" if character.isalpha() else ""
        common = {"key": character, "code": code, "windowsVirtualKeyCode": ord(character.upper())}
        self.page("Input.dispatchKeyEvent", type="keyDown", text=character, **common)
        self.page("Input.dispatchKeyEvent", type="keyUp", **common)

    def screenshot(self) -> bytes:
        return base64.b64decode(self.page("Page.captureScreenshot", format="png")["data"])

    def close_page(self) -> None:
        """Close the page's tab (the browser stays)."""
        self.call("Target.closeTarget", targetId=self.target)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close")
        with contextlib.suppress(Exception):
            self.socket.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
