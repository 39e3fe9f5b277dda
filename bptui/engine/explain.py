"""Why a step is computed the way it is: one plain-words line per step, the post's reasoning.

`why(trace, step)` (or `why(network, step)`) gives one short line for any step of any epoch:
for ∂E_total/∂w5 "E_total depends on w5 only through net_o1, so the chain rule multiplies
∂E_total/∂out_o1, ∂out_o1/∂net_o1 and ∂net_o1/∂w5.", for δ_o1 "the error signal at o1's
input: worked out once, it is reused for every weight into o1." (the step's note defines δ_o1).
Each line names the step's own neurons and parameters, the network's activation, loss and
optimizer, and the settings that shape the formula (η, α, μ, β1, β2, λ).

A line is chosen by the step's kind, then by the operation behind it: the activation of its
neuron's layer, the loss, the update mode, the hidden-gradient order, the optimizer. Each
built-in operation has its own sentence; an activation, loss or optimizer registered by a user
gets a generic one that names it. Nothing numerical is computed (the one number read from a
formula is Adam's step count t) and no other step is built: a line costs a few dict look-ups
and one f-string, cheap enough for every key press. A line is at most `LIMIT` characters (a
sentence too long for very long names falls back to a shorter wording, then is cut with "…"),
and `why` never raises unless asked to (`strict=True`, for tests).

The lines of each phase are written in a module of their own: `bptui.engine.explain_forward`
(the forward pass and the error), `explain_backward` (the chain rule's steps and the
gradients) and `explain_update` (the update and the optimizer's stages), with the wording
helpers they share in `explain_words`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bptui.engine.explain_backward import (
    _de_dout,
    _delta,
    _dnet_dw,
    _dout_dnet,
    _grad_b,
    _grad_b_shared,
    _grad_w,
    _path,
    _path_sum,
)
from bptui.engine.explain_forward import _e_term, _e_total, _net, _out
from bptui.engine.explain_update import (
    _stage_decay,
    _stage_hat,
    _stage_m,
    _stage_nesterov,
    _stage_shrink,
    _stage_v,
    _update,
)
from bptui.engine.explain_words import Lines
from bptui.engine.network import Network
from bptui.engine.steps import Kind, Step

LIMIT = 160  # the longest line `why` returns (most are under 110)


def why(context: Any, step: Step, *, strict: bool = False) -> str:
    """One plain-words line saying why `step` is computed the way it is.

    `context` is the step's `EpochTrace` or its `Network`. An unexpected problem (a user's
    operation missing an attribute, say) gives a generic line naming the step, unless `strict`.
    """
    network: Network = context if isinstance(context, Network) else context.network
    try:
        explain = _BY_KIND.get(step.kind)
        if explain is None:
            explain = _STAGES[step.kind.stage or ""]
        return _fit(explain(network, step))
    except Exception:
        if strict:
            raise
        return _fit((_fallback(step),))


# ---------------------------------------------------------------------------------------------
# Helpers


def _fit(lines: Lines) -> str:
    """The first wording of at most LIMIT characters (the last one cut to fit, if none)."""
    for line in lines:
        if len(line) <= LIMIT:
            return line
    return lines[-1][: LIMIT - 1] + "…"


def _fallback(step: Step) -> str:
    return f"{step.symbol}: {_PLAIN.get(step.kind, 'one step of backpropagation.')}"


_PLAIN = {
    Kind.NET: "the neuron's total net input, its weighted inputs plus its bias.",
    Kind.OUT: "the neuron's activation applied to its net input.",
    Kind.E_TERM: "this output's error against its target.",
    Kind.E_TOTAL: "the sum of every output's error, the number training lowers.",
    Kind.DE_DOUT: "how E_total changes with this output, from the loss.",
    Kind.DOUT_DNET: "the slope of the activation at the neuron's net input.",
    Kind.DELTA: "∂E_total/∂net, the error signal at the neuron's input.",
    Kind.PATH: "the part of E_total flowing through one neuron of the next layer.",
    Kind.PATH_SUM: "the sum of what flows through every neuron this one feeds.",
    Kind.DNET_DW: "only this weight's term of net depends on it: its input.",
    Kind.GRAD_W: "the chain rule through the neuron this weight feeds.",
    Kind.GRAD_B: "∂net/∂b = 1, so the bias's gradient is the neuron's δ.",
    Kind.GRAD_B_SHARED: "the bias feeds every neuron of its layer: the sum of their δs.",
    Kind.UPDATE_W: "the optimizer's step against the gradient.",
    Kind.UPDATE_B: "the optimizer's step against the gradient.",
}
for _kind in Kind:
    _PLAIN.setdefault(_kind, "one of the optimizer's stages before the update.")


_STAGES: dict[str, Callable[[Network, Step], Lines]] = {
    "decay": _stage_decay,
    "shrink": _stage_shrink,
    "nesterov": _stage_nesterov,
    "m": _stage_m,
    "v": _stage_v,
    "m_hat": _stage_hat,
    "v_hat": _stage_hat,
}

_BY_KIND: dict[Kind, Callable[[Network, Step], Lines]] = {
    Kind.NET: _net,
    Kind.OUT: _out,
    Kind.E_TERM: _e_term,
    Kind.E_TOTAL: _e_total,
    Kind.DE_DOUT: _de_dout,
    Kind.DOUT_DNET: _dout_dnet,
    Kind.DELTA: _delta,
    Kind.PATH: _path,
    Kind.PATH_SUM: _path_sum,
    Kind.DNET_DW: _dnet_dw,
    Kind.GRAD_W: _grad_w,
    Kind.GRAD_B: _grad_b,
    Kind.GRAD_B_SHARED: _grad_b_shared,
    Kind.UPDATE_W: _update,
    Kind.UPDATE_B: _update,
}
