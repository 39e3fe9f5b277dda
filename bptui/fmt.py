"""Steps and breakdowns as text (or LaTeX): one formatter for `trace`, the app and the exports.

Numbers are written by `bptui.engine.numtext` (`num`: the post's spellings; `fixed` and
`column` for tables); a step's formula comes from its terms (`bptui.engine.ops.terms`), in
symbols, with its numbers, or as LaTeX.
"""

from __future__ import annotations

from bptui.engine.breakdown import Node
from bptui.engine.numtext import MINUS, column, column_width, fixed, full, num, number_tex
from bptui.engine.ops.terms import Prod, Sum, Term, Var
from bptui.engine.steps import Step
from bptui.engine.trace import EpochTrace
from bptui.records import dataclass

__all__ = [
    "MINUS",
    "TreeLine",
    "alt_equation_tex",
    "alt_numbers",
    "column",
    "column_width",
    "equation",
    "equation_tex",
    "fixed",
    "full",
    "node_parts",
    "num",
    "numbers",
    "tree_lines",
]


def numbers(step: Step, precision: int | None = 9) -> str:
    """The step's formula with its numbers put in (precision None: every digit, for JSON)."""
    return step.expr.numbers(precision)


def alt_numbers(step: Step, precision: int | None = 9) -> str:
    return "" if step.alt is None else step.alt.numbers(precision)


def _chain(symbol: str, formula: str, filled: str, value: str) -> list[str]:
    """`symbol = formula = numbers = value`, leaving out a part that repeats the one before."""
    parts = [symbol, formula]
    if filled != formula:
        parts.append(filled)
    if value != filled:
        parts.append(value)
    return parts


def equation(step: Step, precision: int = 9) -> str:
    """`symbol = formula = numbers = value`, leaving out a part that repeats the one before."""
    return " = ".join(
        _chain(step.symbol, step.formula, numbers(step, precision), num(step.value, precision))
    )


def equation_tex(step: Step, precision: int = 9) -> str:
    """`equation` in LaTeX (the same parts left out)."""
    filled, value = numbers(step, precision), num(step.value, precision)
    parts = [step.sym.tex, step.expr.tex()]
    if filled != step.formula:
        parts.append(step.expr.tex(precision, numbers=True))
    if value != filled:
        parts.append(number_tex(value))
    return " = ".join(parts)


def alt_equation_tex(step: Step, precision: int = 9) -> str:
    """The delta-rule form with its numbers and the value they make, in LaTeX."""
    if step.alt is None:
        return ""
    value = number_tex(num(step.value, precision))
    return f"{step.alt.tex()} = {step.alt.tex(precision, numbers=True)} = {value}"


# ---------------------------------------------------------------------------------------------
# Chain-rule breakdowns as lines (the app's chain panel, `trace` and the exports use these)


@dataclass(frozen=True)
class TreeLine:
    """One node of a breakdown: its tree prefix, its text, and whether its numbers are known.

    `head` is `symbol = formula`, `tail` the rest (`= numbers = value`, empty while the node's
    step is ahead); `continuation` is the prefix for showing the tail on a line of its own.
    """

    prefix: str
    head: str
    tail: str
    reached: bool  # False: the step that computes it is still ahead; only symbols are shown
    node: Node
    continuation: str = ""

    @property
    def text(self) -> str:
        return f"{self.head} {self.tail}" if self.tail else self.head


def _how(node: Node, trace: EpochTrace) -> Term | None:
    """How a node is worked out, as terms: its step's formula, or its children combined."""
    if node.op == "leaf":
        if node.step is not None:
            step = trace[node.step]
            if step.symbol == node.symbol:
                return step.expr
        return None
    children = tuple(Var(child.sym, child.value) for child in node.children)
    return Prod(children) if node.op == "product" else Sum(children)


def node_parts(
    node: Node, trace: EpochTrace, precision: int, reached: bool, tex: bool = False
) -> tuple[str, str]:
    """(`symbol = how`, `= numbers = value`) for a node; the second is empty until reached."""
    how = _how(node, trace)
    sym = node.sym.tex if tex else node.symbol
    value = num(node.value, precision)
    if how is None:
        if not reached:
            return sym, ""
        return sym, f"= {number_tex(value) if tex else value}"
    formula = how.text()
    head = sym if formula == node.symbol else f"{sym} = {how.tex() if tex else formula}"
    if not reached:
        return head, ""
    filled = how.numbers(precision)
    parts = _chain("", formula, filled, value)[2:]
    if tex:
        shown = [
            how.tex(precision, numbers=True) if part == filled else number_tex(part)
            for part in parts
        ]
        parts = shown
    return head, " ".join(f"= {part}" for part in parts)


def tree_lines(
    node: Node,
    trace: EpochTrace,
    precision: int = 9,
    position: int | None = None,
    max_children: int = 12,
    tex: bool = False,
    parts: dict[tuple[int, bool], tuple[str, str]] | None = None,
) -> list[TreeLine]:
    """A breakdown tree as indented lines; `position` is the current step (None: all known).

    A node is reached once its step is at or before `position` (parameters and inputs always
    are; a node without a step of its own once all its children are). Long sums show their
    first and last terms around an ellipsis line. `parts`: a cache of `node_parts` by (node's
    id, reached) that the caller keeps for this one tree, trace, precision and `tex` (a step
    through the epoch asks for the same nodes' parts again and again).
    """
    lines: list[TreeLine] = []

    def is_reached(n: Node) -> bool:
        if position is None:
            return True
        if n.step is not None:
            return n.step <= position
        return all(is_reached(child) for child in n.children)

    def visit(n: Node, lead: str, branch: str) -> None:
        reached = is_reached(n)
        if parts is None:
            head, tail = node_parts(n, trace, precision, reached, tex)
        else:
            known = parts.get((id(n), reached))
            if known is None:
                known = parts[(id(n), reached)] = node_parts(n, trace, precision, reached, tex)
            head, tail = known
        child_lead = lead + ("│ " if branch == "├ " else "  " if branch else "")
        continuation = child_lead + ("│ " if n.children else "  ") + "  "
        lines.append(TreeLine(lead + branch, head, tail, reached, n, continuation))
        children = list(n.children)
        shown: list[Node | None] = list(children)
        if len(children) > max_children:
            half = max_children // 2
            shown = [*children[:half], None, *children[-half:]]
        for k, child in enumerate(shown):
            last = k == len(shown) - 1
            if child is None:
                hidden = len(children) - 2 * (max_children // 2)
                lines.append(TreeLine(child_lead + "├ ", f"… {hidden} more terms", "", True, n))
                continue
            visit(child, child_lead, "└ " if last else "├ ")

    visit(node, "", "")
    return lines
