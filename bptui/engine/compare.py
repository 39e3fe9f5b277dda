"""The two hidden-gradient orders side by side: the post's errata, made visible.

Mazur's post computes every gradient before any update (`before_update`), but its last
paragraph's numbers come from code that updated w5..w8 first and back-propagated through the
updated weights (`after_output_update`). `compare_orders` recomputes one sample both ways from
the same parameters and pairs every backward step of the hidden layers.
"""

from __future__ import annotations

from dataclasses import replace

from bptui.engine.network import Network, Params
from bptui.engine.passes import compute_epoch
from bptui.engine.steps import Step
from bptui.engine.trace import EpochTrace
from bptui.records import dataclass

HIDDEN_KINDS = {
    "path",
    "path_sum",
    "dout_dnet",
    "delta",
    "dnet_dw",
    "grad_w",
    "grad_b",
    "grad_b_shared",
}


@dataclass(frozen=True)
class ComparedStep:
    """One hidden step in both orders."""

    before: Step  # before_update: every gradient from the weights the sample saw
    after: Step  # after_output_update: through the already-updated weights above

    @property
    def symbol(self) -> str:
        return self.before.symbol

    @property
    def difference(self) -> float:
        return self.after.value - self.before.value


def compare_orders(network: Network, params: Params, sample: int) -> list[ComparedStep]:
    """Every backward step of the hidden layers of `sample`, in both orders (online nets)."""
    if network.update != "online":
        raise ValueError("the orders differ only with online updates")
    last = len(network.layers) - 1
    traces = []
    for order in ("before_update", "after_output_update"):
        variant = replace(network, hidden_gradients=order, param_refs=network.param_refs)
        traces.append(EpochTrace(compute_epoch(variant, params)))
    steps = []
    for trace in traces:
        wanted = []
        for block in trace.blocks:
            if block.sample != sample or block.layer >= last or block.phase != "backward":
                continue
            wanted += [trace[block.start + k] for k in range(block.count)]
        steps.append(wanted)
    before, after = steps
    return [ComparedStep(a, b) for a, b in zip(before, after, strict=True)]
