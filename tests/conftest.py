"""Test settings shared by every test: a clean environment for the app, deterministic
hypothesis runs, and the seeds of the random tests in the report's header."""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import settings

for variable in ("NO_COLOR", "TEXTUAL_THEME", "FORCE_COLOR"):
    os.environ.pop(variable, None)

# Every property test draws the same examples on every machine and every run: derandomized
# (unless a test gives its own @seed), and no example database to replay a past run's finds
# (a failure prints the example and how to reproduce it instead).
settings.register_profile("bptui", derandomize=True, database=None, print_blob=True)
settings.load_profile("bptui")


def pytest_report_header(config: pytest.Config) -> list[str]:
    from tests.seeds import FUZZ_SEED, OPS_SEED, WALK_SEED

    return [
        f"bptui seeds: BPTUI_FUZZ_SEED={FUZZ_SEED} BPTUI_WALK_SEED={WALK_SEED} "
        f"BPTUI_OPS_SEED={OPS_SEED} (set them to replay another run)"
    ]


@pytest.fixture
def mazur():
    from bptui.engine.loader import load_network

    return load_network("mazur")


@pytest.fixture(autouse=True)
def _toasts_stay_in_snapshots(request: pytest.FixtureRequest, monkeypatch) -> None:
    """A snapshot is the screen after its keys, however long they take: a key pressed 1.5 s
    after a toast appeared (a busy machine) dismissed a toast the picture holds."""
    if "snap_compare" in request.fixturenames:
        from bptui.app.app import BptuiApp

        monkeypatch.setattr(BptuiApp, "toast_read_seconds", math.inf)
