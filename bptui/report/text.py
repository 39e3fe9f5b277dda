"""`bptui trace --format text`: the worked example, read like the blog post in a terminal."""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bptui.engine.breakdown import breakdown
from bptui.engine.errata import loss_note
from bptui.engine.network import Network
from bptui.engine.rows import gradient_rows
from bptui.engine.steps import Step
from bptui.engine.trace import EpochTrace
from bptui.fmt import alt_numbers, equation, fixed, num, tree_lines
from bptui.report.common import PHASE_TITLES, describe, sample_heading

MAX_BREAKDOWNS = 64  # nets with more parameters get their gradient table only


def write_trace(
    console: Console, network: Network, traces: Iterable[EpochTrace], precision: int
) -> tuple[int, Step] | None:
    """Print every epoch; returns (epoch, step) of the first non-finite value, or None."""
    first: tuple[int, Step] | None = None
    console.print(Text(describe(network), style="bold"))
    for trace in traces:
        previous: tuple[int, str] | None = None
        for step in trace.eager_steps():
            if first is None and not math.isfinite(step.value):
                first = (trace.number, step)
            if step.sample >= 0 and (previous is None or previous[0] != step.sample):
                console.print()
                console.print(
                    Text(sample_heading(trace, step.sample, precision), style="bold reverse")
                )
            if previous != (step.sample, step.phase):
                title = PHASE_TITLES[step.phase]
                if step.sample < 0:
                    title += " (once for the epoch)"
                console.print()
                console.print(Text(title, style="bold underline"))
            previous = (step.sample, step.phase)
            _print_step(console, step, precision)
            if step.phase == "update" and step.sample >= 0 and _last_of_sample(trace, step):
                _print_summary(console, trace, step.sample, precision)
        if network.update != "online":
            for s in range(network.n_samples):
                _print_summary(console, trace, s, precision)
        console.print()
        loss = trace.epoch.loss_after
        console.print(
            Text(
                f"Epoch {trace.number:,} done: E_total summed over the samples, "
                f"after the update: {num(loss, precision)}",
                style="bold",
            )
        )
        note = loss_note(network, trace.number)
        if note:
            console.print(Text(note, style="italic"))  # (it may hold parentheses)
    return first


def _print_step(console: Console, step: Step, precision: int) -> None:
    line = Text("  ")
    line.append(equation(step, precision))
    console.print(line)
    if step.alt_formula:
        console.print(
            Text(
                f"      {step.alt_label}: {step.alt_formula} = {alt_numbers(step, precision)}"
                f" = {num(step.value, precision)}",  # (the value, as the debugger shows it)
                style="dim",
            )
        )
    if step.note:
        console.print(Text(f"      {step.note}", style="dim italic"))


def _last_of_sample(trace: EpochTrace, step: Step) -> bool:
    nxt = step.index + 1
    return nxt >= len(trace) or trace.sample_of(nxt) != step.sample


def _print_summary(console: Console, trace: EpochTrace, sample: int, precision: int) -> None:
    """The chain-rule breakdowns and the gradient table of one sample."""
    network = trace.network
    if network.n_params <= MAX_BREAKDOWNS:
        console.print()
        console.print(Text(f"Chain-rule breakdowns (sample {sample + 1})", style="bold underline"))
        for ref in network.param_refs:
            if ref.kind == "bias" and not ref.trained:
                continue
            console.print()
            for line in tree_lines(breakdown(trace, ref.name, sample).tree, trace, precision):
                console.print(Text("  " + line.prefix + line.text))
    console.print()
    table = Table(
        title=f"Gradients and updates (sample {sample + 1})",
        title_justify="left",
        title_style="bold underline",
    )
    for header in ("name", "from → to", "value", "∂E_total/∂·", "η·∂E_total/∂·", "new"):
        # (a number too wide for its column folds onto a second line: never cut to "0.1499…")
        left = header in ("name", "from → to")
        table.add_column(header, justify="left" if left else "right", overflow="fold")
    for row in gradient_rows(trace, sample):
        cells = [row.name, row.edge, fixed(row.value, precision)]
        cells.append(fixed(row.gradient, precision))
        if row.batch_gradient is not None:
            cells[-1] += f" (epoch: {fixed(row.batch_gradient, precision)})"
        if row.trained:
            cells += [fixed(row.step, precision), fixed(row.new, precision)]
        else:
            cells += ["not trained", "not trained"]
        table.add_row(*cells)
    console.print(table)
