"""Every number of Mazur's worked example, from the engine, to 9 decimals.

The expected values are those of the post, recomputed independently in float64 (the
project's reference table, tests/reference.py). Values below 0.001 are compared to 9
significant digits, and the one row the post rounded by hand (∂E_o2/∂out_h1) to 8 decimals.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from bptui.engine.loader import load_network
from bptui.engine.passes import compute_epoch, forward
from bptui.engine.trace import EpochTrace
from tests.reference import (
    AFTER_TRAINING,
    BACKWARD_HIDDEN,
    BACKWARD_OUTPUT,
    FORWARD_AND_ERROR,
    MAZUR,
    MAZUR_2015,
    POST_PRINTED,
    ROUNDED_BY_HAND,
)


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
    assert round(actual, 9) != round(POST_PRINTED[symbol], 9)  # the post's printed digit differs


def test_after_output_update_goes_through_the_updated_weights() -> None:
    """mazur-2015: ∂E_o1/∂out_h1 = δ_o1 · w5⁺, so w1's gradient is 0.000364723, not 0.000438568."""
    values = values_of("mazur-2015")
    assert abs(values["∂E_o1/∂out_h1"] - MAZUR_2015["∂E_o1/∂out_h1"]) < 1e-12
    assert agree(values["∂E_total/∂out_h1"], MAZUR_2015["∂E_total/∂out_h1"])
    assert agree(values["∂E_total/∂w1"], MAZUR_2015["∂E_total/∂w1"])
    assert not agree(values["∂E_total/∂w1"], MAZUR["∂E_total/∂w1"])


def test_the_post_slip_is_not_reproduced() -> None:
    """The post writes net_h1 = w1·i1 + w3·i2 + b1; it is w2."""
    network = load_network("mazur")
    step = EpochTrace(compute_epoch(network, network.params))[0]
    assert step.formula == "w1·i1 + w2·i2 + b1"


@pytest.mark.parametrize("preset", sorted(AFTER_TRAINING))
def test_loss_and_outputs_after_1_and_10000_updates(preset: str) -> None:
    """The loss after epoch 1, E_total in epoch 10,000 (the post's "error after 10,000
    rounds"), the loss and the outputs after it."""
    network = load_network(preset)
    expected = AFTER_TRAINING[preset]
    params = network.params
    epoch = compute_epoch(network, params)
    assert agree(epoch.loss_after, expected.first_loss)
    for _ in range(10_000):
        epoch = compute_epoch(network, params)
        params = epoch.params_after
    assert agree(epoch.samples[0].e_total, expected.e_total_10000)
    assert agree(epoch.loss_after, expected.loss)
    _, outs = forward(network, params, network.inputs)
    for actual, wanted in zip(outs[-1][0], expected.outputs, strict=True):
        assert agree(float(actual), wanted)
