"""`python -m bptui` runs the `bptui` command."""

from __future__ import annotations

import sys

from bptui.cli import main

if __name__ == "__main__":
    sys.exit(main())
