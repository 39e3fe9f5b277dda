"""The candidate mistakes at a step (`bptui.engine.check_yours_search`), each a rule giving
(kind, words, the number the mistake makes at that step) from bptui's own correct numbers and
the learner's matching ones: the sign flipped, a factor or an input left out, the loss's ½ left
out, the updated w⁺ in place of the original w (the post's errata), another learning rate, a
transposed weight matrix, the mean in place of the sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from bptui.engine.numtext import num
from bptui.engine.ops.evaluation import evaluate
from bptui.engine.ops.terms import Prod, Var
from bptui.engine.steps import Kind, Step
from bptui.engine.trace import update_place

if TYPE_CHECKING:
    from bptui.engine.check_yours_search import _Search


COMMON_RATES = (1.0, 0.5, 0.3, 0.25, 0.2, 0.1, 0.05, 0.01, 0.005, 0.001, 0.0001)


Rule = Callable[["_Search", Step, Callable[[Var], float]], list[tuple[str, str, float]]]


def _value(step: Step, value_of: Callable[[Var], float]) -> float:
    return evaluate(step.expr, value_of)


def _leaf(step: Step, symbol: str) -> Var | None:
    return next((leaf for leaf in step.expr.leaves() if leaf.sym.text == symbol), None)


# -- the rules: each gives (kind, words, the number the mistake makes at that step) ------------


def _updated_weight(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    network = search.network
    if step.kind != Kind.PATH or network.update != "online" or search.record is None:
        return []
    delta, weight = step.expr.leaves()
    li, j, m = search.coords(step)
    name = network.layers[li + 1].weight_names[m][j]
    if network.hidden_gradients == "before_update":
        index = search.trace.index_at(step.sample, update_place(network, name))
        if index is None:
            return []
        new = evaluate(search.trace[index].expr, value_of)  # (from the learner's gradient)
        return [
            (
                "updated_weight",
                f"the updated {name}⁺ = {num(new)} in place of the original {name} = "
                f"{num(weight.value)} in {step.symbol} (the post's own errata: its code "
                "updated w5..w8 before back-propagating through them; preset mazur-2015)",
                value_of(delta) * new,
            )
        ]
    old = float(search.record.params.weights[li + 1][m, j])
    return [
        (
            "original_weight",
            f"the original {name} = {num(old)} in place of the updated {name}⁺ = "
            f"{num(weight.value)} in {step.symbol} (this network back-propagates through the "
            "updated weights: hidden_gradients = after_output_update)",
            value_of(delta) * old,
        )
    ]


def _transposed(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    network, record = search.network, search.record
    if record is None or step.kind not in (Kind.NET, Kind.PATH, Kind.GRAD_W):
        return []
    li, j, rep = search.coords(step)
    if step.kind == Kind.PATH:
        layer = network.layers[li + 1]  # δ_m × W[m, j] → δ_m × W[j, m]
        m = rep
        if layer.n_in != layer.n_out or m == j:
            return []
        delta = next(iter(step.expr.leaves()))
        name, swapped = layer.weight_names[m][j], layer.weight_names[j][m]
        w = search.defined(value_of, swapped, float(record.back_weights[li + 1][j, m]))
        return [
            (
                "transposed",
                f"a transposed weight matrix: {step.symbol} took {swapped} in place of {name} "
                "(W[i][j] for W[j][i])",
                value_of(delta) * w,
            )
        ]
    layer = network.layers[li]
    if layer.n_in != layer.n_out:
        return []
    maker = search.trace.maker
    if step.kind == Kind.NET:
        total = 0.0
        swaps = []
        for i in range(layer.n_in):
            name, swapped = layer.weight_names[j][i], layer.weight_names[i][j]
            w = search.defined(value_of, swapped, float(record.params.weights[li][i, j]))
            source = maker.source_symbol(li, i)
            total += w * search.defined(value_of, source, float(record.layer_input(li)[i]))
            if name != swapped:
                swaps.append(f"{swapped} (not {name}) for {source}")
        if layer.bias != "none":
            b = maker.bias_name(li, j)
            leaf = _leaf(step, b)
            total += value_of(leaf) if leaf is not None else 0.0
        return [
            (
                "transposed",
                f"a transposed weight matrix: {step.symbol} took {', '.join(swaps)} "
                "(W[i][j] for W[j][i])",
                total,
            )
        ]
    i = rep  # ∂E_total/∂w_ji = δ_j × x_i → δ_i × x_j
    if i == j:
        return []
    other = layer.weight_names[i][j]
    d_other = maker.delta_symbol(li, i)
    x_other = maker.source_symbol(li, j)
    product = search.defined(value_of, d_other, float(record.deltas[li][i])) * search.defined(
        value_of, x_other, float(record.layer_input(li)[j])
    )
    return [
        (
            "transposed",
            f"a transposed gradient: {step.symbol} took {d_other} × {x_other}, the gradient of "
            f"{other} (W[i][j] for W[j][i])",
            product,
        )
    ]


def _rates(eta: float) -> list[float]:
    rates = {2 * eta, eta / 2, 10 * eta, eta / 10, *COMMON_RATES}
    return sorted(
        (r for r in rates if not math.isclose(r, eta)), key=lambda r: abs(math.log(r / eta))
    )


def _update_parts(step: Step, value_of) -> tuple[float, float] | None:
    """(p, p⁺) of an update step, from the walk's numbers."""
    if step.kind not in (Kind.UPDATE_W, Kind.UPDATE_B) or step.param is None:
        return None
    leaf = _leaf(step, step.param)
    if leaf is None:
        return None
    return value_of(leaf), _value(step, value_of)


def _learning_rate(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    parts = _update_parts(step, value_of)
    if parts is None:
        return []
    p, new = parts
    eta = search.network.learning_rate
    return [
        (
            "learning_rate",
            f"the learning rate {num(rate)} in place of η = {num(eta)} in {step.symbol}",
            p - (p - new) * rate / eta,
        )
        for rate in _rates(eta)
    ]


def _mean_sum(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    network = search.network
    n_out = network.layers[-1].n_out
    if step.kind == Kind.E_TOTAL and n_out > 1 and network.loss != "mse":
        return [
            (
                "mean_sum",
                f"the mean of the {n_out} output errors in place of their sum in E_total",
                _value(step, value_of) / n_out,
            )
        ]
    parts = _update_parts(step, value_of)
    n = network.n_samples
    if parts is None or step.sample >= 0 or n < 2:
        return []
    p, new = parts
    if network.update == "batch_sum":
        return [
            (
                "mean_sum",
                f"the mean of the {n} samples' gradients in place of their sum in {step.symbol} "
                "(update = batch_sum)",
                p - (p - new) / n,
            )
        ]
    return [
        (
            "mean_sum",
            f"the sum of the {n} samples' gradients in place of their mean in {step.symbol} "
            "(update = batch_mean)",
            p - (p - new) * n,
        )
    ]


def _missing_factor(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    network = search.network
    if step.kind not in (Kind.DELTA, Kind.GRAD_W) or search.record is None:
        return []
    li = search.coords(step)[0]
    layer = network.layers[li]
    fused = li == len(network.layers) - 1 and network.fused_output is not None
    if fused or not layer.op.elementwise:
        return []
    factors = step.expr.factors if isinstance(step.expr, Prod) else ()
    if len(factors) < 2 or not isinstance(factors[1], Var):
        return []
    derivative = factors[1].sym.text
    dstep = search.step_of(derivative)
    formula = f" = {dstep.formula}" if dstep is not None else ""
    rest = [f for k, f in enumerate(factors) if k != 1]
    value = 1.0
    for factor in rest:
        value *= evaluate(factor, value_of)
    return [
        (
            "missing_factor",
            f"a missing factor: {step.symbol} without {derivative}{formula}, "
            f"the derivative of {layer.activation}",
            value,
        )
    ]


def _missing_input(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    if step.kind != Kind.GRAD_W or not isinstance(step.expr, Prod):
        return []
    *rest, last = step.expr.factors
    if not isinstance(last, Var):
        return []
    value = 1.0
    for factor in rest:
        value *= evaluate(factor, value_of)
    source = step.alt.factors[1] if isinstance(step.alt, Prod) else None
    shown = f" = {source.sym.text}" if isinstance(source, Var) else ""
    return [
        (
            "missing_factor",
            f"a missing factor: {step.symbol} without {last.sym.text}{shown}",
            value,
        )
    ]


def _half(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    if search.network.loss != "half_sse":
        return []
    if step.kind == Kind.E_TERM:
        return [
            (
                "missing_factor",
                f"a missing factor ½: {step.symbol} = (t − out)² in place of ½(t − out)²",
                2 * _value(step, value_of),
            )
        ]
    if step.kind == Kind.DE_DOUT:
        return [
            (
                "missing_factor",
                f"a factor 2 in {step.symbol}: −2(t − out), the derivative of (t − out)², "
                "not of ½(t − out)²",
                2 * _value(step, value_of),
            )
        ]
    return []


def _sign(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    if step.kind == Kind.DNET_DW:
        return []
    parts = _update_parts(step, value_of)
    if parts is not None:
        p, new = parts
        return [
            (
                "sign",
                f"the step added in place of subtracted: {step.symbol} = {step.param} + "
                f"η·∂E_total/∂{step.param}",
                2 * p - new,
            )
        ]
    if step.kind == Kind.DE_DOUT and search.network.loss == "half_sse":
        text = f"a sign flip at {step.symbol}: (t − out) in place of −(t − out)"
    else:
        text = f"a sign flip at {step.symbol}"
    return [("sign", text, -_value(step, value_of))]


UPDATES = (Kind.UPDATE_W, Kind.UPDATE_B)
RULES: tuple[Rule, ...] = (
    _updated_weight,
    _transposed,
    _mean_sum,
    _learning_rate,
    _missing_factor,
    _missing_input,
    _half,
    _sign,
)
SYSTEMATIC: tuple[Rule, ...] = (_updated_weight, _transposed, _missing_factor, _half)
