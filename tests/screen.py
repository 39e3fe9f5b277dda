"""The text of an app's screen, for assertions (read back from its SVG screenshot)."""

from __future__ import annotations

import html
import re

from textual.app import App

_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]+-line-(\d+)\)">(.*?)</text>'
)
CELL = 12.2  # the width of one cell in Rich's SVG export


def svg_text(svg: str) -> str:
    """The characters of an exported screenshot, one line per terminal row."""
    rows: dict[int, dict[int, str]] = {}
    for x, line, content in _TEXT.findall(svg):
        column = round(float(x) / CELL)
        text = html.unescape(content).replace("\xa0", " ")
        row = rows.setdefault(int(line), {})
        for k, ch in enumerate(text):
            row[column + k] = ch
    lines = []
    for line in range(max(rows, default=-1) + 1):
        cells = rows.get(line, {})
        width = max(cells, default=-1) + 1
        lines.append("".join(cells.get(k, " ") for k in range(width)).rstrip())
    return "\n".join(lines)


def screen_text(app: App) -> str:
    return svg_text(app.export_screenshot())


def find(text: str, needle: str) -> tuple[int, int]:
    """(column, row) of the first occurrence of `needle` on the screen."""
    for row, line in enumerate(text.splitlines()):
        column = line.find(needle)
        if column >= 0:
            return column, row
    raise AssertionError(f"{needle!r} is not on the screen:\n{text}")
