"""Why a step is computed the way it is: one plain-words line per step, the post's reasoning.

`why(trace, step)` (or `why(network, step)`) gives one short line for any step of any epoch:
for ∂E_total/∂w5 "E_total depends on w5 only through net_o1, so the chain rule multiplies
∂E_total/∂out_o1, ∂out_o1/∂net_o1 and ∂net_o1/∂w5.", for δ_o1 "δ_o1 = ∂E_total/∂net_o1, the
error signal at o1's input; reused for every weight into o1.". Each line names the step's own
neurons and parameters, the network's activation, loss and optimizer, and the settings that
shape the formula (η, α, μ, β1, β2, λ).

A line is chosen by the step's kind, then by the operation behind it: the activation of its
neuron's layer, the loss, the update mode, the hidden-gradient order, the optimizer. Each
built-in operation has its own sentence; an activation, loss or optimizer registered by a user
gets a generic one that names it. Nothing numerical is computed (the one number read from a
formula is Adam's step count t) and no other step is built: a line costs a few dict look-ups
and one f-string, cheap enough for every key press. A line is at most `LIMIT` characters (a
sentence too long for very long names falls back to a shorter wording, then is cut with "…"),
and `why` never raises unless asked to (`strict=True`, for tests).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bptui.engine.network import Layer, Network
from bptui.engine.numtext import num
from bptui.engine.ops import activations as act
from bptui.engine.ops import losses as los
from bptui.engine.ops import optimizers as opt
from bptui.engine.steps import Kind, Step

LIMIT = 160  # the longest line `why` returns (most are under 110)

Lines = tuple[str, ...]  # candidate wordings, preferred first


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


# ---------------------------------------------------------------------------------------------
# The forward pass


def _net(network: Network, step: Step) -> Lines:
    x = step.concerns[0]
    li, j, layer = _neuron(network, x)
    weights = layer.weight_names[j]
    listed = _listed(weights)
    if layer.bias == "shared":
        bias = f", plus the bias {layer.bias_names[0]} its layer shares"
    elif layer.bias == "neuron":
        bias = f", plus its own bias {layer.bias_names[j]}"
    else:
        bias = "; its layer has no bias"
    incoming = "each input" if li == 0 else "each hidden output"
    return (
        f"net_{x}, {x}'s total net input: {incoming} times its own weight ({listed}){bias}.",
        f"net_{x}, {x}'s total net input: {incoming} times its own weight{bias}.",
    )


def _out(network: Network, step: Step) -> Lines:
    x = step.concerns[0]
    _, _, layer = _neuron(network, x)
    op = layer.op
    explain = _OUT_BY_TYPE.get(type(op))
    if explain is not None:
        return (explain(x, layer),)
    return (f"out_{x} applies {x}'s activation, {op.name}, to its total net input net_{x}.",)


def _out_leaky(x: str, layer: Layer) -> str:
    a = _n(layer.p["alpha"])
    return (
        f"leaky relu keeps net_{x} when positive and scales it by α = {a} below 0, "
        f"so {x} is never fully silent."
    )


def _out_elu(x: str, layer: Layer) -> str:
    a = _n(layer.p["alpha"])
    return (
        f"elu keeps net_{x} when positive; below 0 it curves smoothly as α(e^net − 1), "
        f"levelling off at −α = −{a}."
    )


def _out_softmax(x: str, layer: Layer) -> str:
    return (
        f"softmax: out_{x} is {x}'s share of its layer's e^net, so the outputs sum to 1; "
        "the nets are shifted by the largest, so e^ never overflows."
    )


_OUT_BY_TYPE: dict[type, Callable[[str, Layer], str]] = {
    act.Sigmoid: lambda x, _: (
        f"{x} squashes its total net input with the logistic function, "
        f"so out_{x} lies between 0 and 1."
    ),
    act.Tanh: lambda x, _: (
        f"{x} squashes net_{x} with tanh, so out_{x} lies between −1 and 1, centred on 0."
    ),
    act.Relu: lambda x, _: (
        f"relu passes net_{x} through when it is positive and gives 0 otherwise: "
        f"{x} is either on or silent."
    ),
    act.Linear: lambda x, _: (
        f"a linear neuron: out_{x} is net_{x} itself, unsquashed, so it can take any value."
    ),
    act.LeakyRelu: _out_leaky,
    act.Elu: _out_elu,
    act.Softplus: lambda x, _: (
        f"softplus ln(1 + e^net) is a smooth relu: out_{x} is near 0 for very negative net_{x} "
        f"and near net_{x} for large ones."
    ),
    act.Gelu: lambda x, _: (
        f"gelu weights net_{x} by Φ(net_{x}), the chance a standard normal falls below it: "
        "a smooth relu."
    ),
    act.Softmax: _out_softmax,
}


# ---------------------------------------------------------------------------------------------
# The error


def _e_term(network: Network, step: Step) -> Lines:
    x = step.concerns[0]
    loss = network.loss_op
    n = network.layers[-1].n_out
    explain = _E_TERM_BY_TYPE.get(type(loss))
    if explain is not None:
        return (explain(x, n),)
    return (f"E_{x} is {x}'s part of the {loss.name} loss: how far out_{x} is from t_{x}.",)


_E_TERM_BY_TYPE: dict[type, Callable[[str, int], str]] = {
    los.HalfSse: lambda x, n: (
        f"the squared error of {x} against its target t_{x}, halved: the ½ cancels the "
        "exponent when we differentiate later on."
    ),
    los.Sse: lambda x, n: (
        f"the squared error of {x} against its target t_{x}, without the ½, so its derivative "
        "keeps a factor 2."
    ),
    los.Mse: lambda x, n: (
        f"the squared error of {x} against its target t_{x}, divided by the number of outputs "
        f"({n}), so E_total is their mean."
    ),
    los.Bce: lambda x, n: (
        f"binary cross-entropy: −ln of the probability out_{x} gives to {x}'s target t_{x}; "
        f"computed from net_{x}, so never ln 0."
    ),
    los.CrossEntropy: lambda x, n: (
        f"{x}'s part of the cross-entropy, −t_{x}·ln(out_{x}): an output whose target is 0 "
        "adds nothing; computed from the nets, never ln 0."
    ),
}


def _e_total(network: Network, step: Step) -> Lines:
    names = network.layers[-1].names
    loss = network.loss
    if len(names) == 1:
        return (
            f"one output: E_total is E_{names[0]}, the {loss} error the network learns to lower.",
        )
    if len(names) <= 3:
        terms = " + ".join(f"E_{name}" for name in names)
    else:
        terms = f"E_{names[0]} + … + E_{names[-1]}"
    if loss == "mse":
        return (
            f"E_total = {terms}: each already divided by {len(names)}, so the sum is the mean "
            "squared error training lowers.",
        )
    return (
        f"E_total = {terms}: the sum of every output's {loss} error, the one number training "
        "lowers.",
    )


# ---------------------------------------------------------------------------------------------
# The backward pass


def _de_dout(network: Network, step: Step) -> Lines:
    x = step.concerns[0]
    n = network.layers[-1].n_out
    only = f"E_total is E_{x}" if n == 1 else f"only E_{x} depends on out_{x}"
    loss = network.loss_op
    explain = _DE_DOUT_BY_TYPE.get(type(loss))
    if explain is not None:
        return (f"{only}, and {explain(x, n)}",)
    return (f"how E_total changes with out_{x}: {only}, so this is the {loss.name} slope there.",)


_DE_DOUT_BY_TYPE: dict[type, Callable[[str, int], str]] = {
    los.HalfSse: lambda x, n: f"the ½ cancels the square's 2, leaving −(t_{x} − out_{x}).",
    los.Sse: lambda x, n: f"differentiating the square brings down a 2: −2(t_{x} − out_{x}).",
    los.Mse: lambda x, n: (
        f"the square brings down a 2, the mean divides by the number of outputs ({n})."
    ),
    los.Bce: lambda x, n: (
        f"binary cross-entropy's slope −(t/out − (1 − t)/(1 − out)) blows up as out_{x} saturates."
    ),
    los.CrossEntropy: lambda x, n: f"cross-entropy's slope −t_{x}/out_{x} blows up near 0.",
}


def _dout_dnet(network: Network, step: Step) -> Lines:
    x = step.concerns[0]
    _, _, layer = _neuron(network, x)
    op = layer.op
    explain = _DOUT_BY_TYPE.get(type(op))
    if explain is not None:
        return (explain(x, layer),)
    return (
        f"how much out_{x} changes with net_{x}: the slope of {op.name} there, "
        "the activation's factor in the chain rule.",
    )


def _dout_kinked(x: str, name: str, below: str, left: str) -> str:
    return (
        f"{name}'s slope: 1 where net_{x} > 0, else {below}; at the kink net_{x} = 0 it takes "
        f"{left}, the left side, as 1[net > 0] does."
    )


_DOUT_BY_TYPE: dict[type, Callable[[str, Layer], str]] = {
    act.Sigmoid: lambda x, _: (
        f"how much out_{x} changes with net_{x}: the logistic function's slope is "
        f"out_{x}(1 − out_{x}), read off the output."
    ),
    act.Tanh: lambda x, _: (
        f"how much out_{x} changes with net_{x}: tanh's slope is 1 − out_{x}², "
        "read off the output already computed."
    ),
    act.Relu: lambda x, _: _dout_kinked(x, "relu", "0", "0"),
    act.Linear: lambda x, _: (
        f"a linear neuron passes net_{x} through unchanged, so ∂out_{x}/∂net_{x} is 1."
    ),
    act.LeakyRelu: lambda x, layer: _dout_kinked(
        x, "leaky relu", f"α = {_n(layer.p['alpha'])}", "α"
    ),
    act.Elu: lambda x, layer: _dout_kinked(
        x, "elu", f"α·e^net_{x} with α = {_n(layer.p['alpha'])}", "α"
    ),
    act.Softplus: lambda x, _: (
        f"softplus's slope is the logistic function of net_{x}: it rises smoothly from 0 to 1."
    ),
    act.Gelu: lambda x, _: (
        f"gelu's slope by the product rule: Φ(net_{x}) + net_{x}·φ(net_{x}), the normal CDF "
        "plus net times its density."
    ),
    act.Softmax: lambda x, _: (
        f"softmax's own slope out_{x}(1 − out_{x}), the diagonal of its Jacobian."
    ),
}


def _delta(network: Network, step: Step) -> Lines:
    x = step.concerns[0]
    li, _, layer = _neuron(network, x)
    if step.note and li == len(network.layers) - 1 and network.fused_output is not None:
        return _fused(network, x, layer)
    op = layer.op
    if not op.elementwise:
        return (
            f"{op.name}: net_{x} moves every output of its layer, so δ_{x} sums "
            f"∂E_total/∂out_m × ∂out_m/∂net_{x} over all of them.",
            f"{op.name}: net_{x} moves every output of its layer, so δ_{x} sums over all of them.",
        )
    return (
        f"δ_{x} = ∂E_total/∂net_{x}, the error signal at {x}'s input; "
        f"reused for every weight into {x}.",
    )


def _fused(network: Network, x: str, layer: Layer) -> Lines:
    loss = network.loss_op
    title = loss.title or loss.name
    if isinstance(loss, los.CrossEntropy):
        return (
            f"softmax with cross-entropy: the chain through every output cancels to "
            f"out_{x} − t_{x}, finite even when out_{x} saturates.",
        )
    return (
        f"{layer.activation} with {title}: ∂E/∂out × ∂out/∂net cancel to out_{x} − t_{x}, "
        f"which stays finite when out_{x} saturates.",
        f"{layer.activation} with {title}: the factors cancel to out_{x} − t_{x}, finite "
        "when out saturates.",
    )


def _path(network: Network, step: Step) -> Lines:
    w = step.concerns[0]
    ref = network.param(w)
    x, m = ref.source, ref.target
    if network.hidden_gradients == "after_output_update":
        return (
            f"the part of E_total that flows from {x} through {m}: {m}'s δ times {w}⁺, "
            "the already-updated weight, as the post's code did.",
            f"the part of E_total from {x} through {m}: δ_{m} times the updated {w}⁺.",
        )
    return (
        f"the part of E_total that flows from {x} through {m}: {m}'s δ times the weight {w} "
        "between them.",
    )


def _path_sum(network: Network, step: Step) -> Lines:
    x = step.concerns[0]
    li, _, _ = _neuron(network, x)
    fed = network.layers[li + 1].names
    if len(fed) == 1:
        return (f"{x} feeds only {fed[0]}, so its effect on E_total is what flows through it.",)
    every = f"all {len(fed)} of {_listed(fed)}" if len(fed) > 3 else _listed(fed)
    return (f"{x} feeds {every}, so its effect on E_total is the sum of what flows through each.",)


def _dnet_dw(network: Network, step: Step) -> Lines:
    w = step.concerns[0]
    ref = network.param(w)
    x = ref.target
    layer = network.layers[ref.layer]
    source = _source(network, ref.layer, ref.col)
    if layer.n_in == 1 and layer.bias == "none":
        return (f"net_{x} = {w}·{source}, so its derivative by {w} is {source}.",)
    return (
        f"net_{x} = {w}·{source} + …: only the {w} term depends on {w}, "
        f"so its derivative is {source}.",
    )


def _grad_w(network: Network, step: Step) -> Lines:
    w = step.concerns[0]
    ref = network.param(w)
    x = ref.target
    head = f"E_total depends on {w} only through net_{x}, so the chain rule"
    short = (
        f"E_total depends on {w} only through net_{x}: its gradient is δ_{x} times ∂net_{x}/∂{w}.",
    )
    if len(step.uses) == 3:
        return (
            f"{head} multiplies ∂E_total/∂out_{x}, ∂out_{x}/∂net_{x} and ∂net_{x}/∂{w}.",
            *short,
        )
    return (f"{head} multiplies δ_{x} = ∂E_total/∂net_{x} by ∂net_{x}/∂{w}.", *short)


def _grad_b(network: Network, step: Step) -> Lines:
    b = step.param or step.concerns[0]
    x = network.param(b).target
    return (f"net_{x} = … + {b}, so ∂net_{x}/∂{b} = 1 and the gradient of {b} is δ_{x} itself.",)


def _grad_b_shared(network: Network, step: Step) -> Lines:
    b = step.param or step.concerns[0]
    layer = network.layers[network.param(b).layer]
    names = layer.names
    every = _listed(names) if len(names) <= 3 else f"all {len(names)}: {_listed(names)}"
    if len(names) == 1:
        x = names[0]
        return (f"{b} feeds only {x}, with ∂net_{x}/∂{b} = 1, so its gradient is δ_{x} itself.",)
    return (
        f"{b} feeds every neuron of its layer ({every}), with ∂net/∂{b} = 1 for each, so its "
        "gradient is the sum of their δs.",
    )


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
