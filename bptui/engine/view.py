"""What the debugger shows at one position: values already computed, and nothing stale.

A `Frame` is a position in an epoch's trace (step `index` of epoch `trace.number`) with the
questions a viewer asks of it: the current step, the sample and phase, each neuron's net and
out if this sample's pass has reached them, each parameter's old value and its new one once
its update step has been passed. It only looks things up in the trace; it computes nothing.
"""

from __future__ import annotations

from functools import cached_property

from bptui.engine.steps import Step
from bptui.engine.trace import EpochTrace, gradient_place, update_place, update_sample
from bptui.records import dataclass


@dataclass(frozen=True)
class Frame:
    trace: EpochTrace
    index: int
    hidden: bool = False  # predict mode: the current step's value is not shown yet

    @property
    def shown_index(self) -> int:
        """The last step whose value is shown: this one, or the one before while hidden."""
        return self.index - 1 if self.hidden else self.index

    @property
    def epoch(self) -> int:
        return self.trace.number

    @property
    def total(self) -> int:
        return len(self.trace)

    @cached_property
    def step(self) -> Step:
        return self.trace[self.index]

    @cached_property
    def sample(self) -> int:
        """The sample whose pass is shown: for a batch update, the last sample."""
        sample = self.step.sample
        return self.trace.network.n_samples - 1 if sample < 0 else sample

    @property
    def phase(self) -> str:
        return self.step.phase

    @property
    def record(self):
        return self.trace.epoch.samples[self.sample]

    def reached(
        self, kind: str, layer: int, unit: int = 0, rep: int = 0, sample: int | None = None
    ) -> bool:
        """Has the step (kind, layer, unit, rep) of this sample been computed yet?"""
        index = self.trace.index_of(
            self.sample if sample is None else sample, kind, layer, unit, rep
        )
        return index is not None and index <= self.shown_index

    def neuron(self, layer: int, unit: int) -> tuple[float | None, float | None]:
        """(net, out) of a neuron of `layer` (0-based; -1 for the inputs), None if ahead."""
        r = self.record
        if layer < 0:
            return None, float(r.x[unit])
        net = float(r.nets[layer][unit]) if self.reached("net", layer, unit) else None
        out = float(r.outs[layer][unit]) if self.reached("out", layer, unit) else None
        return net, out

    def delta(self, layer: int, unit: int) -> float | None:
        """δ of a neuron once this sample's backward pass has computed it, else None."""
        if not self.reached("delta", layer, unit):
            return None
        return float(self.record.deltas[layer][unit])

    def out_gradient(self, layer: int, unit: int) -> float | None:
        """∂E_total/∂out of a neuron once computed (None before, and for an output whose δ is
        the fused out − target, which never computes it)."""
        network = self.trace.network
        output = layer == len(network.layers) - 1
        if output and network.fused_output is not None:
            return None
        if not self.reached("de_dout" if output else "path_sum", layer, unit):
            return None
        return float(self.record.de_dout[layer][unit])

    def gradient(self, name: str) -> float | None:
        """This sample's ∂E_total/∂name once computed, else None."""
        if not self.gradient_reached(name):
            return None
        ref = self.trace.network.param(name)
        return float(self.record.grads.flat()[ref.flat_index])

    @cached_property
    def _update_sample(self) -> int:
        return update_sample(self.trace.network, self.sample)

    def weight(self, layer: int, row: int, col: int) -> tuple[float, float | None]:
        """(the value this sample saw, its updated value once that step is passed)."""
        old = float(self.record.params.weights[layer][row, col])
        if self.reached("update_w", layer, row, col, sample=self._update_sample):
            return old, float(self._after.weights[layer][row, col])
        return old, None

    def bias(self, layer: int, index: int) -> tuple[float, float | None]:
        old = float(self.record.params.biases[layer][index])
        if self.reached("update_b", layer, index, sample=self._update_sample):
            return old, float(self._after.biases[layer][index])
        return old, None

    @cached_property
    def _after(self):
        if self._update_sample < 0:
            return self.trace.epoch.params_after
        return self.record.params_after

    @cached_property
    def e_total(self) -> float | None:
        """The current sample's E_total once the error phase has computed it."""
        r = self.record
        return r.e_total if self.reached("e_total", len(r.nets) - 1) else None

    @cached_property
    def param(self) -> str | None:
        """The parameter the chain panel follows: this step's, or the next gradient's."""
        return self.trace.param_at(self.index)

    def gradient_reached(self, name: str) -> bool:
        """Has this sample's ∂E_total/∂name been computed? (An untrained bias has no step of
        its own: its gradient is known once every δ of its layer is.)"""
        network = self.trace.network
        ref = network.param(name)
        if ref.kind == "bias" and not ref.trained:
            return self.reached("delta", ref.layer, network.layers[ref.layer].n_out - 1)
        place = gradient_place(network, name)
        return self.reached(place.kind, place.layer, place.unit, place.rep)

    def update_reached(self, name: str) -> bool:
        place = update_place(self.trace.network, name)
        return self.reached(
            place.kind, place.layer, place.unit, place.rep, sample=self._update_sample
        )
