"""A formula's value from its quantities' values: `evaluate` walks a term tree
(`bptui.engine.ops.terms`) with float arithmetic in the formula's order; a function or literal
it does not know is a `NotEvaluable`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from bptui.engine.numtext import MINUS
from bptui.engine.ops.terms import (
    Call,
    Cond,
    Const,
    Diff,
    Exp,
    Group,
    Neg,
    Power,
    Prod,
    Quot,
    Root,
    Square,
    Sum,
    Term,
    Var,
)


class NotEvaluable(ValueError):
    """A formula holds something `evaluate` has no arithmetic for (a function or a literal
    it does not know)."""


_FUNCTIONS: dict[str, Callable[..., float]] = {
    "tanh": math.tanh,
    "exp": math.exp,
    "erf": math.erf,
    "ln": lambda x: math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan),
    "max": max,
    "min": min,
}
_CONSTANTS = {"½": 0.5, "√2": math.sqrt(2.0), "√(2π)": math.sqrt(2.0 * math.pi)}
_COMPARE = {
    ">": lambda a, b: a > b,
    "≥": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "≤": lambda a, b: a <= b,
}


def _const(shown: str) -> float:
    if shown in _CONSTANTS:
        return _CONSTANTS[shown]
    try:
        return float(shown.replace(MINUS, "-"))
    except ValueError:
        raise NotEvaluable(f"the literal {shown!r}") from None


def evaluate(term: Term, value_of: Callable[[Var], float]) -> float:
    """The value of `term` with each quantity's value given by `value_of(var)` (`lambda v:
    v.value` gives back the formula's own numbers). Float arithmetic in the formula's order:
    close to the step's value, not always to the last bit (a sigmoid computed stably, a
    cross-entropy from the nets). A `NotEvaluable` for a function or literal it does not know;
    an overflow gives inf, an invalid operation nan, as numpy would."""

    def ev(node: Term) -> float:
        if isinstance(node, Var):
            return float(value_of(node))
        if isinstance(node, Const):
            return _const(node.shown)
        if isinstance(node, Sum):
            return math.fsum(ev(t) for t in node.terms) if node.terms else 0.0
        if isinstance(node, Diff):
            return ev(node.a) - ev(node.b)
        if isinstance(node, Prod):
            result = 1.0
            for factor in node.factors:
                result *= ev(factor)
            return result
        if isinstance(node, Quot):
            a, b = ev(node.a), ev(node.b)
            if b == 0:  # as numpy: ±inf, or nan for 0/0
                return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a * b)
            return a / b
        if isinstance(node, Neg):
            return -ev(node.a)
        if isinstance(node, Square):
            a = ev(node.a)
            return a * a
        if isinstance(node, Exp):
            a = ev(node.a)
            return math.exp(a) if a < 709.78 else math.inf
        if isinstance(node, Power):
            return math.pow(ev(node.a), ev(node.b))
        if isinstance(node, Root):
            a = ev(node.a)
            return math.sqrt(a) if a >= 0 else math.nan
        if isinstance(node, Group):
            return ev(node.a)
        if isinstance(node, Cond):
            test = _COMPARE.get(node.op)
            if test is None:
                raise NotEvaluable(f"the comparison {node.op!r}")
            return ev(node.then) if test(ev(node.left), ev(node.right)) else ev(node.otherwise)
        if isinstance(node, Call):
            function = _FUNCTIONS.get(node.name)
            if function is None:
                raise NotEvaluable(f"the function {node.name!r}")
            return float(function(*(ev(arg) for arg in node.args)))
        raise NotEvaluable(f"a {type(node).__name__} term")

    try:
        return ev(term)
    except OverflowError:
        return math.inf
