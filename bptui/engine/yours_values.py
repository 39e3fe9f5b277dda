"""A learner's numbers as they were written (`bptui.engine.yours`): each `Given` number keeps
the text the learner wrote, whose significant digits decide how close bptui's number must come
(`digits_tolerance`); and the limits and shapes of a file of them.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from bptui.engine.errors import NetworkFileError
from bptui.engine.numtext import MINUS
from bptui.engine.symbols import normalize
from bptui.records import dataclass

MAX_YOURS_BYTES = 16 * 1024 * 1024
MAX_VALUES = 100_000
MAX_NUMBER_TEXT = 100  # characters of one number as written
MAX_SYMBOL = 200  # characters of one symbol
MAX_EPOCH = 10_000_000
MIN_DIGITS = 3  # a number is held to at least 3 significant digits...
MAX_DIGITS = 12  # ...and at most 12: float64 in another order differs in the last ones
ENTRY_KEYS = ("epoch", "sample", "values")
CSV_COLUMNS = ("symbol", "value", "epoch", "sample")
WHAT = "file of your values"

_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?:(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]*))?|\.(?P<frac2>[0-9]+))"
    r"(?:[eE](?P<exp>[+-]?[0-9]+))?"
)
_SPECIAL = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_WHOLE = re.compile(r"\+?[0-9]{1,9}")


@dataclass(frozen=True)
class Given:
    """One number of YOURS: the step it is for and the text it was written as."""

    epoch: int  # from 1
    sample: int  # from 1
    symbol: str  # as written (the key, or the CSV cell, stripped)
    text: str  # the number as written (TOML's underscores taken out)
    value: float
    source: str  # the file, as messages name it
    key: str  # where in the file: `values."dE_total/dw5"`, `row 4, column symbol`
    epoch_key: str = ""  # where its epoch is given (`entries[1].epoch`, `row 4, column epoch`)
    sample_key: str = ""  # ...and its sample (the entry, if it gives none)

    @property
    def step_symbol(self) -> str:
        """The trace's spelling of the symbol (`dE_total/dw5` → `∂E_total/∂w5`)."""
        return normalize(self.symbol)

    @property
    def tolerance(self) -> float:
        """How far from the exact number this text still matches (`digits_tolerance`)."""
        return digits_tolerance(self.text)

    def error(self, message: str, key: str | None = None) -> NetworkFileError:
        """A one-line error about this number, at its key (or at `key`)."""
        return NetworkFileError(self.source, self.key if key is None else key, message)


class Written:
    """A number literal as the parser saw it (the text, not yet a float)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_CONSTANTS = {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}


def _json_constant(text: str) -> Written:
    return Written(_CONSTANTS.get(text, text))


def number_text(text: str) -> str | None:
    """`text` as a number's text (spaces, a Unicode minus and TOML's underscores tidied), or
    None if it is not one."""
    s = text.strip().replace(MINUS, "-")
    if len(s) > MAX_NUMBER_TEXT:
        return None
    if _SPECIAL.fullmatch(s):
        return s.lower().replace("infinity", "inf")
    return s if _NUMBER.fullmatch(s) else None


def digits_tolerance(text: str) -> float:
    """Half a unit in the last place written, the place taken at least at the 3rd and at most
    at the 12th significant digit: `0.593` → 0.0005 (0.593269992 matches, 0.594 does not),
    `0.59` → 0.0005 too (held to 3 digits), `1e-5` → 5e-8. A zero, or a non-finite number,
    matches only itself: 0."""
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        return 0.0
    whole = match.group("int") or ""
    fraction = match.group("frac") or match.group("frac2") or ""
    exponent = int(match.group("exp") or 0)
    digits = whole + fraction
    first = next((k for k, ch in enumerate(digits) if ch != "0"), None)
    if first is None:
        return 0.0
    last_place = exponent - len(fraction)  # the power of ten of the last digit written
    lead_place = exponent + len(whole) - 1 - first  # ...and of the first significant one
    place = min(max(last_place, lead_place - MAX_DIGITS + 1), lead_place - MIN_DIGITS + 1)
    if place > 400:  # (1e99999999: beyond float64, and beyond Decimal's exponents)
        return math.inf
    if place < -400:
        return 0.0
    return float(Decimal(5).scaleb(place - 1))


SHAPES = (
    'a table of symbols and numbers ({"net_h1": 0.3775}), an entry '
    '({"epoch": 1, "sample": 1, "values": {...}}), a list of entries, or CSV with a header '
    "row symbol,value[,epoch,sample]"
)
