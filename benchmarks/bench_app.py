"""Benchmarks of the bptui app, in real terminals (tmux) and in-process (Textual's Pilot).

Run: .venv/bin/python benchmarks/bench_app.py  (about a minute; needs tmux)
     --only tmux | keys | start | inprocess   runs a part;  --presses N  changes the 30 key presses

Each figure is measured and printed beside its target (nothing is asserted):

1. Key to settled screen, in tmux at 120×40: `n` pressed 30 times, one at a time. For each
   press, the time from send-keys to the first capture of the screen that then stays still for
   150 ms (captures every 0.5 ms, with their attributes: `capture-pane -e`). The median for
   `bptui` (Mazur's net) against benchmarks/minimal_app.py (Header, Static, Footer); target
   ratio <= 2. The same for `bptui benchmarks/net-16-32-32-10.json` at 160×50 against the
   minimal app at 160×50. The two programs run side by side in two terminals and are
   pressed in turn, so that the machine's slow spells (this VM has them) weigh on both.
2. Start to the first complete frame: from launching the command in the tmux pane
   (respawn-pane) to the first capture showing the whole first screen (bptui: the status
   line, every label w1..w8 with its value, the step panel on net_h1 with its value, every row
   of the parameter table, the plot's axes, the footer; the minimal app: the Static and the
   footer). Median of 7 launches after one untimed warm-up, the programs launched in turn;
   target: bptui <= 1.3 × the minimal app importing numpy. The panes' Pythons keep their
   bytecode in a temporary PYTHONPYCACHEPREFIX (filled by the warm-up), as an installed bptui
   has its .pyc files; the same figures without bytecode for bptui's modules (this sandbox's
   PYTHONDONTWRITEBYTECODE=1) are printed for reference.
3. In-process, `app.run_test(size=(120, 40))`: 10,000 Mazur epochs run in the app, from
   `screen.start_run(10_000)` to `app.workers.wait_for_complete()` plus one `pilot.pause()`
   (target <= 1 s); going to 20 seeded random epochs of them: from `screen.go(e, 0)` to the
   end of the next frame the screen renders (median and max, target <= 50 ms; the same with
   Pilot's `pause()`, which waits until the process is idle, is printed too); RSS growth over
   `start_run(100_000)` in a fresh process (target <= 50 MB).
4. Esc during a go-to of 10,000,000 epochs (tanh-2332, computed in a background worker): from
   the key to the first frame rendered after the worker's end, 10 tries, quiet and with a busy
   process beside; target <= 200 ms (`--only cancel`).
5. A 100,000-epoch Mazur session (History.extend, positioned on the last step of epoch
   100,000): `save_session` and `load_session` times, and the reopened app's first frame
   in-process (`run_test` entered plus one `pilot.pause()`); target: save <= 1 s and
   reopen (load + first frame) <= 1 s.

The terminals: a private tmux server (its own socket, unique session names, killed at exit)
driven through one control-mode client, so that a plain capture costs ~0.1 ms (a styled
120×40 one ~0.4 ms) instead of the ~3 ms of a `tmux capture-pane` process.
TERM=tmux-256color, COLORTERM=truecolor. Times are taken when the capture's answer arrives
(the screen was there by then), so they are late by at most the 0.5 ms poll plus a capture's
own ~0.4 ms. (Polls 2 ms apart rounded every time up to the next capture, ~2.4 ms apart: as
long as the minimal app's whole response.) In-process parts run in child processes (fresh
memory for the RSS figures).

bench_big.py imports the tmux helpers from here.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import io
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
BPTUI = str(Path(sys.executable).with_name("bptui"))
MINIMAL = HERE / "minimal_app.py"
NET_16 = HERE / "net-16-32-32-10.json"

POLL = 0.0005  # seconds between captures
STILL = 0.150  # a screen is settled once unchanged for this long
PRESS_TIMEOUT = 10.0
START_TIMEOUT = 30.0
LAUNCHES = 7


# ---------------------------------------------------------------------------------------------
# Reporting


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER TARGET"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def ratio_line(label: str, ours: float, ref_label: str, ref: float, target: float) -> str:
    ratio = ours / ref
    return (
        f"{label} {ms(ours)} vs {ref_label} {ms(ref)}: ratio {ratio:.2f} "
        f"(target <= {target:g}) {verdict(ratio <= target)}"
    )


def limit_line(label: str, value: float, target: float, unit: str = "s") -> str:
    if unit == "s":
        shown, limit = ms(value), ms(target)
    else:
        shown, limit = f"{value:.1f} {unit}", f"{target:g} {unit}"
    return (
        f"{label} {shown}: ratio {value / target:.2f} to the target (<= {limit}) "
        f"{verdict(value <= target)}"
    )


def load() -> str:
    """The load average: other work on the machine skews every figure here."""
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def spread(values: Sequence[float]) -> str:
    return (
        f"[n={len(values)}, min {ms(min(values))}, median {ms(statistics.median(values))}, "
        f"max {ms(max(values))}]"
    )


# ---------------------------------------------------------------------------------------------
# A private tmux server, driven through a control-mode client


_SERVERS: list[Tmux] = []
_PYCACHE: list[str] = []  # the bytecode cache of the panes' Pythons (removed at exit)


def pycache() -> str:
    """A bytecode cache for the programs under test, filled by the first (warm-up) launch.

    This sandbox sets PYTHONDONTWRITEBYTECODE=1 and bptui's own modules have no .pyc, so every
    launch would compile them; an installed bptui has its .pyc files. PYTHONPYCACHEPREFIX
    keeps them out of the source tree."""
    if not _PYCACHE:
        _PYCACHE.append(tempfile.mkdtemp(prefix="bptui-bench-pyc-"))
    return _PYCACHE[0]


def _cleanup() -> None:
    for server in list(_SERVERS):
        server.close()
    for directory in _PYCACHE:
        shutil.rmtree(directory, ignore_errors=True)
    _PYCACHE.clear()


def _on_signal(signum, frame) -> None:
    _cleanup()
    sys.exit(128 + signum)


atexit.register(_cleanup)
for _sig in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


class Tmux:
    """One tmux server on its own socket with one session of width × height, whose pane runs
    the commands to measure; commands go through a control-mode client (no process each)."""

    def __init__(self, width: int, height: int) -> None:
        tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.socket = f"bptui-bench-{tag}"
        self.session = f"bench-{tag}"
        self.target = f"={self.session}:"
        self.width, self.height = width, height
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("NO_COLOR", "TMUX", "TMUX_PANE", "PYTHONDONTWRITEBYTECODE")
            and not k.startswith("TEXTUAL")
        }
        env["COLORTERM"] = "truecolor"
        env["PYTHONPYCACHEPREFIX"] = pycache()
        self._base = ["tmux", "-L", self.socket, "-f", "/dev/null"]
        _SERVERS.append(self)
        self._client: subprocess.Popen | None = None
        self._socket_path = ""
        subprocess.run(
            [
                *self._base,
                "new-session",
                "-d",
                "-s",
                self.session,
                "-x",
                str(width),
                "-y",
                str(height),
                "-c",
                str(ROOT),
                "sleep 1000000",
            ],
            env=env,
            check=True,
        )
        subprocess.run([*self._base, "set-option", "-g", "window-size", "manual"], check=True)
        self._client = subprocess.Popen(
            [*self._base, "-C", "attach-session", "-t", self.target],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
            env=env,
        )
        assert self._client.stdout is not None
        # stdin stays unbuffered (each command goes at once); the replies are read through a
        # buffer: an unbuffered readline() reads one byte per system call, ~5 ms for a styled
        # 120×40 capture, which would time the benchmark rather than the app.
        self._replies = io.BufferedReader(self._client.stdout, buffer_size=1 << 16)
        self._read_block()  # the attach's own reply
        self._socket_path = self.command("display-message -p '#{socket_path}'")[0]
        self.command("refresh-client -f no-output")
        self.command("set-option -g default-terminal tmux-256color")
        self.command(f"set-option -t {self.target} remain-on-exit on")
        size = self.command(
            f"display-message -p -t {self.target} '#{{window_width}}x#{{window_height}}'"
        )
        if size != [f"{width}x{height}"]:
            raise RuntimeError(f"tmux window is {size}, wanted {width}x{height}")

    # -- the control client -----------------------------------------------------------------
    def _read_block(self) -> list[str]:
        out: list[str] = []
        number = None
        while True:
            raw = self._replies.readline()
            if not raw:
                raise RuntimeError("the tmux control client closed")
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if number is None:
                if line.startswith("%begin "):
                    number = line.split()[2]
                continue  # notifications between replies
            if line.startswith(("%end ", "%error ")) and line.split()[2] == number:
                if line.startswith("%error "):
                    raise RuntimeError(f"tmux: {' '.join(out)}")
                return out
            out.append(line)

    def command(self, text: str) -> list[str]:
        assert self._client is not None and self._client.stdin is not None
        self._client.stdin.write(text.encode() + b"\n")
        return self._read_block()

    # -- the pane ---------------------------------------------------------------------------
    def capture(self, styled: bool = True) -> str:
        """The screen; with `styled`, colours and attributes too (capture-pane -e)."""
        flags = "-p -e" if styled else "-p"
        return "\n".join(self.command(f"capture-pane {flags} -t {self.target}"))

    def launch(self, argv: Sequence[str]) -> float:
        """Start argv in the pane (the screen is reset); returns the time it was sent."""
        line = " ".join(argv)
        if "'" in line:
            raise ValueError("no single quotes in benchmark commands")
        start = time.perf_counter()
        self.command(f"respawn-pane -k -c {ROOT} -t {self.target} '{line}'")
        return start

    def dead(self) -> bool:
        return self.command(f"display-message -p -t {self.target} '#{{pane_dead}}'") == ["1"]

    def send(self, key: str) -> float:
        start = time.perf_counter()
        self.command(f"send-keys -t {self.target} {key}")
        return start

    def send_hex(self, data: bytes) -> None:
        """Raw bytes into the pane (a mouse report, say)."""
        self.command(f"send-keys -t {self.target} -H {' '.join(f'{b:02x}' for b in data)}")

    def click(self, x: int, y: int) -> None:
        """A left click at 0-based cell (x, y), as an SGR mouse report."""
        self.send_hex(f"\x1b[<0;{x + 1};{y + 1}M".encode())
        self.send_hex(f"\x1b[<0;{x + 1};{y + 1}m".encode())

    # -- waiting ----------------------------------------------------------------------------
    def wait_for(
        self, ready: Callable[[str], bool], start: float, timeout: float = START_TIMEOUT
    ) -> tuple[float, str]:
        """Poll plain captures until `ready(screen)`; (seconds since start, screen)."""
        while True:
            screen = self.capture(styled=False)
            now = time.perf_counter()
            if ready(screen):
                return now - start, screen
            if now - start > timeout:
                raise TimeoutError(f"no complete screen after {timeout:g} s; last:\n{screen}")
            time.sleep(POLL)

    def settle(
        self, start: float, before: str | None, timeout: float = PRESS_TIMEOUT
    ) -> tuple[float, str]:
        """Poll until the screen has been still for STILL; returns the time from `start` to the
        first capture of that final screen, and the screen. `before`: the screen before the
        action; the final screen must differ from it."""
        last, since = before, None
        while True:
            screen = self.capture()
            now = time.perf_counter()
            if screen != last:
                last, since = screen, now
            elif since is not None and now - since >= STILL:
                return since - start, screen
            if now - start > timeout:
                what = "did not change" if since is None else "never stayed still"
                raise TimeoutError(f"the screen {what} within {timeout:g} s")
            time.sleep(POLL)

    def press(self, key: str) -> float:
        """Press `key` on a settled screen: the key-to-settled time."""
        before = self.capture()
        start = self.send(key)
        seconds, _ = self.settle(start, before)
        return seconds

    def quiet(self, seconds: float = 0.5) -> str:
        """Wait until the screen has not changed for `seconds`."""
        last, since = None, time.perf_counter()
        while True:
            screen = self.capture()
            now = time.perf_counter()
            if screen != last:
                last, since = screen, now
            elif now - since >= seconds:
                return screen
            time.sleep(0.01)

    def stop(self, quit_key: str = "q", timeout: float = 10.0) -> None:
        """Quit the pane's program (kill it if it does not quit)."""
        if self.dead():
            return
        self.send(quit_key)
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            if self.dead():
                return
            time.sleep(0.01)
        self.command(f"respawn-pane -k -t {self.target} 'true'")

    def close(self) -> None:
        """Kill the server (and the pane's program with it) and remove its socket."""
        if self in _SERVERS:
            _SERVERS.remove(self)
        client, self._client = self._client, None
        if client is not None and client.stdin is not None:
            with contextlib.suppress(OSError):
                client.stdin.close()  # the control client detaches
        subprocess.run(
            [*self._base, "kill-server"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        if client is not None:
            try:
                client.wait(timeout=5)
            except subprocess.TimeoutExpired:
                client.kill()
                client.wait()
        if self._socket_path:
            Path(self._socket_path).unlink(missing_ok=True)

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# What a complete first screen shows


def all_of(*patterns: str) -> Callable[[str], bool]:
    compiled = [re.compile(p, re.MULTILINE) for p in patterns]

    def ready(screen: str) -> bool:
        return all(p.search(screen) for p in compiled)

    return ready


MAZUR_WEIGHTS = {
    "w1": "0.15",
    "w2": "0.2",
    "w3": "0.25",
    "w4": "0.3",
    "w5": "0.4",
    "w6": "0.45",
    "w7": "0.5",
    "w8": "0.55",
}
MAZUR_PARAMS = {**MAZUR_WEIGHTS, "b1": "0.35", "b2": "0.6"}
FIRST_ROWS = {name: MAZUR_PARAMS[name] for name in ("w1", "w2", "w3", "w4")}  # (on show first)

BPTUI_FIRST = all_of(
    r"bptui · Mazur 2-2-2 · epoch 1 · FORWARD · step 1 of 51",  # the status line
    *(rf"(?<![\w.]){w} {re.escape(v)}(?!\d)" for w, v in MAZUR_WEIGHTS.items()),  # the labels
    r"Current step",
    r"│ net_h1 ",
    r"= 0\.3775 ",  # the step panel
    *(rf"│.{p} +{re.escape(v)} " for p, v in FIRST_ROWS.items()),  # the table's first rows
    r"┤",
    r"└┬",  # the plot's axes
    r"q Quit",  # the footer
)
MINIMAL_FIRST = all_of(r"^step=0 *$", r"n Next", r"q Quit")


# ---------------------------------------------------------------------------------------------
# 1. Key to settled screen


def open_settled(tmux: Tmux, argv: Sequence[str], ready: Callable[[str], bool]) -> None:
    start = tmux.launch(argv)
    tmux.wait_for(ready, start)
    tmux.quiet(0.5)


def key_times_interleaved(
    size: tuple[int, int],
    ours: tuple[Sequence[str], Callable[[str], bool]],
    ref: tuple[Sequence[str], Callable[[str], bool]],
    key: str,
    presses: int,
) -> tuple[list[float], list[float]]:
    """Key-to-settled times of two programs open side by side in two terminals of `size`,
    pressed in turn (ours, ref, ours, ...): a slow spell of the machine then weighs on both
    alike, and the ratio of the medians stays the ratio of the programs."""
    with Tmux(*size) as ours_tmux, Tmux(*size) as ref_tmux:
        open_settled(ours_tmux, *ours)
        open_settled(ref_tmux, *ref)
        ours_times, ref_times = [], []
        for _ in range(presses):
            ours_times.append(ours_tmux.press(key))
            ref_times.append(ref_tmux.press(key))
        ours_tmux.stop()
        ref_tmux.stop()
    return ours_times, ref_times


def bench_keys(presses: int) -> None:
    minimal = ([PYTHON, str(MINIMAL)], MINIMAL_FIRST)
    ours, ref = key_times_interleaved((120, 40), ([BPTUI], BPTUI_FIRST), minimal, "n", presses)
    print(
        ratio_line(
            "bptui (mazur, 120x40) key n->settled median",
            statistics.median(ours),
            "minimal",
            statistics.median(ref),
            2.0,
        )
    )
    print(f"    bptui {spread(ours)}; minimal {spread(ref)}")

    net16_first = all_of(
        r"bptui · 16-32-32-10 · epoch 1 · sample 1/4 · FORWARD · step 1 of ",
        r"\(i1\)",
        r"\(o10\)",
        r"Current step",
        r"│ net_h1_1 ",
        r"│▶w\d+ +\S+ +· ",
        r"└┬",
        r"q Quit",
    )
    ours, ref = key_times_interleaved(
        (160, 50), ([BPTUI, str(NET_16)], net16_first), minimal, "n", presses
    )
    print(
        ratio_line(
            "bptui (16-32-32-10, 160x50) key n->settled median",
            statistics.median(ours),
            "minimal",
            statistics.median(ref),
            2.0,
        )
    )
    print(f"    bptui {spread(ours)}; minimal {spread(ref)}")


# ---------------------------------------------------------------------------------------------
# 2. Start to the first complete frame


def start_times(
    tmux: Tmux, argv: Sequence[str], ready: Callable[[str], bool], launches: int = LAUNCHES
) -> list[float]:
    """The first launch warms the caches and is not counted."""
    times = []
    for k in range(launches + 1):
        start = tmux.launch(argv)
        seconds, _ = tmux.wait_for(ready, start)
        if k:
            times.append(seconds)
        tmux.stop()
    return times


NO_BYTECODE = ["env", "-u", "PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE=1"]


def start_times_interleaved(
    tmux: Tmux, programs: Sequence[tuple[Sequence[str], Callable[[str], bool]]]
) -> list[list[float]]:
    """Start times of several programs launched in turn (one warm-up launch each, not
    counted), so that the machine's slow spells weigh on all of them alike."""
    times: list[list[float]] = [[] for _ in programs]
    for k in range(LAUNCHES + 1):
        for n, (argv, ready) in enumerate(programs):
            start = tmux.launch(argv)
            seconds, _ = tmux.wait_for(ready, start)
            if k:
                times[n].append(seconds)
            tmux.stop()
    return times


def bench_start() -> None:
    minimal = [PYTHON, str(MINIMAL)]
    with Tmux(120, 40) as tmux:
        bare, ref, ours, ref_nb, ours_nb = start_times_interleaved(
            tmux,
            [
                (minimal, MINIMAL_FIRST),
                ([*minimal, "--numpy"], MINIMAL_FIRST),
                ([BPTUI], BPTUI_FIRST),
                ([*NO_BYTECODE, *minimal, "--numpy"], MINIMAL_FIRST),
                ([*NO_BYTECODE, BPTUI], BPTUI_FIRST),
            ],
        )
    print(
        ratio_line(
            "bptui (mazur, 120x40) start->first complete frame median",
            statistics.median(ours),
            "minimal+numpy",
            statistics.median(ref),
            1.3,
        )
    )
    print(
        f"    bptui {spread(ours)}; minimal+numpy {spread(ref)}; minimal without numpy "
        f"{spread(bare)}"
    )
    print(
        "    (as this sandbox runs it, PYTHONDONTWRITEBYTECODE=1, bptui's modules compiled "
        f"at every launch: bptui {ms(statistics.median(ours_nb))} vs minimal+numpy "
        f"{ms(statistics.median(ref_nb))}, ratio "
        f"{statistics.median(ours_nb) / statistics.median(ref_nb):.2f})"
    )


# ---------------------------------------------------------------------------------------------
# In-process (child processes)


def rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def child(part: str) -> None:
    """Run one in-process part in a fresh interpreter (its output goes to ours)."""
    sys.stdout.flush()
    subprocess.run([PYTHON, __file__, "--child", part], check=False, cwd=ROOT)


async def part_run10k() -> None:
    from bptui.app.app import BptuiApp
    from bptui.app.debugger import DebuggerScreen
    from bptui.engine.loader import load_network

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        start = time.perf_counter()
        screen.start_run(10_000)
        await app.workers.wait_for_complete()
        await pilot.pause()
        seconds = time.perf_counter() - start
        where = f"ends at epoch {screen.epoch:,}, {screen.history.epochs_done:,} done"
        print(
            limit_line(f"in-app run of 10,000 mazur epochs (plot included; {where})", seconds, 1.0)
        )

        # The time from go() to the end of the next frame the screen renders (the frame
        # showing the new epoch), through a wrapper around the screen's compositor refresh.
        rendered = asyncio.Event()
        refresh = screen._compositor_refresh

        def refresh_and_tell() -> None:
            refresh()
            rendered.set()

        screen._compositor_refresh = refresh_and_tell
        rng = random.Random(10_000)
        epochs = [rng.randint(1, 10_000) for _ in range(20)]
        to_frame, with_pause = [], []
        for epoch in epochs:
            await pilot.pause()
            rendered.clear()
            start = time.perf_counter()
            screen.go(epoch, 0)
            await asyncio.wait_for(rendered.wait(), 5.0)
            to_frame.append(time.perf_counter() - start)
            await pilot.pause()
            with_pause.append(time.perf_counter() - start)
            assert screen.position == (epoch, 0)
        print(
            limit_line(
                "go to a random epoch of 10,000: go() to its frame rendered, median",
                statistics.median(to_frame),
                0.050,
            )
            + f"; max {ms(max(to_frame))} ({verdict(max(to_frame) <= 0.050)}); "
            f"with Pilot's pause after it (idle wait): median {ms(statistics.median(with_pause))}"
            f", max {ms(max(with_pause))}"
        )


async def part_memory100k() -> None:
    from bptui.app.app import BptuiApp
    from bptui.app.debugger import DebuggerScreen
    from bptui.engine.loader import load_network

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        before, _ = rss_mb()
        start = time.perf_counter()
        screen.start_run(100_000)
        await app.workers.wait_for_complete()
        await pilot.pause()
        seconds = time.perf_counter() - start
        after, peak = rss_mb()
        print(
            limit_line(
                "RSS growth over an in-app run of 100,000 mazur epochs", after - before, 50.0, "MB"
            )
            + f" (RSS {before:.1f} -> {after:.1f} MB, peak {peak:.1f} MB; "
            f"the run took {seconds:.2f} s, ends at epoch {screen.epoch:,})"
        )


async def first_frame(app, size: tuple[int, int]) -> tuple[float, str]:
    """Seconds from entering run_test to after the first pause, and where the screen is."""
    from bptui.app.debugger import DebuggerScreen

    start = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        seconds = time.perf_counter() - start
        screen = app.screen
        where = (
            f"at epoch {screen.epoch:,}, step {screen.index + 1}"
            if isinstance(screen, DebuggerScreen)
            else f"on {type(screen).__name__}"
        )
        await pilot.press("q")
    return seconds, where


async def part_session() -> None:
    from bptui.app.app import BptuiApp
    from bptui.engine.history import History
    from bptui.engine.loader import load_network
    from bptui.engine.session import Session, load_session, save_session

    epochs = 100_000
    history = History(load_network("mazur"))
    start = time.perf_counter()
    history.extend(epochs)
    extend = time.perf_counter() - start
    last = len(history.trace(epochs)) - 1
    session = Session(
        history,
        epoch=epochs,
        index=last,
        message=f"after epoch {epochs:,}: loss {history.loss_after(epochs)}",
    )
    fresh, _ = await first_frame(BptuiApp(load_network("mazur")), (120, 40))
    with tempfile.TemporaryDirectory(prefix="bptui-bench-") as directory:
        path = Path(directory) / "mazur-100k.bptui"
        start = time.perf_counter()
        save_session(session, path)
        save = time.perf_counter() - start
        size = path.stat().st_size
        start = time.perf_counter()
        loaded = load_session(path)
        load = time.perf_counter() - start
        app = BptuiApp(session=loaded, session_path=str(path))
        frame, where = await first_frame(app, (120, 40))
    print(limit_line(f"save a 100,000-epoch mazur session ({size / 1e6:.1f} MB file)", save, 1.0))
    print(
        limit_line(
            f"reopen it: load_session {ms(load)} + first frame in-process "
            f"{ms(frame)} (shows {where}) =",
            load + frame,
            1.0,
        )
        + f"; a fresh app's first frame in-process: {ms(fresh)}; "
        f"History.extend(100,000) took {extend:.2f} s"
    )


async def cancel_times() -> tuple[list[float], int]:
    """Seconds from Esc to the first frame rendered after the worker's end, 10 tries, and the
    epochs computed meanwhile."""
    from bptui.app.app import BptuiApp
    from bptui.app.debugger import DebuggerScreen
    from bptui.engine.loader import load_network

    app = BptuiApp(load_network("tanh-2332"))
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        stopped: list[float] = []  # when the first frame after the worker's end was rendered
        refresh = screen._compositor_refresh

        def refresh_and_tell() -> None:
            refresh()
            if not screen.running and not stopped:
                stopped.append(time.perf_counter())

        screen._compositor_refresh = refresh_and_tell
        for _ in range(10):
            screen.move(10_000_000, 0)
            assert screen.running
            await asyncio.sleep(0.3)
            stopped.clear()
            start = time.perf_counter()
            await pilot.press("escape")  # (Pilot then waits for idle: not timed)
            while screen.running or not stopped:
                await asyncio.sleep(0.002)
            times.append(stopped[0] - start)
            assert screen.position == (1, 0)
        return times, screen.history.epochs_done


async def part_cancel() -> None:
    """Esc during a go-to of 10,000,000 epochs, quiet and with a busy process beside."""
    for loaded in (False, True):
        # a second busy process: the machine is loaded
        busy = subprocess.Popen([PYTHON, "-c", "while True: pass"]) if loaded else None
        try:
            times, done = await cancel_times()
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
        label = "with a busy process beside" if loaded else "quiet"
        print(
            limit_line(
                f"Esc during a go-to of 10,000,000 tanh-2332 epochs ({label}), median",
                statistics.median(times),
                0.200,
            )
            + f"; max {ms(max(times))} ({verdict(max(times) <= 0.200)}); "
            f"{done:,} epochs were computed in the 10 tries, {load()}"
        )


CHILD_PARTS = {
    "cancel": part_cancel,
    "run10k": part_run10k,
    "memory100k": part_memory100k,
    "session": part_session,
}


def bench_inprocess() -> None:
    for part in CHILD_PARTS:
        child(part)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("tmux", "keys", "start", "inprocess", "cancel"))
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--child", choices=tuple(CHILD_PARTS), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        asyncio.run(CHILD_PARTS[options.child]())
        return
    from importlib.metadata import version

    tmux_version = subprocess.run(["tmux", "-V"], capture_output=True, text=True).stdout.strip()
    print(
        f"python {sys.version.split()[0]}, textual {version('textual')}, {tmux_version}, "
        f"{os.cpu_count()} CPUs, {load()}"
    )
    if options.only in (None, "tmux", "keys"):
        bench_keys(options.presses)
    if options.only in (None, "tmux", "start"):
        bench_start()
    if options.only == "cancel":
        child("cancel")
    if options.only in (None, "inprocess"):
        bench_inprocess()
    print(f"({load()} at the end)")


if __name__ == "__main__":
    main()
