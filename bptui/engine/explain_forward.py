"""Why each step of the forward pass and the error is computed as it is (`bptui.engine.explain`):
a neuron's net input, its activation (one sentence per built-in activation), each output's
error term (one per built-in loss) and the total error.
"""

from __future__ import annotations

from collections.abc import Callable

from bptui.engine.explain_words import Lines, _listed, _n, _neuron
from bptui.engine.network import Layer, Network
from bptui.engine.ops import activations as act
from bptui.engine.ops import losses as los
from bptui.engine.steps import Step

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
