"""The checks of a saved session's values (`bptui.engine.sessioncheck`): the loader's
(`bptui.engine.filecheck._Checker`), and those a session needs besides: required sections,
whole numbers of any size, numbers that may be non-finite as the writer writes them, lists
of them at C speed, and parameters by name.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bptui.engine.breakpoints import untrained_message
from bptui.engine.filecheck import (
    DuplicatedKeys,
    UnreadValue,
    _Checker,
    _count,
    _shown,
    _type_name,
)
from bptui.engine.network import Network

NONFINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


class _SessionChecker(_Checker):
    """The loader's checks, and those a session needs besides."""

    def no_duplicate(self, value: Any, key: str) -> None:
        if isinstance(value, DuplicatedKeys):
            raise self.fail(self.key_path(key, value.duplicate), "given twice in one JSON object")

    def section(self, document: Any, key: str, allowed: set[str], what: str) -> dict[str, Any]:
        """A table whose keys are all required."""
        table = self.table(document, key, allowed, what)
        for name in sorted(allowed):
            if name not in table:
                raise self.fail(
                    self.key_path(key, name), f"missing; {what} holds {', '.join(sorted(allowed))}"
                )
        return table

    def whole(self, value: Any, key: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, UnreadValue)):
            raise self.fail(key, f"expected a whole number, found {_type_name(value)}")
        if isinstance(value, UnreadValue) or not low <= value <= high:
            raise self.fail(
                key, f"expected a whole number from {low:,} to {high:,}, found {_type_name(value)}"
            )
        return value

    def real(self, value: Any, key: str) -> float:
        """A number, or one of the strings the writer writes for nan and ±inf."""
        if isinstance(value, str) and value in NONFINITE:
            return NONFINITE[value]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(
                key, f'expected a number (or "nan", "inf", "-inf"), found {_type_name(value)}'
            )
        result = float(value)  # (a whole number has at most MAX_DIGITS digits here)
        if not math.isfinite(result):  # a float too large for float64, such as 1e400
            raise self.fail(
                key,
                "expected a number within float64's range (non-finite ones are written "
                '"inf", "-inf"), found a number beyond it',
            )
        return result

    def reals(self, value: Any, key: str, size: int | None, limit: int, what: str) -> np.ndarray:
        """A list of numbers (`real`), checked and converted at C speed when all are floats."""
        items = self.array(value, key, f"a list of {what}", limit)
        if size is not None and len(items) != size:
            expected = _count(size, "number")
            raise self.fail(key, f"expected {expected} ({what}), found {len(items):,}")
        odd: list[int] = []
        numbers = items
        if not set(map(type, items)) <= {float}:
            odd = [k for k, item in enumerate(items) if type(item) is not float]
            numbers = list(items)
            for k in odd:
                numbers[k] = self.real(items[k], f"{key}[{k}]")
        array = np.array(numbers, dtype=np.float64)
        bad = ~np.isfinite(array)
        if odd:
            bad[odd] = False  # "nan", "inf", "-inf" as the writer writes them
        if bad.any():
            k = int(np.argmax(bad))
            self.real(items[k], f"{key}[{k}]")  # raises: a float beyond float64's range
        return array

    def parameter(self, value: Any, key: str, network: Network, trained: bool) -> str:
        name = self.string(value, key)
        try:
            ref = network.param(name)
        except KeyError:
            names = [ref.name for ref in network.param_refs]
            listed = ", ".join(names[:8])
            if len(names) > 8:
                listed += f", ... ({len(names):,} in all)"
            raise self.fail(
                key, f'no parameter named "{_shown(name)}" (parameters: {listed})'
            ) from None
        if trained and not ref.trained:
            raise self.fail(key, untrained_message(name))
        return name
