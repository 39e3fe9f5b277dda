"""Optimizers, with torch.optim's semantics: each one object holding its update rule (numpy and
the scalar code), the state it keeps per parameter, and the formulas of the steps it traces.

An optimizer step happens per sample (online) or per epoch (batch modes), as the update does;
`t` counts them from 1. The gradient g it is handed is ∂E_total/∂p of the sample (online), or
the epoch's summed or averaged gradient (batch). With weight decay λ the L2 term is added to g
first (`g_p = ∂E/∂p + λ·p`), except for adamw, which decays the parameter itself
(`p′ = p·(1 − η·λ)`, torch's decoupled form). Every setting has torch's default except
weight_decay (0 for all; torch's AdamW has 0.01) and momentum (0.9 for momentum and nesterov:
torch's SGD default of 0 would make them plain SGD).

Per parameter p an optimizer keeps the arrays named in `slots` (all zero before the first
step): `v` the momentum buffer (momentum, nesterov: v = μ·v + g), `m` and `v` Adam's moment
estimates, `v` RMSprop's running mean of g². Untrained parameters keep none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from bptui.engine.ops.terms import (
    ONE,
    Diff,
    Power,
    Prod,
    Quot,
    Root,
    Square,
    Sum,
    Sym,
    Term,
    Var,
    hat,
    ident,
    quantity,
)

Settings = Mapping[str, float]

# What a stage or an update formula may refer to, by role: the parameter before (p), its
# gradient as handed in (grad), the gradient used after weight decay (g), the slots before
# (name) and after (name + "+"), stage results (by stage name), η, t.
Values = Mapping[str, float]


class Optimizer:
    """One optimizer (subclass and register it to add one)."""

    name: ClassVar[str]
    settings: ClassVar[dict[str, float | tuple[float, float]]] = {}  # key → torch's default
    slots: ClassVar[tuple[str, ...]] = ()

    def stages(self, s: Settings) -> tuple[str, ...]:
        """The steps traced per parameter before its update (in order)."""
        return ("decay",) if self.decays(s) else ()

    def decays(self, s: Settings) -> bool:
        """Whether the L2 term is added to the gradient (a `decay` stage)."""
        return float(s.get("weight_decay", 0.0)) != 0.0

    def step(
        self,
        s: Settings,
        lr: float,
        t: int,
        p: np.ndarray,
        grad: np.ndarray,
        state: dict[str, np.ndarray],
    ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
        """(the new parameter, the new state, every stage's value) for one optimizer step.
        Elementwise, on arrays of any shape (the caller holds np.errstate)."""
        raise NotImplementedError

    def train_step(
        self,
        s: Settings,
        lr: float,
        t: int,
        p: np.ndarray,
        grad: np.ndarray,
        state: dict[str, np.ndarray],
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """`step` for training, where no stage is kept: (the new parameter, the new state),
        the same numbers to the bit. It may update `p` and the state's arrays in place and
        return them (`grad` it leaves alone); this default returns `step`'s new arrays."""
        new, new_state, _ = self.step(s, lr, t, p, grad, state)
        return new, new_state

    # -- the trace -----------------------------------------------------------------------
    def stage_sym(self, stage: str, param: str) -> Sym:
        return {
            "decay": quantity("g", param),
            "shrink": Sym(param + "′", ident(param).tex + "'"),
            "nesterov": quantity("n", param),
            "m": quantity("m", param),
            "v": quantity("v", param),
            "m_hat": hat(quantity("m", param)),
            "v_hat": hat(quantity("v", param)),
        }[stage]

    def stage_formula(self, stage: str, s: Settings, v: Mapping[str, Var]) -> Term:
        """A stage's formula; `v` holds the quantities by role (see `Values`)."""
        if stage == "decay":
            return Sum((v["grad"], Prod((setting("λ", s["weight_decay"]), v["p"]), "·")))
        raise KeyError(stage)

    def update_formula(self, s: Settings, v: Mapping[str, Var]) -> Term:
        """p⁺ in terms of the quantities."""
        raise NotImplementedError

    # -- the scalar code ----------------------------------------------------------------
    def code(self, s: Settings, p: str, g: str, slot: Mapping[str, str]) -> list[str]:
        """Python lines updating the local `p` (and the slots' locals) from the gradient
        expression `g`; `lr` and, for bias corrections, `bc1`, `bc2` (1 − β^t) are locals."""
        raise NotImplementedError

    def code_step_setup(self, s: Settings) -> list[str]:
        """Lines run once per optimizer step, before every parameter's (t is the local `t`)."""
        return []

    def steady_from(self, s: Settings) -> int | None:
        """A step t from which, at every later step too, `code_steady` computes what the setup
        and `code` do, to the bit, without the setup (None: never)."""
        return None

    def code_steady(self, s: Settings, p: str, g: str, slot: Mapping[str, str]) -> list[str]:
        """`code` for the steps from `steady_from` on (no setup has run)."""
        raise NotImplementedError


def setting(symbol: str, value: float) -> Var:
    tex = {"λ": r"\lambda", "μ": r"\mu", "β1": r"\beta_1", "β2": r"\beta_2", "ε": r"\varepsilon",
           "α": r"\alpha"}[symbol]  # fmt: skip
    return Var(Sym(symbol, tex), float(value))


def _lit(value: float) -> str:
    return repr(float(value))


def bias_correction_one_from(beta: float) -> int | None:
    """A step t from which 1 − β^t (`1.0 - beta ** t`) is exactly 1.0, at every later step too
    (None for a β outside [0, 1), which the loader refuses).

    1.0 − x rounds to 1.0 once x ≤ 2⁻⁵⁴; asking β^t ≤ 2⁻⁵⁶ of the first such t leaves room for
    pow's rounding at every later t, whose exact β^t is smaller still."""
    limit = 2.0**-56
    if not 0.0 <= beta < 1.0:
        return None
    if beta == 0.0:
        return 1
    t = max(1, math.ceil(math.log(limit) / math.log(beta)))
    while beta**t > limit:
        t += 1
    return t


def _decayed(s: Settings, p: str, g: str) -> str:
    """The gradient expression after the L2 term (torch: grad.add(param, alpha=wd))."""
    wd = float(s.get("weight_decay", 0.0))
    return g if wd == 0.0 else f"({g} + {_lit(wd)} * {p})"


class Sgd(Optimizer):
    name = "sgd"
    settings: ClassVar[dict[str, float | tuple[float, float]]] = {"weight_decay": 0.0}

    def step(self, s, lr, t, p, grad, state):
        g = grad + s["weight_decay"] * p if self.decays(s) else grad
        return p - lr * g, state, ({"decay": g} if self.decays(s) else {})

    def update_formula(self, s, v):
        return Diff(v["p"], Prod((v["η"], v["g"]), "·", " × "))

    def code(self, s, p, g, slot):
        return [f"{p} -= lr * {_decayed(s, p, g)}"]


class Momentum(Optimizer):
    """torch.optim.SGD(momentum=μ, dampening=0): v = μ·v + g, p = p − η·v."""

    name = "momentum"
    settings: ClassVar[dict[str, float | tuple[float, float]]] = {
        "momentum": 0.9,
        "weight_decay": 0.0,
    }
    slots = ("v",)
    nesterov = False

    def stages(self, s):
        return (*super().stages(s), "v", *(("nesterov",) if self.nesterov else ()))

    def step(self, s, lr, t, p, grad, state):
        g = grad + s["weight_decay"] * p if self.decays(s) else grad
        v = s["momentum"] * state["v"] + g
        stages = {"v": v}
        if self.decays(s):
            stages["decay"] = g
        direction = v
        if self.nesterov:
            direction = g + s["momentum"] * v
            stages["nesterov"] = direction
        return p - lr * direction, {"v": v}, stages

    def stage_formula(self, stage, s, v):
        mu = setting("μ", s["momentum"])
        if stage == "v":
            return Sum((Prod((mu, v["v"]), "·"), v["g"]))
        if stage == "nesterov":
            return Sum((v["g"], Prod((mu, v["v+"]), "·")))
        return super().stage_formula(stage, s, v)

    def update_formula(self, s, v):
        direction = v["nesterov"] if self.nesterov else v["v+"]
        return Diff(v["p"], Prod((v["η"], direction), "·", " × "))

    def code(self, s, p, g, slot):
        mu = _lit(s["momentum"])
        buffer = slot["v"]
        lines = [f"g_ = {_decayed(s, p, g)}", f"{buffer} = {mu} * {buffer} + g_"]
        if self.nesterov:
            return [*lines, f"{p} -= lr * (g_ + {mu} * {buffer})"]
        return [*lines, f"{p} -= lr * {buffer}"]


class Nesterov(Momentum):
    """torch.optim.SGD(momentum=μ, nesterov=True): v = μ·v + g, p = p − η·(g + μ·v)."""

    name = "nesterov"
    nesterov = True


class Adam(Optimizer):
    """torch.optim.Adam: m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², m̂ = m/(1 − β1^t),
    v̂ = v/(1 − β2^t), p = p − η·m̂/(√v̂ + ε) (computed as torch does: η/(1 − β1^t) · m /
    (√v/√(1 − β2^t) + ε))."""

    name = "adam"
    settings: ClassVar[dict[str, float | tuple[float, float]]] = {
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
    }
    slots = ("m", "v")
    decoupled = False

    def decays(self, s):
        return not self.decoupled and super().decays(s)

    def shrinks(self, s: Settings) -> bool:
        return self.decoupled and float(s.get("weight_decay", 0.0)) != 0.0

    def stages(self, s):
        shrink = ("shrink",) if self.shrinks(s) else ()
        return (*shrink, *super().stages(s), "m", "v", "m_hat", "v_hat")

    def step(self, s, lr, t, p, grad, state):
        beta1, beta2 = s["betas"]
        stages: dict[str, np.ndarray] = {}
        if self.shrinks(s):
            p = p * (1.0 - lr * s["weight_decay"])
            stages["shrink"] = p
        g = grad + s["weight_decay"] * p if self.decays(s) else grad
        if self.decays(s):
            stages["decay"] = g
        m = beta1 * state["m"] + (1.0 - beta1) * g
        v = beta2 * state["v"] + (1.0 - beta2) * (g * g)
        bc1 = 1.0 - beta1**t
        bc2 = 1.0 - beta2**t
        stages.update(m=m, v=v, m_hat=m / bc1, v_hat=v / bc2)
        denominator = np.sqrt(v) / math.sqrt(bc2) + s["eps"]
        return p - (lr / bc1) * (m / denominator), {"m": m, "v": v}, stages

    def train_step(self, s, lr, t, p, grad, state):
        """`step`'s operations in its order, each in place where `step` makes a new array
        (x *= a rounds as a * x does; a + b as b + a), into one scratch array: the same bits,
        without the stages m̂ and v̂ or a temporary per operation."""
        beta1, beta2 = s["betas"]
        if self.shrinks(s):
            p *= 1.0 - lr * s["weight_decay"]
        g = grad + s["weight_decay"] * p if self.decays(s) else grad
        m, v = state["m"], state["v"]
        scratch = np.multiply(g, 1.0 - beta1)  # (1 − β1)·g
        m *= beta1
        m += scratch  # m = β1·m + (1 − β1)·g
        np.multiply(g, g, out=scratch)
        scratch *= 1.0 - beta2
        v *= beta2
        v += scratch  # v = β2·v + (1 − β2)·g²
        bc1 = 1.0 - beta1**t
        bc2 = 1.0 - beta2**t
        np.sqrt(v, out=scratch)
        if bc2 != 1.0:  # (x / 1.0 is x)
            scratch /= math.sqrt(bc2)
        scratch += s["eps"]  # √v/√(1 − β2^t) + ε
        np.divide(m, scratch, out=scratch)
        scratch *= lr / bc1
        p -= scratch
        return p, state

    def stage_formula(self, stage, s, v):
        beta1, beta2 = s["betas"]
        b1, b2 = setting("β1", beta1), setting("β2", beta2)
        t = v["t"]
        if stage == "shrink":
            decay = Prod((v["η"], setting("λ", s["weight_decay"])), "·")
            return Prod((v["p"], Diff(ONE, decay)), "·")
        if stage == "m":
            return Sum((Prod((b1, v["m"]), "·"), Prod((Diff(ONE, b1), v["g"]), "·")))
        if stage == "v":
            return Sum((Prod((b2, v["v"]), "·"), Prod((Diff(ONE, b2), Square(v["g"])), "·")))
        if stage == "m_hat":
            return Quot(v["m+"], Diff(ONE, Power(b1, t)))
        if stage == "v_hat":
            return Quot(v["v+"], Diff(ONE, Power(b2, t)))
        return super().stage_formula(stage, s, v)

    def update_formula(self, s, v):
        base = v["shrink"] if self.shrinks(s) else v["p"]
        root = Sum((Root(v["v_hat"]), setting("ε", s["eps"])))
        return Diff(base, Quot(Prod((v["η"], v["m_hat"]), "·"), root))

    def code_step_setup(self, s):
        beta1, beta2 = s["betas"]
        return [
            f"bc1 = 1.0 - {_lit(beta1)} ** t",
            f"bc2 = 1.0 - {_lit(beta2)} ** t",
            "step_size = lr / bc1",
            "root_bc2 = sqrt(bc2)",
        ]

    def code(self, s, p, g, slot):
        m, v = slot["m"], slot["v"]
        return [
            *self._code_moments(s, p, g, slot),
            f"{p} -= step_size * ({m} / (sqrt({v}) / root_bc2 + {_lit(s['eps'])}))",
        ]

    def steady_from(self, s):
        """Once both bias corrections 1 − β^t are exactly 1.0 (after some 37,400 steps for
        β2 = 0.999), η/(1 − β1^t) is η and √v/√(1 − β2^t) is √v to the bit: the step needs no
        setup and one division a parameter less."""
        steps = [bias_correction_one_from(beta) for beta in s["betas"]]
        return None if None in steps else max(t for t in steps if t is not None)

    def code_steady(self, s, p, g, slot):
        m, v = slot["m"], slot["v"]
        return [
            *self._code_moments(s, p, g, slot),
            f"{p} -= lr * ({m} / (sqrt({v}) + {_lit(s['eps'])}))",
        ]

    def _code_moments(self, s, p, g, slot):
        """The shrink (adamw), the gradient and the new m and v."""
        beta1, beta2 = s["betas"]
        m, v = slot["m"], slot["v"]
        lines = []
        if self.shrinks(s):
            lines.append(f"{p} *= {_lit(1.0)} - lr * {_lit(s['weight_decay'])}")
        lines += [
            f"g_ = {_decayed(s, p, g) if self.decays(s) else g}",
            f"{m} = {_lit(beta1)} * {m} + {_lit(1.0 - beta1)} * g_",
            f"{v} = {_lit(beta2)} * {v} + {_lit(1.0 - beta2)} * (g_ * g_)",
        ]
        return lines


class AdamW(Adam):
    """torch.optim.AdamW: p′ = p·(1 − η·λ), then Adam's step on p′ with the plain gradient."""

    name = "adamw"
    decoupled = True


class RmsProp(Optimizer):
    """torch.optim.RMSprop (centered = false, no momentum): v = α·v + (1 − α)·g²,
    p = p − η·g/(√v + ε)."""

    name = "rmsprop"
    settings: ClassVar[dict[str, float | tuple[float, float]]] = {
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
    }
    slots = ("v",)

    def stages(self, s):
        return (*super().stages(s), "v")

    def step(self, s, lr, t, p, grad, state):
        g = grad + s["weight_decay"] * p if self.decays(s) else grad
        v = s["alpha"] * state["v"] + (1.0 - s["alpha"]) * (g * g)
        stages = {"v": v, **({"decay": g} if self.decays(s) else {})}
        return p - lr * (g / (np.sqrt(v) + s["eps"])), {"v": v}, stages

    def stage_formula(self, stage, s, v):
        if stage == "v":
            alpha = setting("α", s["alpha"])
            new = Prod((Diff(ONE, alpha), Square(v["g"])), "·")
            return Sum((Prod((alpha, v["v"]), "·"), new))
        return super().stage_formula(stage, s, v)

    def update_formula(self, s, v):
        step = Quot(Prod((v["η"], v["g"]), "·"), Sum((Root(v["v+"]), setting("ε", s["eps"]))))
        return Diff(v["p"], step)

    def code(self, s, p, g, slot):
        v = slot["v"]
        alpha = s["alpha"]
        return [
            f"g_ = {_decayed(s, p, g)}",
            f"{v} = {_lit(alpha)} * {v} + {_lit(1.0 - alpha)} * (g_ * g_)",
            f"{p} -= lr * (g_ / (sqrt({v}) + {_lit(s['eps'])}))",
        ]


BUILTIN: tuple[Optimizer, ...] = (Sgd(), Momentum(), Nesterov(), Adam(), AdamW(), RmsProp())
