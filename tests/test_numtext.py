"""How numbers are written (bptui/engine/numtext.py): never a signed zero, always the number's
own sign, each column's text at most its width, and each text reading back as the number to
its decimals."""

from __future__ import annotations

import math
import random

import pytest

from bptui.engine.numtext import MINUS, column, column_width, fixed, num


def _values() -> list[float]:
    rng = random.Random(7)
    values = [0.0, -0.0, 5e-324, -5e-324, 1e-12, -1e-12, 0.005, -0.005, 0.5, -0.5, 1e6, -1e6]
    values += [rng.choice([-1, 1]) * 10 ** rng.uniform(-320, 300) for _ in range(2000)]
    return values


@pytest.mark.parametrize("precision", [2, 3, 9, 17])
def test_no_signed_zero_and_each_text_reads_back_as_its_number(precision: int) -> None:
    """−0.0 (a dead relu's gradient) showed as `−0.000000000` in the table (the hostile
    trial)."""
    for value in _values():
        for write in (num, fixed, column):
            text = write(value, precision)
            back = float(text.replace(MINUS, "-"))
            if back == 0:
                assert not text.startswith(MINUS), (write.__name__, value, text)
            else:
                assert math.copysign(1, back) == math.copysign(1, value), (value, text)
            if "e" in text:  # scientific: its own significant digits
                digits = len(text.split("e")[0].replace(MINUS, "").replace(".", "")) - 1
                assert abs(back - value) <= 0.5001 * 10.0 ** (-digits) * abs(value) * 10
            else:  # fixed-point: its own decimals (a column keeps fewer for a wide number)
                decimals = len(text.split(".")[1]) if "." in text else 0
                assert decimals <= precision
                assert abs(back - value) <= 0.5001 * 10.0 ** (-decimals) + 1e-15 * abs(value)
        assert len(column(value, precision)) <= column_width(precision)


def test_zero_of_either_sign_is_written_zero() -> None:
    assert num(-0.0) == num(0.0) == "0"
    assert column(-0.0) == column(0.0) == "0.000000000"
    assert fixed(-0.0, 3) == "0.000"


@pytest.mark.parametrize("precision", [2, 3, 9, 17])
def test_a_column_gives_a_number_and_its_negative_the_same_digits(precision: int) -> None:
    """`5.1485524e-16` beside `−2.065109e-16` (the newcomer trial): a positive number leaves
    the sign's cell empty rather than taking one more digit."""
    for value in _values():
        if value > 0:
            assert MINUS + column(value, precision) == column(-value, precision), value
