"""Activations: each one object holding its maths, its derivative, its formula and its code.

An `Activation` gives
- `forward(net, p)` and `derivative(net, out, p)` on numpy arrays (one row per sample, or one
  layer), computed stably: no overflow for |net| up to 1e3, no warning (the caller silences
  numpy's floating-point errors and reports non-finite values itself);
- `formula(nets, j, p)`: out_j in terms of net (a `Term`), for the trace, the screen and LaTeX;
- `derivative_formula(net, out, p)`: ∂out/∂net as a `Term`, and the quantities it reads;
- `code(net, out, p)` and `code_derivative(net, out, p)`: lines and an expression of the
  scalar Python that `bptui.engine.codegen` writes for small nets (floats in locals, the
  functions `exp`, `log1p`, `tanh`, `erf` passed in), with the same arithmetic as `forward`,
  operation for operation, so that the two agree to the last bit or close to it.

`p` is the layer's parameters (`alpha` for leaky_relu and elu), each with its default in
`parameters`. At a kink the derivative takes the left side, as relu's 1[net > 0] does: 0 for
relu, alpha for leaky_relu and elu at net = 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from bptui.engine.ops.terms import (
    HALF,
    ONE,
    ZERO,
    Call,
    Cond,
    Const,
    Diff,
    Exp,
    Neg,
    Prod,
    Quot,
    Square,
    Sum,
    Term,
    Var,
)

Params = Mapping[str, float]


class Activation:
    """One activation function (subclass and register it to add one)."""

    name: ClassVar[str]
    parameters: ClassVar[dict[str, float]] = {}  # name → default
    elementwise: ClassVar[bool] = True  # softmax: False (out_j depends on every net)
    output_only: ClassVar[bool] = False
    functions: ClassVar[tuple[str, ...]] = ()  # what `code` calls: "exp", "log1p", "tanh", "erf"

    def forward(self, net: np.ndarray, p: Params) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, net: np.ndarray, out: np.ndarray, p: Params) -> np.ndarray:
        """∂out/∂net, elementwise (softmax: the diagonal of its Jacobian)."""
        raise NotImplementedError

    def formula(self, nets: Sequence[Var], j: int, p: Params) -> Term:
        """out_j in terms of the layer's nets (an elementwise one reads nets[j] only)."""
        raise NotImplementedError

    def derivative_formula(self, net: Var, out: Var, p: Params) -> Term:
        """∂out/∂net in terms of net and out."""
        raise NotImplementedError

    def code(self, net: str, out: str, p: Params) -> list[str]:
        """Python lines setting `out` from `net` (both local float names)."""
        raise NotImplementedError

    def code_derivative(self, net: str, out: str, p: Params) -> str | None:
        """A Python expression of ∂out/∂net (None: it is 1)."""
        raise NotImplementedError

    def code_layer(self, names: Sequence[str]) -> list[str]:
        """Python lines setting out_X of a whole layer from its net_X (a non-elementwise
        activation's code; `names` are the layer's neurons)."""
        raise NotImplementedError


def _literal(value: float) -> str:
    """A float as Python source that reads back as the same float."""
    return repr(float(value))


class Sigmoid(Activation):
    name = "sigmoid"
    functions = ("exp",)

    def forward(self, net, p):
        e = np.exp(-np.abs(net))
        return np.where(net >= 0, 1.0, e) / (1.0 + e)  # 1/(1+e) or e/(1+e)

    def derivative(self, net, out, p):
        return out * (1.0 - out)

    def formula(self, nets, j, p):
        return Quot(ONE, Sum((ONE, Exp(Neg(nets[j])))))

    def derivative_formula(self, net, out, p):
        return Prod((out, Diff(ONE, out)), "")

    def code(self, net, out, p):
        # 1/(1+e^−x) for x ≥ 0, e^x/(1+e^x) below: exp never sees a positive argument.
        e = f"e_{out}"  # (softmax's e_X names never meet a sigmoid's e_out_X)
        return [
            f"if {net} >= 0.0:",
            f"    {out} = 1.0 / (1.0 + exp(-{net}))",
            "else:",
            f"    {e} = exp({net})",
            f"    {out} = {e} / (1.0 + {e})",
        ]

    def code_derivative(self, net, out, p):
        return f"({out} * (1.0 - {out}))"


class Tanh(Activation):
    name = "tanh"
    functions = ("tanh",)

    def forward(self, net, p):
        return np.tanh(net)

    def derivative(self, net, out, p):
        return 1.0 - out * out

    def formula(self, nets, j, p):
        return Call("tanh", (nets[j],))

    def derivative_formula(self, net, out, p):
        return Diff(ONE, Square(out))

    def code(self, net, out, p):
        return [f"{out} = tanh({net})"]

    def code_derivative(self, net, out, p):
        return f"(1.0 - {out} * {out})"


class Relu(Activation):
    name = "relu"

    def forward(self, net, p):
        return np.maximum(net, 0.0)

    def derivative(self, net, out, p):
        return (net > 0).astype(np.float64)

    def formula(self, nets, j, p):
        return Call("max", (ZERO, nets[j]))

    def derivative_formula(self, net, out, p):
        return Cond(ONE, net, ">", ZERO, ZERO)

    def code(self, net, out, p):
        return [f"{out} = 0.0 if {net} <= 0.0 else {net}"]  # a nan stays nan

    def code_derivative(self, net, out, p):
        return f"(1.0 if {net} > 0.0 else 0.0)"


class Linear(Activation):
    name = "linear"

    def forward(self, net, p):
        return np.array(net, dtype=np.float64, copy=True)

    def derivative(self, net, out, p):
        return np.ones_like(net, dtype=np.float64)

    def formula(self, nets, j, p):
        return nets[j]

    def derivative_formula(self, net, out, p):
        return ONE

    def code(self, net, out, p):
        return [f"{out} = {net}"]

    def code_derivative(self, net, out, p):
        return None


class LeakyRelu(Activation):
    name = "leaky_relu"
    parameters: ClassVar[dict[str, float]] = {"alpha": 0.01}

    def forward(self, net, p):
        return np.where(net > 0, net, p["alpha"] * net)

    def derivative(self, net, out, p):
        return np.where(net > 0, 1.0, p["alpha"])

    def formula(self, nets, j, p):
        alpha = Const(_shown(p["alpha"]), None)
        return Cond(nets[j], nets[j], ">", ZERO, Prod((alpha, nets[j]), "·"))

    def derivative_formula(self, net, out, p):
        return Cond(ONE, net, ">", ZERO, Const(_shown(p["alpha"])))

    def code(self, net, out, p):
        return [f"{out} = {net} if {net} > 0.0 else {_literal(p['alpha'])} * {net}"]

    def code_derivative(self, net, out, p):
        return f"(1.0 if {net} > 0.0 else {_literal(p['alpha'])})"


class Elu(Activation):
    name = "elu"
    parameters: ClassVar[dict[str, float]] = {"alpha": 1.0}
    functions = ("expm1", "exp")

    def forward(self, net, p):
        return np.where(net > 0, net, p["alpha"] * np.expm1(np.minimum(net, 0.0)))

    def derivative(self, net, out, p):
        return np.where(net > 0, 1.0, p["alpha"] * np.exp(np.minimum(net, 0.0)))

    def formula(self, nets, j, p):
        alpha = Const(_shown(p["alpha"]))
        return Cond(nets[j], nets[j], ">", ZERO, Prod((alpha, Diff(Exp(nets[j]), ONE)), "·"))

    def derivative_formula(self, net, out, p):
        return Cond(ONE, net, ">", ZERO, Prod((Const(_shown(p["alpha"])), Exp(net)), "·"))

    def code(self, net, out, p):
        return [f"{out} = {net} if {net} > 0.0 else {_literal(p['alpha'])} * expm1({net})"]

    def code_derivative(self, net, out, p):
        return f"(1.0 if {net} > 0.0 else {_literal(p['alpha'])} * exp({net}))"


class Softplus(Activation):
    """log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|): no overflow for any x."""

    name = "softplus"
    functions = ("exp", "log1p")

    def forward(self, net, p):
        return np.maximum(net, 0.0) + np.log1p(np.exp(-np.abs(net)))

    def derivative(self, net, out, p):
        return SIGMOID.forward(net, p)

    def formula(self, nets, j, p):
        return Call("ln", (Sum((ONE, Exp(nets[j]))),))

    def derivative_formula(self, net, out, p):
        return Quot(ONE, Sum((ONE, Exp(Neg(net)))))

    def code(self, net, out, p):
        return [f"{out} = ({net} if {net} > 0.0 else 0.0) + log1p(exp(-abs({net})))"]

    def code_derivative(self, net, out, p):
        e = f"exp(-abs({net}))"
        return f"(1.0 / (1.0 + {e}) if {net} >= 0.0 else {e} / (1.0 + {e}))"


SQRT_HALF = math.sqrt(0.5)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_erf = np.vectorize(math.erf, otypes=[np.float64])


class Gelu(Activation):
    """net·Φ(net), Φ(x) = ½(1 + erf(x/√2)): the exact form (torch's default)."""

    name = "gelu"
    functions = ("erf", "exp")

    def forward(self, net, p):
        return net * (0.5 * (1.0 + _erf(net * SQRT_HALF)))

    def derivative(self, net, out, p):
        cdf = 0.5 * (1.0 + _erf(net * SQRT_HALF))
        return cdf + net * (INV_SQRT_2PI * np.exp(-0.5 * net * net))

    def formula(self, nets, j, p):
        root = Const("√2", r"\sqrt{2}")
        return Prod((HALF, nets[j], Sum((ONE, Call("erf", (Quot(nets[j], root),))))), "·")

    def derivative_formula(self, net, out, p):
        root = Const("√2", r"\sqrt{2}")
        cdf = Prod((HALF, Sum((ONE, Call("erf", (Quot(net, root),))))), "·")
        density = Quot(Exp(Neg(Quot(Square(net), Const("2")))), Const("√(2π)", r"\sqrt{2\pi}"))
        return Sum((cdf, Prod((net, density), "·")))

    def code(self, net, out, p):
        return [f"{out} = {net} * (0.5 * (1.0 + erf({net} * {_literal(SQRT_HALF)})))"]

    def code_derivative(self, net, out, p):
        return (
            f"(0.5 * (1.0 + erf({net} * {_literal(SQRT_HALF)}))"
            f" + {net} * ({_literal(INV_SQRT_2PI)} * exp(-0.5 * {net} * {net})))"
        )


class Softmax(Activation):
    """e^net_j / Σ e^net_m, shifted by the largest net so that exp never overflows. Its
    Jacobian is not diagonal: ∂out_m/∂net_j = out_m(1[m=j] − out_j) (see `jacobian_formula`)."""

    name = "softmax"
    elementwise = False
    output_only = True
    functions = ("exp",)

    def forward(self, net, p):
        e = np.exp(net - np.max(net, axis=-1, keepdims=True))
        return e / np.sum(e, axis=-1, keepdims=True)

    def derivative(self, net, out, p):
        return out * (1.0 - out)

    def formula(self, nets, j, p):
        return Quot(
            Exp(nets[j], parens=False),
            Sum(tuple(Exp(net, parens=False) for net in nets)),
            spaced=True,
        )

    def derivative_formula(self, net, out, p):
        return Prod((out, Diff(ONE, out)), "")

    def jacobian_formula(self, out_m: Var, out_j: Var, same: bool) -> Term:
        """∂out_m/∂net_j: out_j(1 − out_j) on the diagonal, −out_m·out_j off it."""
        if same:
            return Prod((out_j, Diff(ONE, out_j)), "")
        return Neg(Prod((out_m, out_j), "·"))

    @staticmethod
    def jacobian(out: np.ndarray, m: int, j: int) -> float:
        return float(out[m]) * ((1.0 if m == j else 0.0) - float(out[j]))

    def code(self, net, out, p):  # pragma: no cover - a layer's code: see code_layer
        raise NotImplementedError("softmax is written a layer at a time")

    def code_layer(self, names: Sequence[str]) -> list[str]:
        lines = [f"top = net_{names[0]}"]
        for name in names[1:]:
            lines += [f"if net_{name} > top:", f"    top = net_{name}"]
        for name in names:
            lines += [f"z_{name} = net_{name} - top", f"e_{name} = exp(z_{name})"]
        lines.append("e_sum = " + " + ".join(f"e_{name}" for name in names))
        lines += [f"out_{name} = e_{name} / e_sum" for name in names]
        return lines

    def code_derivative(self, net, out, p):
        return f"({out} * (1.0 - {out}))"


def _shown(value: float) -> str:
    """A parameter as formulas show it: 0.01, 1."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


SIGMOID = Sigmoid()
BUILTIN: tuple[Activation, ...] = (
    SIGMOID,
    Tanh(),
    Relu(),
    Linear(),
    Softmax(),
    LeakyRelu(),
    Elu(),
    Softplus(),
    Gelu(),
)
