"""Test settings shared by every test: a clean environment for the app."""

from __future__ import annotations

import os

import pytest

for variable in ("NO_COLOR", "TEXTUAL_THEME", "FORCE_COLOR"):
    os.environ.pop(variable, None)


@pytest.fixture
def mazur():
    from bptui.engine.loader import load_network

    return load_network("mazur")
