"""Formulas as structured terms: one description of a step's formula, rendered three ways.

A step's formula is a small tree (`Sum`, `Diff`, `Prod`, `Quot`, `Neg`, `Square`, `Exp`,
`Call`, `Cond`) whose leaves are quantities (`Var`: a symbol with its value) and literals
(`Const`). From that one tree come the formula in symbols (`1/(1 + e^(−net_h1))`), the same
formula with the numbers put in (`1/(1 + e^(−0.3775))`, at any precision, or every digit for
JSON) and LaTeX (`\\frac{1}{1 + e^{-\\mathrm{net}_{\\mathrm{h1}}}}`) — nothing parses a formula
string back.

Parentheses follow from the tree: a sum inside a product or under a minus is wrapped, and a
negative number is wrapped unless it opens its group (`0.15·0.05 + (−0.3)·0.1`, `tanh(−0.1)`,
`e^(−(−0.05))`).

A formula's value from its quantities' values (`evaluate`) is `bptui.engine.ops.evaluation`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bptui.engine.numtext import MINUS, number_tex, number_text
from bptui.records import dataclass

# ---------------------------------------------------------------------------------------------
# Symbols


@dataclass(frozen=True)
class Sym:
    """A symbol as shown (`net_h1`, `w5`, `∂E_total/∂w5`) and as LaTeX."""

    text: str
    tex: str

    def __str__(self) -> str:
        return self.text


_GREEK = {"δ": r"\delta", "η": r"\eta", "β": r"\beta", "λ": r"\lambda", "ε": r"\varepsilon"}
_LETTERS_DIGITS = re.compile(r"([A-Za-z]+)([0-9]+)")


def _roman(text: str) -> str:
    return rf"\mathrm{{{text.replace('_', chr(92) + '_')}}}"


def ident(name: str) -> Sym:
    """A name from the network (`w5`, `b1`, `b_h1`, `i1`, `x`): letters and a number become a
    subscript (w_{5}), a name with `_` its base and subscript (b_{h1})."""
    if name in _GREEK:
        return Sym(name, _GREEK[name])
    if "_" in name:
        base, sub = name.split("_", 1)
        return quantity(base, sub)
    match = _LETTERS_DIGITS.fullmatch(name)
    if match:
        return Sym(name, f"{match.group(1)}_{{{match.group(2)}}}")
    return Sym(name, name if len(name) == 1 else _roman(name))


def quantity(base: str, of: str) -> Sym:
    """`base_of`: net_h1, out_o1, E_total, δ_o1, t_o1, m_w5."""
    base_tex = _GREEK.get(base, base if len(base) == 1 else _roman(base))
    return Sym(f"{base}_{of}", f"{base_tex}_{{{_roman(of)}}}")


def partial(numerator: Sym, denominator: Sym) -> Sym:
    """∂numerator/∂denominator."""
    return Sym(
        f"∂{numerator.text}/∂{denominator.text}",
        rf"\frac{{\partial {numerator.tex}}}{{\partial {denominator.tex}}}",
    )


def plus(symbol: Sym) -> Sym:
    """A parameter's updated value: w5 → w5⁺."""
    return Sym(symbol.text + "⁺", symbol.tex + "^{+}")


def hat(symbol: Sym) -> Sym:
    """A bias-corrected estimate: m_w5 → m̂_w5."""
    base, _, rest = symbol.text.partition("_")
    tex_base, _, tex_rest = symbol.tex.partition("_")
    return Sym(f"{base}\u0302_{rest}", rf"\hat{{{tex_base}}}_{tex_rest}")


def times(a: Sym, b: Sym) -> Sym:
    """The name of a product of two quantities: δ_h1 × ∂net_h1/∂b1."""
    return Sym(f"{a.text} × {b.text}", rf"{a.tex} \times {b.tex}")


def prefixed(text: str, tex: str, symbol: Sym) -> Sym:
    """`Σ ∂E_total/∂w5`, `mean ∂E_total/∂w5`."""
    return Sym(text + symbol.text, tex + symbol.tex)


# ---------------------------------------------------------------------------------------------
# Terms


@dataclass(frozen=True)
class Style:
    """How to render: LaTeX or text, symbols or numbers (at `precision`; None: every digit)."""

    tex: bool = False
    numbers: bool = False
    precision: int | None = 9


class Term:
    """A node of a formula."""

    compound = False  # a sum or difference: wrapped inside products, quotients, minus signs

    def render(self, style: Style, leading: bool) -> str:
        raise NotImplementedError

    def leaves(self) -> Iterator[Var]:
        """The quantities of the formula, left to right."""
        for child in self.children():
            yield from child.leaves()

    def children(self) -> tuple[Term, ...]:
        return ()

    # the three renderings
    def text(self, precision: int | None = 9, numbers: bool = False) -> str:
        return self.render(Style(False, numbers, precision), leading=True)

    def numbers(self, precision: int | None = 9) -> str:
        return self.render(Style(False, True, precision), leading=True)

    def tex(self, precision: int | None = 9, numbers: bool = False) -> str:
        return self.render(Style(True, numbers, precision), leading=True)


def _group(text: str, style: Style) -> str:
    return f"({text})"


@dataclass(frozen=True)
class Var(Term):
    """A quantity: a symbol with its value."""

    sym: Sym
    value: float

    def render(self, style: Style, leading: bool) -> str:
        if not style.numbers:
            return self.sym.tex if style.tex else self.sym.text
        text = number_text(self.value, style.precision)
        if style.tex:
            text = number_tex(text)
        negative = text.startswith((MINUS, "-"))
        return text if leading or not negative else _group(text, style)

    def leaves(self) -> Iterator[Var]:
        yield self


@dataclass(frozen=True)
class Const(Term):
    """A literal: 1, 2, ½, 0 (the same with or without the numbers put in)."""

    shown: str
    tex_shown: str | None = None

    def render(self, style: Style, leading: bool) -> str:
        return self.tex_shown if style.tex and self.tex_shown is not None else self.shown


ONE = Const("1")
ZERO = Const("0")
TWO = Const("2")
HALF = Const("½", r"\tfrac{1}{2}")


def _wrapped(term: Term, style: Style, when: bool) -> str:
    """`term`, in parentheses when `when` (inside them it opens its group)."""
    if when:
        return _group(term.render(style, leading=True), style)
    return term.render(style, leading=False)


@dataclass(frozen=True)
class Sum(Term):
    terms: tuple[Term, ...]
    compound = True

    def render(self, style: Style, leading: bool) -> str:
        parts = [
            term.render(style, leading and k == 0)
            if not (k and isinstance(term, Sum | Diff))
            else _wrapped(term, style, True)
            for k, term in enumerate(self.terms)
        ]
        return " + ".join(parts)

    def children(self) -> tuple[Term, ...]:
        return self.terms


@dataclass(frozen=True)
class Diff(Term):
    a: Term
    b: Term
    compound = True

    def render(self, style: Style, leading: bool) -> str:
        minus = " - " if style.tex else f" {MINUS} "
        return self.a.render(style, leading) + minus + _wrapped(self.b, style, self.b.compound)

    def children(self) -> tuple[Term, ...]:
        return (self.a, self.b)


_TEX_TIMES = {"·": r" \cdot ", " × ": r" \times ", "": "", " ": r"\,"}


@dataclass(frozen=True)
class Prod(Term):
    """Factors joined by `sep` (`·`, ` × `, or nothing: `out(1 − out)`); `number_sep` joins
    them when the numbers are put in (`η·g` reads `0.5 × 0.08`)."""

    factors: tuple[Term, ...]
    sep: str = " × "
    number_sep: str | None = None

    def render(self, style: Style, leading: bool) -> str:
        sep = self.number_sep if style.numbers and self.number_sep is not None else self.sep
        if style.tex:
            sep = _TEX_TIMES[sep]
        parts = []
        for k, factor in enumerate(self.factors):
            wrap = factor.compound or (k > 0 and isinstance(factor, Neg))
            parts.append(
                _wrapped(factor, style, True) if wrap else factor.render(style, leading and k == 0)
            )
        return sep.join(parts)

    def children(self) -> tuple[Term, ...]:
        return self.factors


@dataclass(frozen=True)
class Quot(Term):
    """a/b (`spaced`: a / b)."""

    a: Term
    b: Term
    spaced: bool = False

    def render(self, style: Style, leading: bool) -> str:
        if style.tex:
            return rf"\frac{{{self.a.render(style, True)}}}{{{self.b.render(style, True)}}}"
        a = (
            _group(self.a.render(style, True), style)
            if self.a.compound
            else (self.a.render(style, leading))
        )
        b_wrap = self.b.compound or isinstance(self.b, Prod | Quot | Neg)
        sep = " / " if self.spaced else "/"
        return a + sep + _wrapped(self.b, style, b_wrap)

    def children(self) -> tuple[Term, ...]:
        return (self.a, self.b)


@dataclass(frozen=True)
class Neg(Term):
    """−a."""

    a: Term

    def render(self, style: Style, leading: bool) -> str:
        minus = "-" if style.tex else MINUS
        return minus + _wrapped(self.a, style, self.a.compound)

    def children(self) -> tuple[Term, ...]:
        return (self.a,)


@dataclass(frozen=True)
class Square(Term):
    """a²."""

    a: Term

    def render(self, style: Style, leading: bool) -> str:
        wrap = self.a.compound or isinstance(self.a, Prod | Quot | Neg)
        base = _wrapped(self.a, style, wrap)
        return base + ("^{2}" if style.tex else "²")

    def children(self) -> tuple[Term, ...]:
        return (self.a,)


@dataclass(frozen=True)
class Exp(Term):
    """e^(a); with `parens` False e^a (softmax's e^net_o1)."""

    a: Term
    parens: bool = True

    def render(self, style: Style, leading: bool) -> str:
        if style.tex:
            return f"e^{{{self.a.render(style, True)}}}"
        if self.parens:
            return f"e^({self.a.render(style, True)})"
        return "e^" + _wrapped(self.a, style, self.a.compound or isinstance(self.a, Neg))

    def children(self) -> tuple[Term, ...]:
        return (self.a,)


_TEX_FUNCTIONS = {"tanh": r"\tanh", "ln": r"\ln", "max": r"\max", "min": r"\min", "exp": r"\exp"}


@dataclass(frozen=True)
class Call(Term):
    """A named function: tanh(a), ln(a), max(0, a), erf(a)."""

    name: str
    args: tuple[Term, ...]

    def render(self, style: Style, leading: bool) -> str:
        name = self.name
        if style.tex:
            name = _TEX_FUNCTIONS.get(name, rf"\operatorname{{{name}}}")
        inner = ", ".join(arg.render(style, True) for arg in self.args)
        return f"{name}({inner})"

    def children(self) -> tuple[Term, ...]:
        return self.args


@dataclass(frozen=True)
class Cond(Term):
    """`then if left > right else otherwise` (a relu's derivative)."""

    then: Term
    left: Term
    op: str
    right: Term
    otherwise: Term

    def render(self, style: Style, leading: bool) -> str:
        if style.tex:
            words = (r"\text{ if }", r"\text{ else }")
            op = {">": ">", "≥": r"\ge", "<": "<", "≤": r"\le"}.get(self.op, self.op)
        else:
            words, op = (" if ", " else "), self.op
        return (
            self.then.render(style, leading)
            + words[0]
            + self.left.render(style, False)
            + f" {op} "
            + self.right.render(style, False)
            + words[1]
            + self.otherwise.render(style, False)
        )

    def children(self) -> tuple[Term, ...]:
        return (self.then, self.left, self.right, self.otherwise)


@dataclass(frozen=True)
class Power(Term):
    """a^b with a short exponent (β1^t)."""

    a: Term
    b: Term

    def render(self, style: Style, leading: bool) -> str:
        base = _wrapped(self.a, style, self.a.compound or isinstance(self.a, Prod | Quot | Neg))
        exponent = self.b.render(style, True)
        return f"{base}^{{{exponent}}}" if style.tex else f"{base}^{exponent}"

    def children(self) -> tuple[Term, ...]:
        return (self.a, self.b)


@dataclass(frozen=True)
class Root(Term):
    """√a."""

    a: Term

    def render(self, style: Style, leading: bool) -> str:
        if style.tex:
            return rf"\sqrt{{{self.a.render(style, True)}}}"
        simple = isinstance(self.a, Var | Const)
        inner = self.a.render(style, True)
        return f"√{inner}" if simple else f"√({inner})"

    def children(self) -> tuple[Term, ...]:
        return (self.a,)


@dataclass(frozen=True)
class Group(Term):
    """Explicit parentheses: `× (−out_o2·out_o1)`."""

    a: Term

    def render(self, style: Style, leading: bool) -> str:
        return _group(self.a.render(style, True), style)

    def children(self) -> tuple[Term, ...]:
        return (self.a,)


def product(*factors: Term, sep: str = " × ", number_sep: str | None = None) -> Term:
    """A product of the factors (one factor alone is itself)."""
    return factors[0] if len(factors) == 1 else Prod(tuple(factors), sep, number_sep)


def total(*terms: Term) -> Term:
    """A sum of the terms (one term alone is itself)."""
    return terms[0] if len(terms) == 1 else Sum(tuple(terms))
