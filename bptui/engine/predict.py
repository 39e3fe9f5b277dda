"""Predict mode's rules: is a typed number right, and how did a learner do per phase.

A typed number is right when it agrees with the value to the digits typed: within half a unit
in its last written place (`0.593` is right for 0.593269992, `0.594` is not), but never more
loosely than three significant digits (`0.6` is judged as if it were `0.600`, so it is wrong
for 0.593…). A value typed with more digits than the step shows is judged at the digits typed.
"""

from __future__ import annotations

import math
import re

from bptui.records import dataclass

MIN_SIGNIFICANT = 3
MAX_TYPED = 64  # characters: a number longer than this is no answer anyone typed
RESULTS = ("right", "wrong", "skipped")
PHASES = ("forward", "error", "backward", "update")

_NUMBER = re.compile(
    r"(?P<sign>[-+]?)(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[-+]?\d{1,4}))?"
)


class NotANumber(ValueError):
    """The text typed is not a number (the message says what was expected)."""


@dataclass(frozen=True)
class Typed:
    """A number as typed: its value and how far from it a right answer may be."""

    value: float
    tolerance: float


def read_number(text: str) -> Typed:
    """The number `text` spells (`0.593`, `−0.0190`, `3.51e-5`, `nan`, `inf`), with the
    tolerance its digits give it."""
    s = text.strip().replace("−", "-").replace("\u2212", "-").replace(" ", "").replace(",", "")
    if not s:
        raise NotANumber("type a number (0.593, −0.019, 3.5e-5), or Esc to skip")
    if len(s) > MAX_TYPED:
        raise NotANumber(f"{len(s):,} characters is too long for a number")
    lowered = s.lower().lstrip("+")
    if lowered in ("nan", "inf", "-inf", "infinity", "-infinity"):
        return Typed(float(lowered.replace("infinity", "inf")), 0.0)
    match = _NUMBER.fullmatch(s)
    if match is None or not (match["int"] or match["frac"]):
        raise NotANumber(f"{text.strip()!r} is not a number (type 0.593, −0.019 or 3.5e-5)")
    value = float(s)
    decimals = len(match["frac"] or "")
    exponent = int(match["exp"] or 0)
    last_place = exponent - decimals  # the written digits end at 10^last_place
    # (1e400 is read as inf: a unit of 10^400 would overflow, not be a tolerance)
    half_unit = 0.5 * 10.0**last_place if last_place <= 300 else math.inf
    if value != 0 and math.isfinite(value):
        # never looser than MIN_SIGNIFICANT significant digits of the number typed
        leading = math.floor(math.log10(abs(value)))
        half_unit = min(half_unit, 0.5 * 10.0 ** (leading - MIN_SIGNIFICANT + 1))
    elif value == 0:
        half_unit = min(half_unit, 0.5 * 10.0 ** (last_place if decimals else -MIN_SIGNIFICANT))
    return Typed(value, half_unit)


def agrees(typed: Typed, value: float) -> bool:
    """Is `value` what the typed number says, to its digits? (nan is right for nan, ±inf for
    the same infinity.)"""
    if math.isnan(typed.value) or math.isnan(value):
        return math.isnan(typed.value) and math.isnan(value)
    if math.isinf(typed.value) or math.isinf(value):
        return typed.value == value
    # a little room for the decimal rounding of the typed text itself
    return abs(value - typed.value) <= typed.tolerance * (1 + 1e-9) + 1e-300


def judge(text: str, value: float) -> str:
    """right or wrong: `text` (a number, as `read_number` reads it) for `value`."""
    return "right" if agrees(read_number(text), value) else "wrong"


@dataclass(frozen=True)
class Answer:
    """One step's answer in predict mode."""

    epoch: int
    index: int
    answer: str  # as typed ("" when skipped)
    result: str  # right | wrong | skipped


def scores(answers: list[Answer], phases: dict[int, str]) -> dict[str, tuple[int, int]]:
    """(right, answered) per phase for `answers` (one epoch's), `phases` giving each answered
    step's phase by index. Skipped steps count in neither."""
    tally = {phase: [0, 0] for phase in PHASES}
    for answer in answers:
        if answer.result == "skipped":
            continue
        counts = tally[phases[answer.index]]
        counts[1] += 1
        counts[0] += answer.result == "right"
    return {phase: (right, answered) for phase, (right, answered) in tally.items()}
