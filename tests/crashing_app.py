"""bptui with its `n` key raising: what a crash leaves behind (tests/test_hostile_terminal.py).

Run as a script: `python tests/crashing_app.py [bptui arguments]`.
"""

from __future__ import annotations

import sys

from bptui.app.debugger import DebuggerScreen
from bptui.cli import main


def crash(self: DebuggerScreen) -> None:
    raise RuntimeError("a deliberate crash for the test")


if __name__ == "__main__":
    DebuggerScreen.action_next = crash  # type: ignore[method-assign]
    sys.exit(main(sys.argv[1:]))
