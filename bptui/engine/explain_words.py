"""What the explanations' sentences share (`bptui.engine.explain`): the wordings type, a setting
as the formulas show it, a list of names in words, and a neuron's layer and inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

from bptui.engine.network import Layer, Network
from bptui.engine.numtext import num

Lines = tuple[str, ...]  # candidate wordings, preferred first


def _n(value: float) -> str:
    """A setting as the formulas show it: 0.5, 0.001, 1e-08."""
    return num(float(value), 6)


def _listed(names: Sequence[str]) -> str:
    """o1; o1 and o2; o1, o2 and o3; o1 … o10."""
    if len(names) == 1:
        return names[0]
    if len(names) <= 3:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return f"{names[0]} … {names[-1]}"


def _neuron(network: Network, name: str) -> tuple[int, int, Layer]:
    """(layer index, unit, layer) of a neuron."""
    li, j = network.neuron_index[name]
    return li, j, network.layers[li]


def _source(network: Network, li: int, i: int) -> str:
    """What feeds layer li from position i: i1 for an input, out_h1 for a neuron."""
    name = network.source_names(li)[i]
    return name if li == 0 else f"out_{name}"
