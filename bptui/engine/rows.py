"""The parameter table's rows: each parameter's value, gradient and update in one sample.

`ParamRows` answers row k on demand (a big net has tens of thousands of parameters and the
table shows a screenful), and computes a row's finite-difference gradient only when asked,
caching it.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from bptui.engine.gradcheck import FLOOR, numeric_gradient, relative_error
from bptui.engine.network import ParamRef
from bptui.engine.trace import EpochTrace
from bptui.records import dataclass


@dataclass(frozen=True)
class GradientRow:
    """One parameter as the update of `sample` uses it."""

    name: str
    edge: str  # "i1 → h1"; for a shared bias "→ h1, h2"
    trained: bool
    value: float  # the value the sample saw
    gradient: float  # ∂E_total/∂param of this sample (as the algorithm computed it)
    batch_gradient: float | None  # batch modes: the summed or averaged gradient of the epoch
    step: float  # what the update takes off: η·∂E/∂param for plain SGD, old − new otherwise
    new: float  # the value after the update
    other_order: bool  # after_output_update's hidden rows: not the true gradient, by design
    moments: tuple[float, ...] = ()  # the optimizer's state after the update, by slot


class ParamRows:
    """The rows of one sample of one epoch, built on demand."""

    def __init__(self, trace: EpochTrace, sample: int) -> None:
        self.trace = trace
        self.sample = sample
        self.network = trace.network
        self._fd: dict[int, float] = {}

    def __len__(self) -> int:
        return self.network.n_params

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, ...]:
        epoch = self.trace.epoch
        record = epoch.samples[self.sample]
        seen = record.params.flat()
        grads = record.grads.flat()
        update = epoch.batch_update if epoch.batch_update is not None else record.update
        assert update is not None
        return seen, grads, update.grads.flat(), update.after.flat()

    @cached_property
    def _moments(self) -> tuple[np.ndarray, ...]:
        """Each optimizer slot's values after the update, over every parameter (zeros where
        a parameter keeps none)."""
        epoch = self.trace.epoch
        update = epoch.batch_update or epoch.samples[self.sample].update
        assert update is not None
        trained = [ref.flat_index for ref in self.network.param_refs if ref.trained]
        result = []
        for slot in update.moments_after:
            values = np.zeros(self.network.n_params)
            values[trained] = slot.flat()[: len(trained)] if len(trained) else []
            result.append(values)
        return tuple(result)

    def ref(self, k: int) -> ParamRef:
        return self.network.param_refs[k]

    def __getitem__(self, k: int) -> GradientRow:
        ref = self.network.param_refs[k]
        seen, grads, used, after = self._arrays
        i = ref.flat_index
        network = self.network
        eager = network.hidden_gradients == "after_output_update"
        target = ref.target.replace(",", ", ")
        plain = network.optimizer == "sgd" and not network.opt.decays(network.opt_settings)
        step = (
            float(network.learning_rate) * float(used[i])  # (no numpy warning)
            if plain
            else float(seen[i]) - float(after[i])
        )
        return GradientRow(
            name=ref.name,
            edge=f"{ref.source} → {target}" if ref.kind == "weight" else f"→ {target}",
            trained=ref.trained,
            value=float(seen[i]),
            gradient=float(grads[i]),
            batch_gradient=None if self.trace.epoch.batch_grads is None else float(used[i]),
            step=step,
            new=float(after[i]),
            other_order=eager and ref.layer < len(network.layers) - 1,
            moments=tuple(float(slot[i]) for slot in self._moments) if ref.trained else (),
        )

    def finite_difference(self, k: int) -> tuple[float, float]:
        """(the finite-difference gradient of the sample's E_total at the parameters it saw,
        its relative error against the true gradient); computed once per row."""
        if k not in self._fd:
            record = self.trace.epoch.samples[self.sample]
            index = self.network.param_refs[k].flat_index
            self._fd[k] = float(
                numeric_gradient(self.network, record.params, self.sample, [index])[0]
            )
        numeric = self._fd[k]
        analytic = self[k].gradient
        return numeric, float(relative_error(np.array([analytic]), np.array([numeric]))[0])

    def tiny_gradient(self, k: int) -> bool:
        """Are row k's gradient and finite difference both under the check's floor (1e-8), so
        that its error is their difference over the floor, not over themselves?"""
        numeric, _ = self.finite_difference(k)
        with np.errstate(all="ignore"):
            return bool(max(abs(numeric), abs(self[k].gradient)) < FLOOR)

    def index_of(self, name: str) -> int:
        return self.network.param(name).flat_index


def gradient_rows(trace: EpochTrace, sample: int) -> list[GradientRow]:
    """Every weight and bias, in table order (w1, w2, ..., then the biases)."""
    rows = ParamRows(trace, sample)
    return [rows[k] for k in range(len(rows))]
