"""Finding a step by the symbol a user types, Unicode or ASCII.

`normalize` turns the ASCII spellings into the trace's symbols (`dE_total/dw5` → `∂E_total/∂w5`,
`delta_o1` → `δ_o1`, `w5+` → `w5⁺`); `locate` maps a symbol to its step coordinates by its
shape, without walking the trace (a big net's sample has ~100,000 steps).
"""

from __future__ import annotations

import re

from bptui.engine.network import Network
from bptui.engine.steps import Kind
from bptui.engine.trace import EpochTrace, gradient_place, update_place, update_sample


def normalize(text: str) -> str:
    """The trace's spelling of a symbol typed in ASCII (or already in Unicode)."""
    s = text.strip().replace(" ", "")
    s = re.sub(r"^delta_", "δ_", s)
    s = re.sub(r"^d(?=[A-Za-z])", "∂", s)
    s = re.sub(r"/d(?=[A-Za-z])", "/∂", s)
    s = re.sub(r"^(?:eta)$", "η", s)
    if s.endswith("+"):
        s = s[:-1] + "⁺"
    return s


def locate(network: Network, symbol: str) -> tuple[str, int, int, int] | None:
    """(kind, layer, unit, rep) of the step defining `symbol` in a sample, or None."""
    s = normalize(symbol)
    neurons = network.neuron_index
    params = network.params_by_name
    last = len(network.layers) - 1

    def neuron(name: str) -> tuple[int, int] | None:
        place = neurons.get(name)
        return place if place is not None and place[0] >= 0 else None

    if s == "E_total":
        return "e_total", last, 0, 0
    if s.endswith("⁺") and s[:-1] in params:
        updated = update_place(network, s[:-1])
        return updated.kind, updated.layer, updated.unit, updated.rep
    patterns = [
        (r"net_(\w+)", "net"),
        (r"out_(\w+)", "out"),
        (r"δ_(\w+)", "delta"),
        (r"E_(\w+)", "e_term"),
        (r"∂E_total/∂out_(\w+)", "de_dout"),
        (r"∂out_(\w+)/∂net_\1", "dout_dnet"),
    ]
    for pattern, kind in patterns:
        match = re.fullmatch(pattern, s)
        if match:
            place = neuron(match.group(1))
            if place is None:
                return None
            layer, unit = place
            if kind == "e_term":
                return ("e_term", layer, unit, 0) if layer == last else None
            if kind == "de_dout" and layer < last:
                kind = "path_sum"
            return kind, layer, unit, 0
    match = re.fullmatch(r"∂E_total/∂(\w+)", s)
    if match and match.group(1) in params:
        where = gradient_place(network, match.group(1))
        return where.kind, where.layer, where.unit, where.rep
    match = re.fullmatch(r"∂net_(\w+)/∂(\w+)", s)
    if match and match.group(2) in params and params[match.group(2)].kind == "weight":
        ref = params[match.group(2)]
        return "dnet_dw", ref.layer, ref.row, ref.col
    match = re.fullmatch(r"∂E_(\w+)/∂out_(\w+)", s)
    if match:
        upper, lower = neuron(match.group(1)), neuron(match.group(2))
        if upper and lower and upper[0] == lower[0] + 1:
            return "path", lower[0], lower[1], upper[1]
    return None


def find(trace: EpochTrace, symbol: str, sample: int = 0) -> int | None:
    """The epoch index of the step defining `symbol` in `sample` (or the batch update)."""
    place = locate(trace.network, symbol)
    if place is None:
        return None
    kind, layer, unit, rep = place
    if kind in (Kind.UPDATE_W, Kind.UPDATE_B):
        sample = update_sample(trace.network, sample)
    return trace.index_of(sample, kind, layer, unit, rep)
