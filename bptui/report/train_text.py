"""`bptui train --format text`: the final loss, outputs beside targets, each layer's
weight-gradient norm in the first and last epochs, and the parameters."""

from __future__ import annotations

import math
import sys

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bptui.engine.errata import loss_note
from bptui.engine.network import Network
from bptui.fmt import fixed, num
from bptui.report.common import describe

MAX_ROWS = 200  # rows of the outputs' and the parameters' tables, at most


def print_training(network: Network, result, outputs: np.ndarray, precision: int) -> None:
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    console.print(Text(describe(network), style="bold"))
    console.print(
        f"{result.epochs:,} epoch{'' if result.epochs == 1 else 's'} in {result.seconds:.3f} s · "
        "loss (E_total summed over the "
        f"samples) {num(float(result.losses[-1]), precision)}"
    )
    note = loss_note(network, result.epochs)
    if note:
        console.print(Text(note, style="italic"))  # (it may hold parentheses)
    table = Table(title="Outputs after training", title_justify="left")
    table.add_column("sample", justify="right")
    names = network.layers[-1].names
    for name in names:
        table.add_column(f"out_{name}", justify="right")
        table.add_column(f"t_{name}", justify="right")
    for s in range(min(network.n_samples, MAX_ROWS)):
        cells = [str(s + 1)]
        for k in range(len(names)):
            cells += [
                fixed(float(outputs[s, k]), precision),
                num(float(network.targets[s, k]), precision),
            ]
        table.add_row(*cells)
    console.print(table)
    if network.n_samples > MAX_ROWS:  # (100,000 rows took 38 s to print; the hostile trial)
        console.print(f"… and {network.n_samples - MAX_ROWS:,} more (use --format json for all)")
    if result.norms is not None and len(result.norms):
        console.print(norms_table(network, result.norms, precision))
    params = Table(title="Parameters after training", title_justify="left")
    for header in ("name", "from → to", "initial", "final"):
        params.add_column(header, justify="right" if header in ("initial", "final") else "left")
    start, end = network.params.flat(), result.params.flat()
    for ref in network.param_refs[:MAX_ROWS]:
        target = ref.target.replace(",", ", ")  # (as the trace and the table write it)
        edge = f"{ref.source} → {target}" if ref.kind == "weight" else f"→ {target}"
        final = fixed(float(end[ref.flat_index]), precision)
        params.add_row(
            ref.name,
            edge,
            fixed(float(start[ref.flat_index]), precision),
            final if ref.trained else final + " (not trained)",
        )
    console.print(params)
    if network.n_params > MAX_ROWS:
        console.print(f"… and {network.n_params - MAX_ROWS:,} more (use --format json for all)")


def norms_table(network: Network, norms: np.ndarray, precision: int) -> Table:
    """Each layer's weight-gradient L2 norm in the first and the last epoch."""
    table = Table(title="Weight-gradient norms (L2)", title_justify="left")
    table.add_column("layer")
    epochs = len(norms)
    shown = [0] if epochs == 1 else [0, epochs - 1]
    for k in shown:
        table.add_column(f"epoch {k + 1:,}", justify="right")
    for li in range(len(network.layers)):
        table.add_row(
            network.layer_label(li), *(_sci(float(norms[k, li]), precision) for k in shown)
        )
    return table


def _sci(value: float, precision: int) -> str:
    """A norm in scientific notation, `precision` significant digits at least 1 (nan, inf)."""
    if not math.isfinite(value):
        return num(value)
    return f"{value:.{max(precision - 1, 0)}e}"
