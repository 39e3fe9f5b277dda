"""What marks a file as a saved session, without importing numpy (error paths stay fast)."""

from __future__ import annotations

from bptui.engine.source import SESSION_FORMAT, SESSION_SUFFIX

FORMAT = SESSION_FORMAT
VERSION = 2  # 2: predict mode's table, edits, the view's settings; a file without them is 1
SUFFIX = SESSION_SUFFIX
