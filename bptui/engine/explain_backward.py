"""Why each step of the backward pass is computed as it is (`bptui.engine.explain`): ∂E/∂out
(one sentence per built-in loss), the activation's slope, δ, the paths back through the next
layer and their sum, and the weights' and biases' gradients.
"""

from __future__ import annotations

from collections.abc import Callable

from bptui.engine.explain_words import Lines, _listed, _n, _neuron, _source
from bptui.engine.network import Layer, Network
from bptui.engine.ops import activations as act
from bptui.engine.ops import losses as los
from bptui.engine.steps import Step

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
    return (  # (the step's note defines δ: the why says what it is for)
        f"the error signal at {x}'s input: worked out once, it is reused for every weight "
        f"into {x}.",
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
