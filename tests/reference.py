"""Mazur's worked example, recomputed independently in float64: the numbers the tests check.

Every test that checks a number of the post imports it from here, so each is written once.
Values are given to the digits they were recomputed with (12 decimals for most); `agree` in
tests/test_reference.py compares to the digits written. `shown` spells a number the way the
post (and the screen, and `bptui trace`) writes it, independently of bptui's own formatter.
"""

from __future__ import annotations

from typing import NamedTuple

# Epoch 1 of `mazur` (the post's order: hidden gradients through the weights before update).
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
# The post rounded this one by hand: 8 decimals agree (its printed 9th digit differs).
ROUNDED_BY_HAND = {"∂E_o2/∂out_h1": (-0.019049118258, 8)}
POST_PRINTED = {"∂E_o2/∂out_h1": -0.019049119}

MAZUR = {
    **FORWARD_AND_ERROR,
    **BACKWARD_OUTPUT,
    **BACKWARD_HIDDEN,
    "∂E_o2/∂out_h1": ROUNDED_BY_HAND["∂E_o2/∂out_h1"][0],
}
"""Every reference value of `mazur`'s first epoch, by symbol."""

# `mazur-2015` (after_output_update): the hidden layer back-propagates through w5⁺..w8⁺.
MAZUR_2015 = {
    "∂E_o1/∂out_h1": MAZUR["δ_o1"] * MAZUR["w5⁺"],
    "∂E_total/∂out_h1": 0.030229739,
    "∂E_total/∂w1": 0.000364723,  # the figure, 9 significant digits
}


class Trained(NamedTuple):
    """The post's run of 10,000 epochs in one hidden-gradient order."""

    first_loss: float
    """The loss after epoch 1."""
    e_total_10000: float
    """E_total in epoch 10,000, before its update (the loss after epoch 9,999): the post's
    "after 10,000 rounds the error is 0.0000351085"."""
    loss: float
    """The loss after epoch 10,000."""
    outputs: tuple[float, float]
    """out_o1 and out_o2 after epoch 10,000."""


AFTER_TRAINING = {
    "mazur": Trained(
        0.291027773694, 3.510854812e-05, 3.510187783e-05, (0.015913620444, 0.984064273515)
    ),
    "mazur-2015": Trained(
        0.291027923905, 3.509145381e-05, 3.508478630e-05, (0.015912196326, 0.984065734486)
    ),
}

MINUS = "−"


def shown(value: float, decimals: int = 9) -> str:
    """A number as the post writes it: `decimals` decimals with trailing zeros dropped, or
    `decimals` significant digits in scientific notation below 1e-4; a true minus sign."""
    if value != 0 and abs(value) < 1e-4:
        mantissa, exponent = f"{value:.{decimals - 1}e}".split("e")
        text = f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"
    else:
        text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return MINUS + text[1:] if text.startswith("-") else text


def show(symbol: str, decimals: int = 9) -> str:
    """The reference value of `mazur`'s `symbol`, as the post writes it."""
    return shown(MAZUR[symbol], decimals)
