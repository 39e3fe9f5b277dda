"""The shape of the code: no module of the engine (bptui/engine and its subpackages) is over
MAX_LINES lines, so that each one can be read as one thing."""

from __future__ import annotations

from pathlib import Path

import bptui.engine

MAX_LINES = 450
ENGINE = Path(bptui.engine.__file__).parent


def test_every_engine_module_is_at_most_max_lines() -> None:
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) > 10, modules  # the walk found the engine
    lengths = {
        path.relative_to(ENGINE).as_posix(): len(path.read_text().splitlines()) for path in modules
    }
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert not too_long, f"engine modules over {MAX_LINES} lines: {too_long}"
