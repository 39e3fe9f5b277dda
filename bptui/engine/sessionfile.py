"""What marks a file as a saved session, without importing numpy (error paths stay fast)."""

from __future__ import annotations

from bptui.engine.source import SESSION_FORMAT, SESSION_SUFFIX

FORMAT = SESSION_FORMAT
VERSION = 2  # 2: a `predict` table (predict mode's answers); a file without one is written as 1
SUFFIX = SESSION_SUFFIX
