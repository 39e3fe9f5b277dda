"""Every key of the debugger, once: its Textual binding, its footer label, its words in the help
screen, the command palette and README's key table all come from `KEYS` (a test proves
README's table is the one `readme_table` writes)."""

from __future__ import annotations

from textual.binding import Binding

from bptui.records import dataclass


@dataclass(frozen=True)
class Key:
    """One key (or a few with one action) of the debugger screen."""

    keys: str  # Textual's key names, comma-separated ("" for a palette-only action)
    action: str
    label: str  # the footer's word
    what: str  # what it does, as the help screen and README say it
    shown: str = ""  # the keys as a person reads them (README: `n`, `→`, `space`)
    footer: bool = False
    priority: bool = False  # it acts whatever has focus
    palette: str = ""  # the palette's title ("": not in the palette)


KEYS: tuple[Key, ...] = (
    Key("n,right,space", "next", "Next", "next step (whatever has focus)",
        "`n`, `→`, `space`", footer=True, priority=True),
    Key("p,left", "prev", "Prev",
        "previous step, across epochs too: stepping back shows exactly what was shown before",
        "`p`, `←`", footer=True, priority=True),
    Key("right_square_bracket", "next_phase", "Phase▶", "next / previous phase", "`]` / `[`",
        footer=True, priority=True),
    Key("left_square_bracket", "prev_phase", "◀Phase", "", priority=True),
    Key("1", "phase_start('forward')", "Forward",
        "start of this sample's forward / error / backward / update", "`1` `2` `3` `4`"),
    Key("2", "phase_start('error')", "Error", ""),
    Key("3", "phase_start('backward')", "Backward", ""),
    Key("4", "phase_start('update')", "Update", ""),
    Key("home", "epoch_start", "Epoch start", "first / last step of the epoch",
        "`home` / `end`", priority=True),
    Key("end", "epoch_end", "Epoch end", "", priority=True),
    Key("right_curly_bracket", "next_sample", "Sample▶", "next / previous sample", "`}` / `{`"),
    Key("left_curly_bracket", "prev_sample", "◀Sample", ""),
    Key("N", "next_epoch", "Epoch▶", "the same step in the next / previous epoch", "`N` / `P`"),
    Key("P", "prev_epoch", "◀Epoch", ""),
    Key("g", "goto", "Go to",
        "go to: an epoch (`3`), a step of it (`3:17`), a symbol (`dE_total/dw1`, `delta_o1`, "
        "`w5+`, or the Unicode `∂E_total/∂w1`; a parameter alone, `w5`, means its gradient), or "
        "both (`3 ∂E_total/∂w1`)", "`g`", footer=True, palette="Go to an epoch, step or symbol"),
    Key("r", "run", "Run",
        "run N more epochs in the background (asks; 10,000 by default, then your last answer); "
        "`Esc` stops it; ends on the last step of the last epoch run and reports the loss and "
        "outputs after it", "`r`", footer=True, palette="Run N more epochs"),
    Key("c", "continue_run", "Continue",
        "continue to the next breakpoint (up to N more epochs; asks)", "`c`",
        palette="Continue to the next breakpoint"),
    Key("b", "breakpoints", "Breaks",
        "breakpoints: list, add, enable or disable (`space`), delete (`d`)", "`b`",
        footer=True, palette="Breakpoints"),
    Key("escape", "cancel_run", "Stop", "", ""),
    Key("exclamation_mark", "goto_nonfinite", "Go to nan",
        "go to the first non-finite value a run stopped at", "`!`",
        palette="Go to the first non-finite value"),
    Key("m", "compare", "Compare",
        "compare view: every hidden-layer step of this sample in both hidden-gradient orders, "
        "side by side with the difference", "`m`",
        palette="Compare the two hidden-gradient orders"),
    Key("ctrl+s", "save", "Save", "save the session (a `.bptui` file)", "`ctrl+s`",
        footer=True, palette="Save the session"),
    Key("M", "export_markdown", "Export .md",
        "export this epoch as Markdown with LaTeX, exactly as `bptui trace --format markdown` "
        "writes it (asks for the file: `NET-epoch-N.md` by default)", "`M`",
        palette="Export this epoch as Markdown"),
    Key("E", "export_csv", "Export .csv",
        "export the loss after every epoch known (epoch 0: before training) and each layer's "
        "weight-gradient norm as CSV (`NET-loss.csv`)", "`E`",
        palette="Export the loss history as CSV"),
    Key("S", "export_svg", "Export .svg",
        "export the screen as an SVG picture (`NET-epoch-N-step-K.svg`)", "`S`",
        palette="Export the screen as SVG"),
    Key("u", "unpin", "Unpin",
        "unpin the chain panel (choosing a table row, or clicking a weight's label or line in "
        "the diagram, pins it)", "`u`", palette="Unpin the chain panel"),
    Key("f", "toggle_fd", "Finite diff.", "show or hide the finite-difference columns", "`f`",
        palette="Show or hide the finite differences"),
    Key("o", "switch_order", "Order",
        "switch the hidden-gradient order from this epoch on (asks; the later history is "
        "discarded)", "`o`", palette="Switch the hidden-gradient order"),
    Key("v", "cycle_view", "View", "at small sizes, switch the lower panel", "`v`",
        footer=True, palette="Switch the lower panel (small sizes)"),
    Key("G", "toggle_plot", "Norms",
        "switch the plot: the loss / each layer's weight-gradient norm", "`G`",
        palette="Switch the plot: loss / gradient norms"),
    Key("L", "toggle_scale", "Scale",
        "switch the plot's y axis between a log and a linear scale (each plot keeps its own)",
        "`L`", palette="Switch the plot's y axis: log / linear"),
    Key("y", "toggle_why", "Why",
        "show or hide the plain-words why under each step", "`y`",
        palette="Show or hide why each step is computed so"),
    Key("e", "edit", "Edit",
        "change a number and see everything follow: the selected weight or bias (or the table's "
        "cursor row), an input, a target or eta (`w5 = 0.3`, `i1 = 0.2`, `t_o1 = 0.5`, "
        "`eta = 0.4`); the epoch recomputes at once, the history after its start is replaced "
        "(asks when there is one)", "`e`", palette="Change a weight or bias"),
    Key("", "edit('input')", "", "an input of this sample (i1 = 0.2)",
        palette="Change an input"),
    Key("", "edit('target')", "", "a target of this sample (t_o1 = 0.5)",
        palette="Change a target"),
    Key("", "edit('learning_rate')", "", "the learning rate (eta = 0.4)",
        palette="Change the learning rate"),
    Key("ctrl+z", "undo", "Undo", "undo / redo an edit, exactly back to what was shown",
        "`ctrl+z` / `ctrl+y`", palette="Undo an edit"),
    Key("ctrl+y", "redo", "Redo", "", "`ctrl+y`", palette="Redo an edit"),
    Key("w", "save_network", "Save net",
        "save the network as it runs at the start of this epoch (with its edits) as a TOML "
        "file `bptui` opens", "`w`", palette="Save the network as a TOML file"),
    Key("t", "toggle_predict", "Predict",
        "predict mode, to test yourself: each step asks for its value before showing it "
        "(right to the digits you type, at least 3 significant; Esc skips a step), with a score "
        "per phase in the status bar and a summary at the epoch's end", "`t`",
        palette="Predict mode: test yourself"),
    # (predict mode: Enter on a step answered or skipped goes on, where a learner typing the
    # next answer at once expects it; else Enter is the focused widget's, as before)
    Key("enter", "predict_next", "", "predict mode: once a step is answered or skipped, the "
        "next step (elsewhere Enter is the focused panel's)", "`enter`", priority=True),
    # (before x and X: "your numbers" in the palette ties them, and the first listed is the
    # first offered; loading the numbers comes first)
    Key("", "load_yours", "",
        "a JSON, TOML or CSV file of your own numbers, as `bptui compare` reads it",
        palette="Compare with your numbers"),
    Key("x", "first_divergence", "Yours ✗",
        "go to the first of your numbers that differs from bptui's (`bptui NET --compare "
        "YOURS`, or the palette's 'Compare with your numbers'); each compared step says ✓ or ✗ "
        "in the step panel and the table", "`x`",
        palette="Go to the first divergence of your numbers"),
    Key("X", "next_divergence", "Next ✗",
        "go to the next of your numbers that differs (✗) after this step", "`X`",
        palette="Go to the next number of yours that differs"),
    Key("question_mark", "help", "Help", "help", "`?`", footer=True, palette="Help: every key"),
    Key("", "open_network", "", "a network file (.toml, .json) or a preset's name",
        palette="Open a network file or preset"),
)  # fmt: skip

APP_KEYS: tuple[tuple[str, str], ...] = (
    ("`ctrl+p`", "the command palette"),
    ("`q`", "quit"),
)
"""Keys the app handles itself, for the help screen and README."""


def bindings() -> list[Binding]:
    """The debugger screen's BINDINGS."""
    return [
        Binding(key.keys, key.action, key.label, show=key.footer, priority=key.priority)
        for key in KEYS
        if key.keys
    ]


def described() -> list[tuple[str, str]]:
    """(keys as a person reads them, what they do), in order: the help screen's and README's
    rows (a key pair shares the row of its first key)."""
    rows = [(key.shown, key.what) for key in KEYS if key.keys and key.what]
    return [*rows, *APP_KEYS]


def readme_table() -> str:
    """README's key table, exactly."""
    lines = ["| key | does |", "|---|---|"]
    lines += [f"| {shown} | {what} |" for shown, what in described()]
    return "\n".join(lines)


def palette() -> list[tuple[str, str, str]]:
    """(title, action, help) of every palette entry: the help names the key, or says what the
    entry does when no key does it."""
    return [
        (key.palette, key.action, f"key: {key.shown.replace('`', '')}" if key.keys else key.what)
        for key in KEYS
        if key.palette
    ]
