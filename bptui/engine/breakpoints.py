"""Breakpoints: conditions on steps, and finding the first step after a position where one holds.

Four kinds, parsed from what the user types (never evaluated as code):
- `w5` or `∂E_total/∂w5` (`dE_total/dw5`): the gradient step of that parameter, any sample;
- `E_total < 0.01`: a sample's E_total step whose value is below the threshold;
- `nan` (or `nonfinite`, `inf`): the first non-finite value of any step;
- `|∂E_total/∂w5| > 0.1`, or `|grad| > 0.1` for any parameter: a gradient step whose magnitude
  exceeds the threshold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

import numpy as np

from bptui.engine.errors import BptuiError
from bptui.engine.network import Network
from bptui.engine.symbols import normalize
from bptui.engine.trace import EpochTrace, gradient_place
from bptui.records import dataclass

KINDS = ("gradient", "loss_below", "nonfinite", "gradient_above")


@dataclass(frozen=True)
class Breakpoint:
    kind: str
    param: str | None = None  # gradient / gradient_above (None: any parameter)
    threshold: float | None = None
    enabled: bool = True

    def describe(self) -> str:
        if self.kind == "gradient":
            return f"∂E_total/∂{self.param} (any sample)"
        if self.kind == "loss_below":
            return f"E_total < {self.threshold:g}"
        if self.kind == "nonfinite":
            return "the first non-finite value"
        target = f"∂E_total/∂{self.param}" if self.param else "any ∂E_total/∂w"
        return f"|{target}| > {self.threshold:g}"

    def toggled(self) -> Breakpoint:
        return Breakpoint(self.kind, self.param, self.threshold, not self.enabled)


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BptuiError(f"{what}: expected a number, found {text!r}") from None
    if not math.isfinite(value):
        raise BptuiError(f"{what}: expected a finite number, found {text!r}")
    return value


def _nonzero(text: str) -> bool:
    """Does the number typed have a digit other than 0 before its exponent (1e-999 does)?"""
    return any(c in "123456789" for c in text.lower().split("e")[0])


def untrained_message(name: str) -> str:
    """Why a breakpoint cannot name `name`, a bias that is not trained."""
    return (
        f"{name} is not trained (train_biases = false): its gradient has no step of its own, "
        "so a breakpoint on it would never stop"
    )


def _param(network: Network, text: str) -> str:
    symbol = normalize(text)
    name = symbol[len("∂E_total/∂") :] if symbol.startswith("∂E_total/∂") else symbol
    try:
        ref = network.param(name)
    except KeyError:
        raise BptuiError(f"no parameter named {name!r}") from None
    if not ref.trained:
        raise BptuiError(untrained_message(name))
    return name


def parse_breakpoint(network: Network, text: str) -> Breakpoint:
    """A breakpoint from the user's words; a BptuiError says what was not understood."""
    s = text.strip()
    if s.lower() in ("nan", "inf", "nonfinite", "non-finite"):
        return Breakpoint("nonfinite")
    match = re.fullmatch(r"E_total\s*<\s*(\S+)", s)
    if match:
        threshold = _number(match.group(1), "E_total <")
        if threshold <= 0:
            rounds = " (it rounds to 0)" if threshold == 0 and _nonzero(match.group(1)) else ""
            raise BptuiError(
                f"E_total <: a loss is never below 0, so this would never stop; expected a "
                f"threshold above 0, found {match.group(1)!r}{rounds}"
            )
        return Breakpoint("loss_below", threshold=threshold)
    match = re.fullmatch(r"\|\s*(.+?)\s*\|\s*>\s*(\S+)", s)
    if match:
        what = match.group(1)
        param = None if what.lower() in ("grad", "gradient", "any") else _param(network, what)
        threshold = _number(match.group(2), "|gradient| >")
        if threshold < 0:
            raise BptuiError(
                f"|gradient| >: a magnitude is never below 0, so this would stop at every "
                f"gradient; expected 0 or more, found {match.group(2)!r}"
            )
        return Breakpoint("gradient_above", param, threshold)
    compared = re.fullmatch(r"(\|.*\||E_total)\s*(<=|>=|<|>|=|==)\s*\S+", s)
    if compared:
        raise BptuiError(
            f"not a breakpoint: {s!r}; the comparisons are E_total < a threshold (a loss "
            "falling below it) and |gradient| > a threshold, e.g. E_total < 0.01, |w5| > 0.1"
        )
    if s:
        return Breakpoint("gradient", _param(network, s))
    raise BptuiError("empty breakpoint; try w5, E_total < 0.01, nan, |grad| > 1")


def first_hit(trace: EpochTrace, breakpoints: Iterable[Breakpoint], after: int) -> int | None:
    """The first step index > `after` of this epoch where an enabled breakpoint holds."""
    network = trace.network
    best: int | None = None

    def offer(index: int | None) -> None:
        nonlocal best
        if index is not None and index > after and (best is None or index < best):
            best = index

    last = len(network.layers) - 1
    for bp in breakpoints:
        if not bp.enabled:
            continue
        for record in trace.epoch.samples:
            s = record.index
            if bp.kind == "gradient":
                assert bp.param is not None  # a gradient breakpoint names its parameter
                ref = network.param(bp.param)
                if ref.kind == "bias" and not ref.trained:
                    continue
                offer(trace.index_at(s, gradient_place(network, bp.param)))
            elif (
                bp.kind == "loss_below"
                and bp.threshold is not None
                and record.e_total < bp.threshold
            ):
                offer(trace.index_of(s, "e_total", last))
            elif bp.kind == "gradient_above":
                names = (
                    [bp.param]
                    if bp.param
                    else [ref.name for ref in network.param_refs if ref.trained]
                )
                grads = record.grads.flat()
                for name in names:
                    ref = network.param(name)
                    if abs(grads[ref.flat_index]) > bp.threshold:
                        offer(trace.index_at(s, gradient_place(network, name)))
            elif bp.kind == "nonfinite":
                offer(_first_nonfinite(trace, s, after))
        if bp.kind == "nonfinite" and trace.epoch.batch_grads is not None:
            offer(_first_nonfinite(trace, -1, after))
    return best


def _first_nonfinite(trace: EpochTrace, sample: int, after: int) -> int | None:
    """The first non-finite step of a sample; its arrays are checked before any step is built."""
    epoch = trace.epoch
    if sample >= 0:
        r = epoch.samples[sample]
        arrays = [
            *r.nets,
            *r.outs,
            r.e_terms,
            *r.de_dout,
            *r.dout_dnet,
            *r.deltas,
            *r.paths,
            *r.grad_w,
            *r.grad_b,
        ]
        if r.params_after is not None:
            arrays += [*r.params_after.weights, *r.params_after.biases]
    else:
        arrays = [*epoch.params_after.weights, *epoch.params_after.biases]
    if all(bool(np.all(np.isfinite(a))) for a in arrays):
        return None
    for block in trace.blocks:
        if block.sample != sample:
            continue
        for k in range(block.count):
            index = block.start + k
            if index > after and not math.isfinite(trace[index].value):
                return index
    return None


def find_stop(
    history,
    breakpoints: list[Breakpoint],
    epoch: int,
    index: int,
    epochs: int,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[int, int] | None:
    """Scan forward from (epoch, index), through at most `epochs` epochs, for the first step
    where a breakpoint holds; None if none does (or the scan was stopped)."""
    active = [bp for bp in breakpoints if bp.enabled]
    if not active:
        return None
    after = index
    for e in range(epoch, epoch + epochs):
        if should_stop is not None and should_stop():
            return None
        hit = first_hit(history.trace(e), active, after)
        if hit is not None:
            return e, hit
        after = -1
    return None
