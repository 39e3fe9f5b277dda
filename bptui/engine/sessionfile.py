"""What marks a file as a saved session, without importing numpy (error paths stay fast)."""

from __future__ import annotations

from pathlib import Path

FORMAT = "bptui-session"
VERSION = 1
SUFFIX = ".bptui"


def is_session_file(path: Path) -> bool:
    """Does `path` hold a bptui session (judged by its opening bytes)?"""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except (OSError, ValueError):
        return False
    text = head.decode("utf-8", errors="replace")
    return f'"format": "{FORMAT}"' in text or f'"format":"{FORMAT}"' in text


def looks_like_session(spec: str) -> bool:
    return spec.endswith(SUFFIX) or is_session_file(Path(spec))
