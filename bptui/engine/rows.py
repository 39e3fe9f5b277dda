"""The parameter table's rows: each parameter's value, gradient and update in one sample."""

from __future__ import annotations

from dataclasses import dataclass

from bptui.engine.trace import EpochTrace


@dataclass(frozen=True)
class GradientRow:
    """One parameter as the update of `sample` uses it."""

    name: str
    edge: str  # "i1 → h1"; for a shared bias "b1 → h1, h2"
    trained: bool
    value: float  # the value the sample saw
    gradient: float  # ∂E_total/∂param of this sample (as the algorithm computed it)
    batch_gradient: float | None  # batch modes: the summed or averaged gradient of the epoch
    step: float  # η·∂E/∂param as the update uses it
    new: float  # the value after the update


def gradient_rows(trace: EpochTrace, sample: int) -> list[GradientRow]:
    """Every weight and bias, in table order (w1, w2, ..., then the biases)."""
    epoch = trace.epoch
    network = trace.network
    record = epoch.samples[sample]
    seen = record.params.flat()
    grads = record.grads.flat()
    if epoch.batch_grads is not None:
        used = epoch.batch_grads.flat()
        after = epoch.params_after.flat()
    else:
        used = grads
        after = record.params_after.flat()
    eta = network.learning_rate
    rows = []
    for ref in network.param_refs:
        k = ref.flat_index
        target = ref.target.replace(",", ", ")
        rows.append(GradientRow(
            name=ref.name,
            edge=f"{ref.source} → {target}" if ref.kind == "weight" else f"→ {target}",
            trained=ref.trained,
            value=float(seen[k]),
            gradient=float(grads[k]),
            batch_gradient=None if epoch.batch_grads is None else float(used[k]),
            step=float(eta * used[k]),
            new=float(after[k]),
        ))
    return rows
