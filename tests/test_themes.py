"""Two themes: Textual's dark one and bptui's light, high-contrast one (`--theme light`, or
the palette's theme picker). The diagram's colours come from the theme's variables through
its component classes, so they follow a change of theme at once."""

from __future__ import annotations

import subprocess
import sys

from bptui.app.app import BptuiApp
from bptui.app.themes import LIGHT, THEMES
from bptui.app.widgets.network_diagram import NetworkDiagram
from bptui.cli import build_parsers
from bptui.engine.loader import load_network


def test_the_theme_option_takes_dark_or_light() -> None:
    parser = build_parsers()["app"]
    assert parser.parse_args([]).theme == "dark"
    assert parser.parse_args(["--theme", "light"]).theme == "light"


def test_an_unknown_theme_is_one_line_and_status_2() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bptui", "--theme", "pink"], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "--theme" in run.stderr and "pink" in run.stderr
    assert "Traceback" not in run.stderr


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""

    def luminance(color: str) -> float:
        channels = [int(color[k : k + 2], 16) / 255 for k in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_light_theme_is_high_contrast() -> None:
    """Every colour text is drawn in reads at least 7:1 on the white background (WCAG AAA),
    what a projector needs."""
    assert LIGHT.background == "#FFFFFF" and LIGHT.foreground == "#000000"
    for name in ("primary", "secondary", "accent", "warning", "error", "success"):
        color = getattr(LIGHT, name)
        assert contrast(color, LIGHT.background) >= 7, (name, color)


async def test_the_diagram_takes_its_colours_from_the_theme() -> None:
    app = BptuiApp(load_network("mazur"), theme="light")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == THEMES["light"]
        assert "bptui-light" in app.available_themes  # (so the palette's picker offers it)
        assert "bptui-dark" in app.available_themes  # (and `--theme dark` by its own name)
        diagram = app.screen.query_one(NetworkDiagram)
        light = diagram._palette()
        variables = app.theme_variables
        assert light.edge_current.color.triplet.hex.lower() == variables["text-warning"].lower()
        assert light.nonfinite.reverse and light.pending.dim
        app.theme = THEMES["dark"]
        await pilot.pause()
        dark = diagram._palette()
        assert dark.edge_current.color != light.edge_current.color
        assert dark.edge_current.color.triplet.hex.lower() == (
            app.theme_variables["text-warning"].lower()
        )


def test_the_norms_plot_lines_read_on_white() -> None:
    """On the light theme each layer's line has a dark colour of its own (yellow and cyan on
    white were all but invisible), each at least 4.5:1 against white."""
    from bptui.app.widgets.norms_plot import LIGHT_COLORS, color

    colors = [color(k, dark=False) for k in range(len(LIGHT_COLORS))]
    assert len(set(colors)) == len(colors)
    for rgb in colors:
        assert isinstance(rgb, tuple)
        assert contrast("#{:02X}{:02X}{:02X}".format(*rgb), "#FFFFFF") >= 4.5, rgb
