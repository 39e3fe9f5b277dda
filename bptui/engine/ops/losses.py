"""Losses: each one object holding its maths, its derivative, its formulas and its code.

A `Loss` gives, per sample and output neuron (their sum is E_total):
- `terms(net, out, t)`: each output's E_oK (numpy; bce and cross_entropy from the nets, so
  that a saturated output gives a large finite loss instead of log 0);
- `derivative(out, t)`: ∂E_total/∂out_oK (may be infinite for a saturated bce/ce output,
  which is why those two, with their own output activation, use the fused δ = out − t:
  `fused_with` names that activation);
- `term_formula` and `derivative_formula` as `Term`s;
- `code_*`: the scalar Python for `bptui.engine.codegen`, the same arithmetic as `terms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from bptui.engine.ops.terms import (
    HALF,
    ONE,
    TWO,
    Call,
    Const,
    Diff,
    Neg,
    Prod,
    Quot,
    Square,
    Sum,
    Term,
    Var,
)


class Loss:
    """One per-sample loss (subclass and register it to add one)."""

    name: ClassVar[str]
    requires_output: ClassVar[str | None] = None  # the output activation it needs
    fused_with: ClassVar[str | None] = None  # δ = out − target with this output activation
    functions: ClassVar[tuple[str, ...]] = ()  # what its code calls

    def terms(self, net: np.ndarray, out: np.ndarray, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, out: np.ndarray, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def term_formula(self, t: Var, out: Var, n: int) -> Term:
        raise NotImplementedError

    def derivative_formula(self, t: Var, out: Var, n: int) -> Term:
        raise NotImplementedError

    def check_targets(self, targets: Sequence[float]) -> tuple[int | None, str] | None:
        """A problem with one sample's targets: (the index at fault or None for all, what is
        wrong), or None."""
        return None

    @property
    def fused_note(self) -> str:
        return f"{self.fused_with} with {self.title}: δ = out − target"

    title: ClassVar[str] = ""

    # -- the scalar code ----------------------------------------------------------------------
    def code_forward(self, outputs: Sequence[str]) -> list[str]:
        """Lines after the forward pass that the loss and its gradient share."""
        return [f"r_{name} = out_{name} - t_{name}" for name in outputs]

    def code_loss(self, outputs: Sequence[str], total: str | None) -> list[str]:
        """Lines that set E to the sample's loss (`total`: add it to that name instead)."""
        raise NotImplementedError

    def code_gradient(self, name: str, n: int) -> str:
        """∂E/∂out of one output as an expression, for a loss that is not fused."""
        raise NotImplementedError


def _assign(total: str | None, expression: str) -> str:
    return f"E = {expression}" if total is None else f"{total} += {expression}"


class HalfSse(Loss):
    name = "half_sse"

    def terms(self, net, out, t):
        return 0.5 * (t - out) ** 2

    def derivative(self, out, t):
        return -(t - out)

    def term_formula(self, t, out, n):
        return Prod((HALF, Square(Diff(t, out))), "")

    def derivative_formula(self, t, out, n):
        return Neg(Diff(t, out))

    def code_loss(self, outputs, total):
        # Σ ½r² = ½·Σ r²: halving is exact, so this is the same number with fewer products
        squares = " + ".join(f"r_{name} * r_{name}" for name in outputs)
        return [_assign(total, f"0.5 * ({squares})")]

    def code_gradient(self, name, n):
        return f"r_{name}"  # r = out − t is −(t − out) exactly


class Sse(Loss):
    name = "sse"

    def terms(self, net, out, t):
        return (t - out) ** 2

    def derivative(self, out, t):
        return -2.0 * (t - out)

    def term_formula(self, t, out, n):
        return Square(Diff(t, out))

    def derivative_formula(self, t, out, n):
        return Neg(Prod((TWO, Diff(t, out)), ""))

    def code_loss(self, outputs, total):
        return [_assign(total, " + ".join(f"r_{name} * r_{name}" for name in outputs))]

    def code_gradient(self, name, n):
        return f"2.0 * r_{name}"


class Mse(Loss):
    name = "mse"

    def terms(self, net, out, t):
        return (t - out) ** 2 / out.shape[-1]

    def derivative(self, out, t):
        return -2.0 * (t - out) / out.shape[-1]

    def term_formula(self, t, out, n):
        square = Square(Diff(t, out))
        return square if n == 1 else Quot(square, Const(str(n)))  # (no "/1": the mean of one)

    def derivative_formula(self, t, out, n):
        slope = Neg(Prod((TWO, Diff(t, out)), ""))
        return slope if n == 1 else Quot(slope, Const(str(n)))

    def code_loss(self, outputs, total):
        n = len(outputs)
        return [_assign(total, " + ".join(f"r_{name} * r_{name} / {n}" for name in outputs))]

    def code_gradient(self, name, n):
        return f"2.0 * r_{name} / {n}"


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) without overflow."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


class Bce(Loss):
    """Binary cross-entropy: −[t·ln σ(z) + (1 − t)·ln(1 − σ(z))] = t·softplus(−z) +
    (1 − t)·softplus(z), computed from the net z."""

    name = "bce"
    title = "binary cross-entropy"
    requires_output = "sigmoid"
    fused_with = "sigmoid"
    functions = ("exp", "log1p")

    def terms(self, net, out, t):
        return t * softplus(-net) + (1.0 - t) * softplus(net)

    def derivative(self, out, t):
        return -(t / out - (1.0 - t) / (1.0 - out))

    def term_formula(self, t, out, n):
        return Neg(
            Sum(
                (
                    Prod((t, Call("ln", (out,))), "·"),
                    Prod((Diff(ONE, t), Call("ln", (Diff(ONE, out),))), "·"),
                )
            )
        )

    def derivative_formula(self, t, out, n):
        return Neg(Diff(Quot(t, out), Quot(Diff(ONE, t), Diff(ONE, out))))

    def check_targets(self, targets):
        for k, value in enumerate(targets):
            if not 0.0 <= value <= 1.0:
                return k, f"bce targets must lie between 0 and 1, found {value:g}"
        return None

    def code_forward(self, outputs):
        return []

    def code_loss(self, outputs, total):
        # t·softplus(−net) + (1−t)·softplus(net), softplus(x) = max(x, 0) + log1p(e^−|x|)
        lines = []
        for name in outputs:
            net, t, tail = f"net_{name}", f"t_{name}", f"L_{name}"
            lines += [
                f"{tail} = log1p(exp(-abs({net})))",
                f"if {net} >= 0.0:",
                f"    E_{name} = {t} * {tail} + (1.0 - {t}) * ({net} + {tail})",
                "else:",
                f"    E_{name} = {t} * ({tail} - {net}) + (1.0 - {t}) * {tail}",
            ]
        return [*lines, _assign(total, " + ".join(f"E_{name}" for name in outputs))]


class CrossEntropy(Loss):
    """−Σ t·ln(out) over a softmax output, from the nets (log-softmax); a zero target adds
    exactly 0."""

    name = "cross_entropy"
    title = "cross-entropy"
    requires_output = "softmax"
    fused_with = "softmax"
    functions = ("log",)

    def terms(self, net, out, t):
        shifted = net - np.max(net, axis=-1, keepdims=True)
        logp = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        return np.where(t == 0, 0.0, -t * logp)

    def derivative(self, out, t):
        return np.where(t == 0, 0.0, -t / out)

    def term_formula(self, t, out, n):
        return Neg(Prod((t, Call("ln", (out,))), "·"))

    def derivative_formula(self, t, out, n):
        return Neg(Quot(t, out))

    def check_targets(self, targets):
        for k, value in enumerate(targets):
            if value < 0:
                return k, f"cross_entropy targets must not be negative, found {value:g}"
        if abs(sum(targets) - 1.0) > 1e-9:
            # (every digit: `found 1` for 1.0000001 said nothing; the second hostile trial)
            return (
                None,
                f"cross_entropy targets must sum to 1 (within 1e-9), found {sum(targets):.15g}",
            )
        return None

    def code_forward(self, outputs):
        return []

    def code_loss(self, outputs, total):
        # −t·log softmax (softmax's code leaves z_X = net_X − top and e_sum); a zero target
        # contributes exactly 0
        lines = ["log_sum = log(e_sum)"]
        lines += [
            f"E_{name} = 0.0 if t_{name} == 0.0 else -t_{name} * (z_{name} - log_sum)"
            for name in outputs
        ]
        return [*lines, _assign(total, " + ".join(f"E_{name}" for name in outputs))]


BUILTIN: tuple[Loss, ...] = (HalfSse(), Sse(), Mse(), Bce(), CrossEntropy())
