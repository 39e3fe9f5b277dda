"""Numbers as a reader of the post expects them; one formatter for `trace` and the app.

`num(x, p)` gives p decimals with trailing zeros dropped (0.15, 0.593269992, 0.35891648: the
post's own spellings), switches to p significant digits in scientific notation below 1e-4
(3.51018778e-05), and spells non-finite values nan, inf, −inf. `fixed(x, p)` keeps the zeros,
for columns. `numbers(step, p)` fills a step's template.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bptui.engine.breakdown import Node
from bptui.engine.steps import Step
from bptui.engine.trace import EpochTrace

MINUS = "−"


def num(value: float, precision: int = 9, strip: bool = True) -> str:
    """A number to `precision` decimals (significant digits when tiny)."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else f"{MINUS}inf"
    magnitude = abs(value)
    if magnitude != 0 and magnitude < 1e-4:
        mantissa, exponent = f"{value:.{max(precision - 1, 0)}e}".split("e")
        if strip and "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{exponent}"
    else:
        text = f"{value:.{precision}f}"
        if strip and "." in text:
            text = text.rstrip("0").rstrip(".")
    if text.startswith("-"):
        text = MINUS + text[1:]
    if text in (f"{MINUS}0", f"{MINUS}0.0"):
        text = "0"
    return text


def fixed(value: float, precision: int = 9) -> str:
    """Like `num`, keeping trailing zeros so that columns line up."""
    return num(value, precision, strip=False)


def column(value: float, precision: int = 9) -> str:
    """Fixed-point with exactly `precision` decimals, never scientific below 1 (so that a
    table's column lines up: −0.000007479); scientific only for huge magnitudes."""
    if not math.isfinite(value) or abs(value) >= 1e7:
        return num(value, precision)
    text = f"{value:.{precision}f}"
    return MINUS + text[1:] if text.startswith("-") else text


def full(value: float) -> str:
    """The shortest text that reads back as exactly this float64."""
    return num(value) if not math.isfinite(value) else repr(float(value))


def fill(template: str, args: tuple[float, ...], precision: int | None = 9) -> str:
    """Put the numbers into a template; a negative number not at the start gets parentheses.

    precision None writes each number at full precision (for JSON).
    """
    texts = []
    for k, value in enumerate(args):
        text = full(value) if precision is None else num(value, precision)
        holder = "{" + str(k) + "}"
        if text.startswith((MINUS, "-")) and not template.startswith(holder):
            text = f"({text})"
        texts.append(text)
    return template.format(*texts)


def numbers(step: Step, precision: int | None = 9) -> str:
    """The step's formula with its numbers put in."""
    return fill(step.template, step.args, precision)


def alt_numbers(step: Step, precision: int | None = 9) -> str:
    return fill(step.alt_template, step.alt_args, precision) if step.alt_template else ""


def equation(step: Step, precision: int = 9) -> str:
    """`symbol = formula = numbers = value`, leaving out a part that repeats the one before."""
    parts = [step.symbol, step.formula]
    filled = numbers(step, precision)
    value = num(step.value, precision)
    if filled != step.formula:
        parts.append(filled)
    if value != filled:
        parts.append(value)
    return " = ".join(parts)


# ---------------------------------------------------------------------------------------------
# Chain-rule breakdowns as lines (the app's chain panel and `trace` both use these)


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


def node_parts(node: Node, trace: EpochTrace, precision: int, reached: bool) -> tuple[str, str]:
    """(`symbol = how`, `= numbers = value`) for a node; the second is empty until reached."""
    if node.op == "leaf":
        if node.step is not None:
            step = trace[node.step]
            if step.symbol == node.symbol:
                head = f"{step.symbol} = {step.formula}"
                if not reached:
                    return head, ""
                rest = equation(step, precision)[len(head) :].strip()
                return (head, rest) if rest else (head, "")
        if not reached:
            return node.symbol, ""
        return node.symbol, f"= {num(node.value, precision)}"
    joiner = " × " if node.op == "product" else " + "
    symbols = joiner.join(child.symbol for child in node.children)
    head = node.symbol if symbols == node.symbol else f"{node.symbol} = {symbols}"
    if not reached:
        return head, ""
    values = joiner.join(
        _operand(child.value, precision, k) for k, child in enumerate(node.children)
    )
    return head, f"= {values} = {num(node.value, precision)}"


def _operand(value: float, precision: int, position: int) -> str:
    text = num(value, precision)
    return f"({text})" if position and text.startswith(MINUS) else text


def tree_lines(
    node: Node,
    trace: EpochTrace,
    precision: int = 9,
    position: int | None = None,
    max_children: int = 12,
) -> list[TreeLine]:
    """A breakdown tree as indented lines; `position` is the current step (None: all known).

    A node is reached once its step is at or before `position` (parameters and inputs always
    are; a node without a step of its own once all its children are). Long sums show their
    first and last terms around an ellipsis line.
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
        head, tail = node_parts(n, trace, precision, reached)
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
