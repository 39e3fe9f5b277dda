"""Numbers as a reader of the post expects them; one formatter for `trace` and the app.

`num(x, p)` gives p decimals with trailing zeros dropped (0.15, 0.593269992, 0.35891648: the
post's own spellings), switches to p significant digits in scientific notation below 1e-4
(3.51018778e-05), and spells non-finite values nan, inf, −inf. `fixed(x, p)` keeps the zeros,
for columns. `numbers(step, p)` fills a step's template.
"""

from __future__ import annotations

import math

from bptui.engine.steps import Step

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
