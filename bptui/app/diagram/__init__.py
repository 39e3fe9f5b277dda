"""The network diagram: its geometry (`geometry`) and its drawing (`draw`)."""

from __future__ import annotations

from bptui.app.diagram.draw import Canvas, Highlights, Palette, draw_network, preferred_height

__all__ = ["Canvas", "Highlights", "Palette", "clear_caches", "draw_network", "preferred_height"]


def clear_caches() -> None:
    """Forget every cached geometry and drawing of lines (tests compare with fresh ones)."""
    from bptui.app.diagram import draw, geometry

    geometry._layout.cache_clear()
    geometry._line.cache_clear()
    draw._BASES.clear()
    draw._LINE_STYLES.clear()
