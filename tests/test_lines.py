"""The line helpers the panels draw with, against a cell-by-cell model of a terminal line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from bptui.app.widgets.lines import LineBuilder, changed_cells, finish, fit, plain

STYLES = [None, Style(bold=True), Style(dim=True, italic=True), Style(color="red")]
BACKGROUND = Style(color="#e0e0e0", bgcolor="#121212")
TEXTS = ["a", "ab", "0.593269992", "·", " ", "∂E/∂w5", "─" * 7, "日本", "→"]

segments = st.lists(
    st.tuples(st.sampled_from(TEXTS), st.sampled_from(STYLES)).map(lambda t: Segment(*t)),
    max_size=8,
).map(tuple)


def cells(strip: Strip) -> list[tuple[str, Style | None]]:
    """Each cell's character and style (a wide character fills its first cell; its second
    holds an empty string)."""
    out: list[tuple[str, Style | None]] = []
    for segment in strip:
        for ch in segment.text:
            out.append((ch, segment.style))
            out.extend([("", segment.style)] * (cell_len(ch) - 1))
    return out


@settings(max_examples=300, deadline=None, derandomize=True)
@given(segments, st.integers(1, 40))
def test_finish_is_crop_extend_then_apply_style(line, width) -> None:
    expected = Strip(line).crop_extend(0, width, None).apply_style(BACKGROUND)
    got = finish(line, width, BACKGROUND)
    assert got.cell_length == width
    assert cells(got) == cells(expected)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(segments, segments, st.integers(1, 40))
def test_changed_cells_covers_every_cell_that_differs(a, b, width) -> None:
    old, new = finish(a, width, BACKGROUND), finish(b, width, BACKGROUND)
    start, end = changed_cells(old, new)
    before, after = cells(old), cells(new)
    differ = [x for x in range(len(before)) if before[x] != after[x]]
    if differ:
        assert start <= differ[0] and differ[-1] < end
    assert 0 <= start <= width and 0 <= end <= width
    # a strip against itself (or an equal one) has nothing to repaint
    same_start, same_end = changed_cells(old, finish(a, width, BACKGROUND))
    assert same_start >= same_end


def test_changed_cells_of_a_changed_number_is_the_number() -> None:
    old = finish((Segment("out "), Segment("·", Style(dim=True))), 20, BACKGROUND)
    new = finish((Segment("out "), Segment("0.593269992")), 20, BACKGROUND)
    assert changed_cells(old, new) == (len("out "), len("out 0.593269992"))


def test_fit_cuts_with_an_ellipsis() -> None:
    line = (Segment("bptui", Style(bold=True)), Segment(" · "), Segment("epoch 12"))
    assert fit(line, 100) == line
    cut = fit(line, 10)
    assert "".join(s.text for s in cut) == "bptui · e…"
    assert sum(cell_len(s.text) for s in cut) == 10


def test_line_builder_splits_at_newlines() -> None:
    builder = LineBuilder()
    builder.append("a", Style(bold=True))
    builder.append("b\nc\n")
    builder.append("d", Style(dim=True))
    lines = builder.lines()
    assert plain(lines) == "ab\nc\nd"
    assert lines[0] == (Segment("a", Style(bold=True)), Segment("b"))
