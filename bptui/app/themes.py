"""The debugger's two themes: Textual's dark one, and a light, high-contrast one for
projectors (black on white, the accents dark enough to read from the back of a room). Every
widget takes its colours from the theme's variables, so either can be picked in the command
palette's theme picker too."""

from __future__ import annotations

from dataclasses import replace

from textual.theme import BUILTIN_THEMES, Theme

DARK = replace(BUILTIN_THEMES["textual-dark"], name="bptui-dark")
"""Textual's dark theme, under the name the picker lists beside bptui-light (a newcomer
looked for `--theme dark` in the picker and found it as textual-dark)."""

LIGHT = Theme(
    name="bptui-light",
    primary="#00307A",  # dark blue: borders, titles
    secondary="#4B1D7A",  # dark violet
    accent="#8C0050",  # dark magenta: breakpoints
    warning="#733F00",  # dark amber: the current edge
    error="#B00020",
    success="#0A5A1A",
    foreground="#000000",
    background="#FFFFFF",
    surface="#FFFFFF",
    panel="#E6E6E6",
    boost="#F0F0F0",
    dark=False,
    text_alpha=1.0,
    variables={
        "footer-key-foreground": "#00307A",
        "footer-background": "#E6E6E6",
        "footer-foreground": "#000000",
        "text-muted": "#3A3A3A",
        "block-cursor-background": "#00307A",
        "block-cursor-foreground": "#FFFFFF",
    },
)

THEMES = {"dark": DARK.name, "light": LIGHT.name}
"""`--theme`'s choices and the Textual theme each names."""
