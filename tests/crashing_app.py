"""bptui with its `n` key raising: what a crash leaves behind (tests/test_hostile_terminal.py).

Run as a script: `python tests/crashing_app.py [--in-a-worker] [bptui arguments]` (the
error raised in a thread worker's function, as the norms plot's replay once did).
"""

from __future__ import annotations

import sys

from bptui.app.debugger import DebuggerScreen
from bptui.cli import main


def crash(self: DebuggerScreen) -> None:
    raise RuntimeError("a deliberate crash for the test")


def crash_in_a_worker(self: DebuggerScreen) -> None:
    def fail() -> None:
        raise RuntimeError("a deliberate crash in a worker")

    self.run_worker(fail, thread=True)


if __name__ == "__main__":
    in_worker = sys.argv[1:2] == ["--in-a-worker"]
    DebuggerScreen.action_next = crash_in_a_worker if in_worker else crash  # type: ignore[method-assign]
    sys.exit(main(sys.argv[1 + in_worker :]))
