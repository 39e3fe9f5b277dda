"""Where Mazur's post prints a number that differs from the exact one, and why: said where a
reader meets it (the status after epoch 1 and after 10,000 epochs, `trace` and `train` for the
Mazur presets, the steps concerned).

- E_total after the first update: the post's 0.291027924 is the loss of its code's order,
  which updated w5..w8 before computing the hidden gradients (preset mazur-2015); the order
  its text describes (preset mazur) gives 0.291027774.
- After 10,000 epochs: the post's 0.0000351085 is E_total computed during epoch 10,000, before
  that epoch's update, in the described order (3.510854812e-05); after the update it is
  3.510187783e-05 (mazur) or 3.508478630e-05 (mazur-2015).
- ∂E_o2/∂out_h1: the post prints −0.019049119, rounded by hand; it is −0.019049118258.
- The hidden layer's section writes net_h1 = w1·i1 + w3·i2 + b1; it is w2, not w3.
"""

from __future__ import annotations

import numpy as np

from bptui.engine.network import Network

_WEIGHTS = ([[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]])


_KNOWN: dict[int, tuple[Network, bool]] = {}  # is_mazur's answers, by network


def is_mazur(network: Network) -> bool:
    """Is this the post's network with the post's numbers (either hidden-gradient order)?
    (Asked at every step the app shows: answered once per network.)"""
    known = _KNOWN.get(id(network))
    if known is None or known[0] is not network:  # (an id is unique while its object lives)
        if len(_KNOWN) > 64:
            _KNOWN.clear()
        known = _KNOWN[id(network)] = (network, _is_mazur(network))
    return known[1]


def _is_mazur(network: Network) -> bool:
    if network.shape != (2, 2, 2) or network.n_samples != 1 or network.optimizer != "sgd":
        return False
    layers = network.layers
    return (
        all(layer.activation == "sigmoid" for layer in layers)
        and network.loss == "half_sse"
        and network.update == "online"
        and not network.train_biases
        and network.learning_rate == 0.5
        and all(
            np.array_equal(w, expected)
            for w, expected in zip(network.params.weights, _WEIGHTS, strict=True)
        )
        and [b.tolist() for b in network.params.biases] == [[0.35], [0.6]]
        and network.inputs.tolist() == [[0.05, 0.1]]
        and network.targets.tolist() == [[0.01, 0.99]]
    )


def loss_note(network: Network, epoch: int) -> str | None:
    """What the post printed for the loss after `epoch`, and why it differs, or None."""
    if not is_mazur(network):
        return None
    described = network.hidden_gradients == "before_update"
    if epoch == 1:
        if described:
            # (one line at 80 columns: two took a row from the diagram, the newcomer trial)
            return "the post's 0.291027924 is preset mazur-2015's: its code updated w5..w8 first"
        return "the post prints 0.291027924, this order's loss: its code's"
    if epoch == 10_000:
        if described:
            return (
                "the post's 0.0000351085 is E_total during epoch 10,000 (3.51085481e-05); its "
                "outputs are mazur-2015's"
            )
        return (
            "the post's outputs are this order's; its 0.0000351085 is mazur's E_total during "
            "epoch 10,000"
        )
    return None


def short_loss_note(network: Network, epoch: int) -> str | None:
    """`loss_note` in fewer words, for a status too narrow for it on one line (a second line
    there took a row from the diagram at the epoch's last step: the newcomer trial)."""
    if loss_note(network, epoch) is None:
        return None
    described = network.hidden_gradients == "before_update"
    if epoch == 1:
        return "the post's 0.291027924 is " + ("mazur-2015's" if described else "this order's")
    if described:
        return "the post's 0.0000351085 is E_total during epoch 10,000"
    return "the post's outputs are this order's"


def step_note(network: Network, symbol: str, epoch: int = 1) -> str | None:
    """What the post prints or writes differently at this step (of `epoch`), or None."""
    if not is_mazur(network):
        return None
    if epoch == 10_000 and symbol == "E_total":
        # (where a reader following the post's 10,000 epochs meets its number; the status
        # says it again once the epoch is done, of the loss after it)
        if network.hidden_gradients == "before_update":
            return "the post's 0.0000351085 after 10,000 epochs is this E_total, during the epoch"
        return "the post's 0.0000351085 after 10,000 epochs is mazur's E_total at this step"
    if symbol == "∂E_o2/∂out_h1" and network.hidden_gradients == "before_update":
        return "the post prints −0.019049119 here, rounded by hand: it is −0.019049118258"
    if symbol == "∂net_h1/∂w1":
        return (
            "the post writes net_h1 = w1·i1 + w3·i2 + b1 here: it is w2, as the forward pass has it"
        )
    return None
