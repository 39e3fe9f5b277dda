"""What the app exports (its `e`, `E` and `S` keys), as text: an epoch as Markdown, the loss
history as CSV, and the files' default names. (The screen as SVG is Textual's screenshot.)"""

from __future__ import annotations

import io
import re

from bptui.engine.history import History
from bptui.engine.trace import EpochTrace
from bptui.report import markdown


def slug(name: str) -> str:
    """A file name from a network's name: 'Mazur 2-2-2' → 'mazur-2-2-2' (as ctrl+s names a
    session)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "network"


def markdown_name(network_name: str, epoch: int) -> str:
    return f"{slug(network_name)}-epoch-{epoch}.md"


def svg_name(network_name: str, epoch: int, index: int) -> str:
    return f"{slug(network_name)}-epoch-{epoch}-step-{index + 1}.svg"


def csv_name(network_name: str) -> str:
    return f"{slug(network_name)}-loss.csv"


def epoch_markdown(trace: EpochTrace, precision: int) -> str:
    """Epoch `trace.number` as `bptui trace NET --format markdown --precision P` writes it: the
    document's header, then exactly the trace's section for that epoch."""
    out = io.StringIO()
    markdown.write_header(out, trace.network)
    markdown.write_epoch(out, trace.network, trace, precision)
    return out.getvalue()


def loss_csv(history: History, epochs: int | None = None) -> tuple[str, int]:
    """(the CSV text, the number of finished epochs in it).

    `epoch,loss,grad_norm_1,…,grad_norm_L`: a row for epoch 0 (the loss before any training,
    no norms) and one for every epoch whose loss the history knows, whatever the position;
    `loss` is the loss summed over the samples after the epoch (as the plot and the status bar
    give it), `grad_norm_k` layer k's weight-gradient L2 norm in that epoch (as
    `bptui train --format json`'s `grad_norms`, the first hidden layer first), empty where the
    history does not know it (a restored session's epochs until the norms plot has worked
    them out). Every number is Python's shortest round-trip repr (`nan`, `inf` and `-inf`
    as such), so that reading it back gives the same float bit for bit. `epochs`: the first
    so many only (those known when the export was asked for; a run may add more meanwhile)."""
    losses = history.losses[:epochs]
    sampled, norms = history.sampled_norms(len(losses))
    by_epoch = {int(e): row for e, row in zip(sampled, norms, strict=True)}
    layers = len(history.network.layers)
    empty = "," * layers
    lines = ["epoch,loss" + "".join(f",grad_norm_{k}" for k in range(1, layers + 1))]
    lines.append(f"0,{_number(history.initial_loss())}{empty}")
    for epoch, loss in enumerate(losses, start=1):
        row = by_epoch.get(epoch)
        rest = empty if row is None else "".join(f",{_number(v)}" for v in row)
        lines.append(f"{epoch},{_number(loss)}{rest}")
    return "\n".join(lines) + "\n", len(losses)


def _number(value: float) -> str:
    return repr(float(value))
