"""`bptui trace --format markdown`: a worked example a teacher can publish, math in LaTeX."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TextIO

from bptui.engine.breakdown import breakdown
from bptui.engine.errata import loss_note
from bptui.engine.network import Network
from bptui.engine.numtext import number_tex
from bptui.engine.ops.terms import ident
from bptui.engine.rows import gradient_rows
from bptui.engine.steps import Step
from bptui.engine.trace import EpochTrace
from bptui.fmt import alt_equation_tex, equation_tex, fixed, num, tree_lines
from bptui.report.common import PHASE_TITLES, describe, sample_heading

MAX_BREAKDOWNS = 64


def _math(tex: str) -> str:
    return f"${tex}$"


def write_trace(
    out: TextIO, network: Network, traces: Iterable[EpochTrace], precision: int
) -> tuple[int, Step] | None:
    """Write the Markdown document; returns (epoch, step) of the first non-finite value."""
    first: tuple[int, Step] | None = None
    write_header(out, network)
    for trace in traces:
        found = write_epoch(out, network, trace, precision)
        first = first or found
    return first


def write_header(out: TextIO, network: Network) -> None:
    """The document's title and the network's one-line description."""
    out.write(f"# Backpropagation, step by step: {network.name}\n\n{describe(network)}\n")


def write_epoch(
    out: TextIO, network: Network, trace: EpochTrace, precision: int
) -> tuple[int, Step] | None:
    """One epoch's section, from its first sample's heading to its "Epoch N done" line (the
    app's Markdown export writes the header and this); returns (epoch, step) of its first
    non-finite value."""
    first: tuple[int, Step] | None = None
    previous: tuple[int, str] | None = None
    for step in trace.eager_steps():
        if first is None and not math.isfinite(step.value):
            first = (trace.number, step)
        if step.sample >= 0 and (previous is None or previous[0] != step.sample):
            out.write(f"\n## {sample_heading(trace, step.sample, precision)}\n")
        if previous != (step.sample, step.phase):
            title = PHASE_TITLES[step.phase]
            if step.sample < 0:
                title += " (once for the epoch)"
            out.write(f"\n### {title}\n\n")
        previous = (step.sample, step.phase)
        _write_step(out, step, precision)
        nxt = step.index + 1
        if (
            step.phase == "update"
            and step.sample >= 0
            and (nxt >= len(trace) or trace.sample_of(nxt) != step.sample)
        ):
            _write_summary(out, trace, step.sample, precision)
    if network.update != "online":
        for s in range(network.n_samples):
            _write_summary(out, trace, s, precision)
    loss = trace.epoch.loss_after
    out.write(
        f"\n**Epoch {trace.number:,} done:** $E_{{\\mathrm{{total}}}}$ summed over the samples, "
        f"after the update: {_math(number_tex(num(loss, precision)))}\n"
    )
    note = loss_note(network, trace.number)
    if note:
        out.write(f"\n*{note}*\n")  # (it may hold parentheses)
    return first


def _write_step(out: TextIO, step: Step, precision: int) -> None:
    out.write(f"- {_math(equation_tex(step, precision))}\n")
    if step.alt is not None:
        out.write(f"  ({step.alt_label}: {_math(alt_equation_tex(step, precision))})\n")
    if step.note:
        out.write(f"  *{step.note}*\n")


def _write_summary(out: TextIO, trace: EpochTrace, sample: int, precision: int) -> None:
    network = trace.network
    if network.n_params <= MAX_BREAKDOWNS:
        out.write(f"\n### Chain-rule breakdowns (sample {sample + 1})\n")
        for ref in network.param_refs:
            if ref.kind == "bias" and not ref.trained:
                continue
            out.write("\n")
            tree = breakdown(trace, ref.name, sample).tree
            for line in tree_lines(tree, trace, precision, tex=True):
                depth = len(line.prefix) // 2
                out.write("  " * depth + f"- {_math(line.text)}\n")
    out.write(f"\n### Gradients and updates (sample {sample + 1})\n\n")
    out.write("| name | from → to | value | ∂E_total/∂· | η·∂E_total/∂· | new |\n")
    out.write("|---|---|--:|--:|--:|--:|\n")
    for row in gradient_rows(trace, sample):
        gradient = fixed(row.gradient, precision)
        if row.batch_gradient is not None:
            gradient += f" (epoch: {fixed(row.batch_gradient, precision)})"
        if row.trained:
            rest = f"{fixed(row.step, precision)} | {fixed(row.new, precision)}"
        else:
            rest = "not trained | not trained"
        out.write(
            f"| {_math(ident(row.name).tex)} | {row.edge} | {fixed(row.value, precision)} | "
            f"{gradient} | {rest} |\n"
        )
