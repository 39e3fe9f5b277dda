"""Numbers as a reader of the post expects them; one formatter for the engine, `trace` and the app.

`num(x, p)` gives p decimals with trailing zeros dropped (0.15, 0.593269992, 0.35891648: the
post's own spellings), switches to p significant digits in scientific notation below 1e-4
(3.51018778e-05) and from 1e6 on (1.23456789e+07), so that a number of any magnitude is at most
p + 7 characters wide, and spells non-finite values nan, inf, −inf. `fixed(x, p)` keeps the zeros,
for columns; `full(x)` is the shortest text that reads back as the same float64.
"""

from __future__ import annotations

import math
from functools import lru_cache

MINUS = "−"
MIN_PRECISION = 2  # fewer decimals would show Mazur's 0.15 as 0 (`0·0 + 0·0 + 0 = 0`)
MAX_PRECISION = 17  # a float64 has no more significant decimals to show


@lru_cache(maxsize=16_384)  # (a step shows the same numbers as the one before it, mostly)
def num(value: float, precision: int = 9, strip: bool = True) -> str:
    """A number to `precision` decimals (significant digits when tiny)."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else f"{MINUS}inf"
    if value == 0:
        value = 0.0  # (−0.0, a dead relu's gradient, is written 0: the sign says nothing)
    magnitude = abs(value)
    tiny = magnitude < 1e-4 or magnitude < 0.5 * 10.0**-precision  # (it would read 0)
    if magnitude != 0 and (tiny or magnitude >= 1e6):
        mantissa, exponent = f"{value:.{max(precision - 1, 0)}e}".split("e")
        if strip and "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{exponent}"
    else:
        text = f"{value:.{precision}f}"
        if strip and "." in text:
            text = text.rstrip("0").rstrip(".")
    return _signed(text)


def _signed(text: str) -> str:
    """The text with MINUS for "-", and no sign on a number that reads as zero."""
    if not text.startswith("-"):
        return text
    if not any(c in "123456789" for c in text.split("e")[0]):
        return text[1:]  # (−0.000000000 said nothing more than 0.000000000)
    return MINUS + text[1:]


def fixed(value: float, precision: int = 9) -> str:
    """Like `num`, keeping trailing zeros so that columns line up."""
    return num(value, precision, strip=False)


def column_width(precision: int) -> int:
    """The width of `column`'s text: a sign, a digit, the point and the decimals, and never
    less than the widest scientific number (−2e+300)."""
    return max(precision + 4, 7)


def column(value: float, precision: int = 9) -> str:
    """Fixed-point with exactly `precision` decimals (so that a table's column lines up), at
    most `column_width(precision)` characters: below 1e-4 and from 1e6 on (as `num`), or when
    the whole part leaves no room, in scientific notation with as many digits as fit
    (−5.683237e-05, where fixed-point kept −0.000056832)."""
    if not math.isfinite(value):
        return num(value, precision)
    if value == 0:
        value = 0.0  # (as `num`: −0.0 is 0)
    room = column_width(precision)
    text = f"{value:.{precision}f}"
    tiny = abs(value) < max(1e-4, 0.5 * 10.0**-precision)  # (as `num`: it would read 0)
    # as many digits whatever the sign: a positive number leaves the sign's cell empty
    # (5.1485524e-16 beside −2.065109e-16 read as if they were known to different digits)
    room -= value > 0
    if value != 0 and (tiny or abs(value) >= 1e6 or len(text) > room):
        whole = len(f"{value:.0f}")
        if not tiny and abs(value) < 1e6 and whole + 2 <= room:  # fewer decimals: whole fits
            text = f"{value:.{room - whole - 1}f}"
        else:
            for decimals in range(max(precision - 1, 0), -1, -1):
                mantissa, exponent = f"{value:.{decimals}e}".split("e")
                text = f"{mantissa}e{exponent}"  # (e-05, as `num` writes it)
                if len(text) <= room:
                    break
    return _signed(text)


def full(value: float) -> str:
    """The shortest text that reads back as exactly this float64."""
    return num(value) if not math.isfinite(value) else repr(float(value))


def number_text(value: float, precision: int | None) -> str:
    """`num` at a precision, or `full` for None (JSON keeps every digit)."""
    return full(value) if precision is None else num(value, precision)


def number_tex(text: str) -> str:
    """A number as `num` writes it, in LaTeX: 3.51e−05 → 3.51 \\times 10^{-5}."""
    text = text.replace(MINUS, "-")
    if text in ("nan", "inf", "-inf"):
        return {"nan": r"\text{nan}", "inf": r"\infty", "-inf": r"-\infty"}[text]
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def rounded(value: float, q: int, screen: int) -> str:
    """`value` at q decimals as `num` writes it, keeping the zeros that rounding leaves where
    the diagram writes fewer decimals than the rest of the screen (its `screen` decimals):
    0.200377163 at 3 is `0.200` (`[b2 0.214→0.2]` read as back to 0.2: the newcomer trial);
    a number with no more digits stays as it is (0.2)."""
    text = num(value, q)
    if q >= screen or not math.isfinite(value) or "e" in text or text == num(value, screen):
        return text
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(q, '0')}"
