"""`bptui trace --format json` and `bptui train --format json`: every number at full precision.

The trace is streamed epoch by epoch and sample by sample, so a long trace never sits in memory
as one document. Non-finite numbers are written as the strings "nan", "inf" and "-inf".
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any, TextIO

import numpy as np

from bptui.engine.network import Network, Params
from bptui.engine.passes import bias_vector
from bptui.engine.steps import Step
from bptui.engine.trace import EpochTrace
from bptui.fmt import numbers


def jnum(value: float) -> float | str:
    """A float for JSON: itself, or "nan" / "inf" / "-inf"."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def jlist(values: Any) -> Any:
    """Nested lists of JSON numbers from an array."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        return jnum(float(array))
    return [jlist(row) for row in array] if array.ndim > 1 else [jnum(v) for v in array]


def write_rows(out: TextIO, rows: np.ndarray, chunk: int = 4096) -> None:
    """A 2-D array as a JSON list of lists of numbers, written `chunk` rows at a time (a long
    training's per-epoch rows never sit in memory as one list of Python floats)."""
    out.write("[")
    for start in range(0, len(rows), chunk):
        text = _dump(jlist(rows[start : start + chunk]))
        out.write(("" if start == 0 else ", ") + text[1:-1])
    out.write("]")


def layers_json(network: Network, params: Params) -> list[dict[str, Any]]:
    """One entry per layer: weights[j][i] as in the file, one bias per neuron ([] for none)."""
    result = []
    for layer, w, b in zip(network.layers, params.weights, params.biases, strict=True):
        biases = jlist(bias_vector(b, layer.n_out)) if layer.bias != "none" else []
        result.append({"weights": jlist(w), "biases": biases})
    return result


def step_json(step: Step) -> dict[str, Any]:
    return {
        "phase": step.phase,
        "symbol": step.symbol,
        "formula": step.formula,
        "numbers": numbers(step, None),
        "value": jnum(step.value),
        "uses": list(step.uses),
        "concerns": list(step.concerns),
    }


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def write_trace(
    out: TextIO, network: Network, traces: Iterable[EpochTrace]
) -> tuple[int, Step] | None:
    """Stream the trace document; returns (epoch, step) of the first non-finite value."""
    first: tuple[int, Step] | None = None
    out.write('{"network": ' + _dump(network.name) + ', "epochs": [')
    for e, trace in enumerate(traces):
        out.write(",\n" if e else "\n")
        out.write(f'{{"epoch": {trace.number}, "samples": [')
        epoch_steps: list[dict[str, Any]] = []
        by_sample: dict[int, list[Step]] = {}
        for step in trace.eager_steps():
            if first is None and not math.isfinite(step.value):
                first = (trace.number, step)
            if step.sample < 0:
                epoch_steps.append(step_json(step))
            else:
                by_sample.setdefault(step.sample, []).append(step)
        for s, record in enumerate(trace.epoch.samples):
            steps = by_sample.get(s, [])
            sample = {
                "inputs": jlist(record.x),
                "targets": jlist(record.t),
                "outputs": jlist(record.outs[-1]),
                "loss": jnum(record.e_total),
                "values": {step.symbol: jnum(step.value) for step in steps},
                "gradients": layers_json(network, record.grads),
                "steps": [step_json(step) for step in steps],
            }
            out.write(",\n" if s else "\n")
            out.write(_dump(sample))
        loss_after = trace.epoch.loss_after
        out.write('],\n "steps": ' + _dump(epoch_steps))
        out.write(',\n "layers_after": ' + _dump(layers_json(network, trace.epoch.params_after)))
        out.write(',\n "loss_after": ' + _dump(jnum(loss_after)) + "}")
    out.write("]}\n")
    return first
