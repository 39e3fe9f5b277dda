"""Why each step of the update is computed as it is (`bptui.engine.explain`): the parameter's
new value under each built-in optimizer, and the optimizer's stages before it (weight decay,
Nesterov's look-ahead, the moments and their bias corrections).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bptui.engine.explain_words import Lines, _n
from bptui.engine.network import Network
from bptui.engine.numtext import num
from bptui.engine.ops import optimizers as opt
from bptui.engine.steps import Kind, Step

# ---------------------------------------------------------------------------------------------
# The update


def _gradient(network: Network, p: str) -> str:
    """The gradient an optimizer is handed, as the update's formula names it."""
    if network.update == "batch_sum":
        return f"Σ ∂E_total/∂{p}"
    if network.update == "batch_mean":
        return f"mean ∂E_total/∂{p}"
    return f"∂E_total/∂{p}"


def _combined(network: Network) -> str:
    """How a batch mode combines the samples' gradients ("" online)."""
    return {"batch_sum": "summed", "batch_mean": "averaged"}.get(network.update, "")


def _update(network: Network, step: Step) -> Lines:
    p = step.param or step.concerns[0]
    eta = _n(network.learning_rate)
    op = network.opt
    combined = _combined(network)
    if type(op) is opt.Sgd:
        return _sgd(network, step, p, eta, combined)
    explain = _UPDATE_BY_TYPE.get(type(op))
    if explain is None:
        body = f"{op.name}: {p}⁺ is {p} after one {op.name} step from its gradient, η = {eta}."
    else:
        body = explain(p, eta, network)
    if combined:
        return (
            f"{body[:-1]}; one update per epoch, from every sample's gradients {combined}.",
            body,
        )
    return (body,)


def _sgd(network: Network, step: Step, p: str, eta: str, combined: str) -> Lines:
    decayed = "decay" in network.opt.stages(network.opt_settings)
    g = f"g_{p}" if decayed else _gradient(network, p)
    if combined:
        return (
            f"gradient descent, one update per epoch: {p} steps against every sample's gradients, "
            f"{combined}: η = {eta} times {g}.",
            f"gradient descent, once per epoch: {p} steps against {g}, η = {eta}.",
        )
    against = f"g_{p}, its gradient plus the L2 term" if decayed else "its gradient"
    if network.hidden_gradients == "after_output_update":
        if step.kind is Kind.UPDATE_W and network.param(p).layer > 0:
            return (
                f"gradient descent at once: {p} − η·{g}, η = {eta}; the layer below then "
                f"back-propagates through {p}⁺, as the post's code did.",
                f"gradient descent at once, η = {eta}: the layer below then uses {p}⁺.",
            )
        return (
            f"gradient descent: {p} takes a small step against {against}, η = {eta}, as soon as "
            "its layer's gradients are complete.",
            f"gradient descent, η = {eta}, as soon as its layer's gradients are complete.",
        )
    if decayed:
        return (
            f"gradient descent: {p} takes a small step against {against}: η = {eta} times {g}.",
        )
    return (
        f"gradient descent: {p} takes a small step against {against}, η = {eta} times {g}, "
        "to lower E_total.",
        f"gradient descent: {p} takes a small step against {against}, η = {eta}.",
    )


_UPDATE_BY_TYPE: dict[type, Callable[[str, str, Network], str]] = {
    opt.Momentum: lambda p, eta, net: (
        f"momentum: {p} steps by η = {eta} times its buffer v_{p}, not the raw gradient, "
        "so steady directions speed up."
    ),
    opt.Nesterov: lambda p, eta, net: (
        f"Nesterov momentum: {p} steps by η = {eta} times the look-ahead n_{p}, not the raw "
        "gradient."
    ),
    opt.Adam: lambda p, eta, net: (
        f"Adam: {p} steps by η·m̂/(√v̂ + ε), η = {eta}: its averaged gradient over its typical "
        "size, so each parameter moves at a similar pace."
    ),
    opt.AdamW: lambda p, eta, net: (
        f"AdamW: {p} takes Adam's step η·m̂/(√v̂ + ε), η = {eta}"
        + (
            f", from the decayed {p}′; the decay never enters m or v."
            if _shrinks(net)
            else "; with no weight decay set it is plain Adam."
        )
    ),
    opt.RmsProp: lambda p, eta, net: (
        f"RMSprop: {p} steps by η·g/(√v_{p} + ε), η = {eta}: the gradient over its recent size, "
        "so steep and flat directions move alike."
    ),
}


def _shrinks(network: Network) -> bool:
    return "shrink" in network.opt.stages(network.opt_settings)


# -- an optimizer's stages -----------------------------------------------------------------


def _setting(network: Network, key: str) -> Any:
    return network.opt_settings[key]


def _stage_decay(network: Network, step: Step) -> Lines:
    p = step.param or step.concerns[0]
    lam = _n(_setting(network, "weight_decay"))
    return (
        f"L2 weight decay (λ = {lam}): g_{p} adds λ·{p} to {p}'s gradient, pulling {p} toward 0.",
    )


def _stage_shrink(network: Network, step: Step) -> Lines:
    p = step.param or step.concerns[0]
    lam = _n(_setting(network, "weight_decay"))
    return (
        f"AdamW's decoupled decay: {p} shrinks by 1 − η·λ (λ = {lam}) directly, not through "
        "its gradient, before Adam's step.",
    )


def _stage_nesterov(network: Network, step: Step) -> Lines:
    p = step.param or step.concerns[0]
    return (
        f"Nesterov look-ahead: n_{p} = g + μ·v_{p}, the gradient plus where the momentum is "
        f"about to carry {p}.",
    )


def _stage_m(network: Network, step: Step) -> Lines:
    p = step.param or step.concerns[0]
    op = network.opt
    if isinstance(op, opt.Adam):
        b1 = _n(_setting(network, "betas")[0])
        return (
            f"Adam's first moment (β1 = {b1}): m_{p} is a running average of {p}'s gradient, "
            "which smooths out its noise.",
        )
    return (f"{op.name}: m_{p}, its first running estimate for {p}, updated from the gradient.",)


def _stage_v(network: Network, step: Step) -> Lines:
    p = step.param or step.concerns[0]
    op = network.opt
    if isinstance(op, opt.Adam):
        b2 = _n(_setting(network, "betas")[1])
        return (
            f"Adam's second moment (β2 = {b2}): v_{p} is a running average of {p}'s squared "
            "gradient, its typical size.",
        )
    if isinstance(op, opt.Momentum):
        mu = _n(_setting(network, "momentum"))
        return (
            f"momentum buffer (μ = {mu}): v_{p} = μ·v_{p} + g keeps a decaying sum of {p}'s past "
            "gradients, so steady directions gather speed.",
        )
    if isinstance(op, opt.RmsProp):
        alpha = _n(_setting(network, "alpha"))
        return (
            f"RMSprop's running mean of g² (α = {alpha}): v_{p} tracks the size of {p}'s recent "
            "gradients, to scale its step.",
        )
    return (f"{op.name}: v_{p}, its running estimate for {p}, updated from the gradient.",)


def _step_count(step: Step) -> str:
    for leaf in step.expr.leaves():
        if leaf.sym.text == "t":
            return f" t = {num(leaf.value, 0)}"
    return " t"


def _stage_hat(network: Network, step: Step) -> Lines:
    p = step.param or step.concerns[0]
    first = step.kind.stage == "m_hat"
    slot, beta = ("m", "β1") if first else ("v", "β2")
    return (
        f"bias correction at step{_step_count(step)}: {slot}_{p} starts at 0, so "
        f"{slot}\u0302_{p} = {slot}_{p}/(1 − {beta}^t) undoes its pull toward 0.",
    )
