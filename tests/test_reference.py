"""Every number of Mazur's worked example, from the engine, to 9 decimals.

The expected values are those of the post, recomputed independently in float64 (the
project's REFERENCE table); they are written out here so the tests hold their own numbers.
Values below 0.001 are compared to 9 significant digits, and the one row the post rounded by
hand (∂E_o2/∂out_h1) to 8 decimals.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from bptui.engine.loader import load_network
from bptui.engine.passes import compute_epoch, forward
from bptui.engine.trace import EpochTrace

FORWARD_AND_ERROR = {
    "net_h1": 0.3775,
    "out_h1": 0.593269992107,
    "net_h2": 0.3925,
    "out_h2": 0.596884378260,
    "net_o1": 1.105905967060,
    "out_o1": 0.751365069552,
    "net_o2": 1.224921404,
    "out_o2": 0.772928465321,
    "E_o1": 0.274811083176,
    "E_o2": 0.023560025584,
    "E_total": 0.298371108760,
}
BACKWARD_OUTPUT = {
    "∂E_total/∂out_o1": 0.741365069552,
    "∂out_o1/∂net_o1": 0.186815601809,
    "∂net_o1/∂w5": 0.593269992107,
    "∂E_total/∂w5": 0.082167040564,
    "δ_o1": 0.138498561629,
    "∂E_total/∂w6": 0.082667628,
    "∂E_total/∂w7": -0.022602540,
    "∂E_total/∂w8": -0.022740242,
    "w5⁺": 0.358916479718,
    "w6⁺": 0.408666186076,
    "w7⁺": 0.511301270239,
    "w8⁺": 0.561370121108,
}
BACKWARD_HIDDEN = {
    "∂E_o1/∂out_h1": 0.055399424651,
    "∂E_total/∂out_h1": 0.036350306393,
    "∂out_h1/∂net_h1": 0.241300708572,
    "∂net_h1/∂w1": 0.05,
    "∂E_total/∂w1": 0.000438567734,
    "w1⁺": 0.149780716133,
    "w2⁺": 0.199561432266,
    "w3⁺": 0.249751143632,
    "w4⁺": 0.299502287265,
    "∂E_total/∂w2": 0.000877135,
    "∂E_total/∂w3": 0.000497713,
    "∂E_total/∂w4": 0.000995425,
    "δ_o2": -0.038098237,
    "δ_h1": 0.008771355,
    "δ_h2": 0.009954255,
}
# The post rounded this one by hand: 8 decimals agree.
ROUNDED_BY_HAND = {"∂E_o2/∂out_h1": (-0.019049118258, 8)}

# Loss after the first update and after 10,000, and the outputs then, in both orders.
AFTER_TRAINING = {
    "mazur": (0.291027773694, 3.510187783e-05, (0.015913620444, 0.984064273515)),
    "mazur-2015": (0.291027923905, 3.508478630e-05, (0.015912196326, 0.984065734486)),
}


def agree(actual: float, expected: float) -> bool:
    """Equal to the digits `expected` is written with, but never beyond 9 decimals (9
    significant digits for values below 0.001)."""
    written = Decimal(repr(expected)).as_tuple().exponent
    if abs(expected) < 1e-3 and expected != 0:
        finest = math.floor(math.log10(abs(expected))) - 8
    else:
        finest = -9
    tolerance = 0.5 * 10.0 ** max(written, finest)
    return abs(actual - expected) <= tolerance * (1 + 1e-9)


def values_of(preset: str) -> dict[str, float]:
    network = load_network(preset)
    trace = EpochTrace(compute_epoch(network, network.params))
    return {step.symbol: step.value for step in trace}


@pytest.mark.parametrize("preset", ["mazur", "mazur-2015"])
@pytest.mark.parametrize(
    "symbol, expected", sorted({**FORWARD_AND_ERROR, **BACKWARD_OUTPUT}.items())
)
def test_forward_error_and_output_layer(preset: str, symbol: str, expected: float) -> None:
    """Both orders share the forward pass and the output layer's gradients and updates."""
    assert agree(values_of(preset)[symbol], expected), symbol


@pytest.mark.parametrize("symbol, expected", sorted(BACKWARD_HIDDEN.items()))
def test_hidden_layer(symbol: str, expected: float) -> None:
    assert agree(values_of("mazur")[symbol], expected), symbol


def test_the_hand_rounded_row_agrees_to_8_decimals() -> None:
    ((symbol, (expected, _)),) = ROUNDED_BY_HAND.items()
    actual = values_of("mazur")[symbol]
    assert abs(actual - expected) <= 0.5e-8
    assert round(actual, 9) != round(-0.019049119, 9)  # the post's printed digit differs


def test_after_output_update_goes_through_the_updated_weights() -> None:
    """mazur-2015: ∂E_o1/∂out_h1 = δ_o1 · w5⁺, so w1's gradient is 0.000364723, not 0.000438568."""
    values = values_of("mazur-2015")
    assert abs(values["∂E_o1/∂out_h1"] - 0.138498561629 * 0.358916479718) < 1e-12
    assert agree(values["∂E_total/∂w1"], 0.000364723)  # the figure, 9 significant digits
    assert not agree(values["∂E_total/∂w1"], 0.000438567734)


def test_the_post_slip_is_not_reproduced() -> None:
    """The post writes net_h1 = w1·i1 + w3·i2 + b1; it is w2."""
    network = load_network("mazur")
    step = EpochTrace(compute_epoch(network, network.params))[0]
    assert step.formula == "w1·i1 + w2·i2 + b1"


@pytest.mark.parametrize("preset", sorted(AFTER_TRAINING))
def test_loss_and_outputs_after_1_and_10000_updates(preset: str) -> None:
    network = load_network(preset)
    first, last, outputs = AFTER_TRAINING[preset]
    params = network.params
    epoch = compute_epoch(network, params)
    assert agree(epoch.loss_after, first)
    for _ in range(10_000):
        epoch = compute_epoch(network, params)
        params = epoch.params_after
    assert agree(epoch.loss_after, last)
    _, outs = forward(network, params, network.inputs)
    for actual, expected in zip(outs[-1][0], outputs, strict=True):
        assert agree(float(actual), expected)
