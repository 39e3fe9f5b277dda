"""The rules of a network file's values: the limits, the keys each table may hold, and the
`_Checker` whose methods check one value each and raise a `NetworkFileError` naming its key
path, what was expected and what was found (the loader's, the sessions' and the learner's
numbers' readers share it).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from bptui.engine.errors import NetworkFileError, one_line

# Limits that keep a typo from allocating gigabytes (README lists them).
MAX_NEURONS = 4096
MAX_PARAMS = 1_000_000
MAX_SAMPLES = 100_000
MAX_NAME = 24  # characters of a neuron's name (it labels the diagram)
MAX_TITLE = 100  # characters of the network's name (it heads the screen)

TOP_KEYS = {
    "name",
    "description",
    "learning_rate",
    "loss",
    "update",
    "train_biases",
    "hidden_gradients",
    "seed",
    "input_names",
    "layers",
    "samples",
    "optimizer",
}
LAYER_KEYS = {"activation", "weights", "size", "bias", "biases", "names"}
SAMPLE_KEYS = {"inputs", "targets"}
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # used with fullmatch
# E_total is the total error's symbol: a neuron named "total" would make E_total (and
# ∂E_total/∂out_X, the path through it) mean two steps.
RESERVED_NAMES = {"total"}
# A neuron or input named like a parameter or the learning rate read as one: an input "w5"
# made `∂net_h1/∂w1 = w5 = 0.05` beside the weight w5 = 0.4, and `e eta = 0.4` could not
# reach an input named eta (the hostile trial).
PARAMETER_LIKE = re.compile(r"[wb][0-9]+|b_.*|eta|lr|learning_rate", re.IGNORECASE)
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _shown(text: str, width: int = 30) -> str:
    """A string from the file as a message quotes it: shortened, on one line."""
    shown = text if len(text) <= width else text[: width - 3] + "..."
    return one_line(shown)


def _number_text(value: int | float) -> str:
    """A number as a message shows it; an int too long for str() is described instead."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"a whole number of {_digits(abs(value)):,} digits"
    return str(value)


def _count(n: int, noun: str) -> str:
    """`1 number`, `2 numbers`, `1,000 numbers`."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _digits(n: int) -> int:
    """How many decimal digits the positive `n` has (str(n) is refused over 4,300)."""
    d = int(math.log10(n))  # (a float: off by one near a power of 10, put right below)
    if 10**d > n:
        d -= 1
    elif 10 ** (d + 1) <= n:
        d += 1
    return d + 1


def _key_name(name: str) -> str:
    """A key as a key path shows it: bare if TOML allows it bare, else quoted; a long one
    shortened (a message stays one readable line whatever the file holds)."""
    shortened = name if len(name) <= 40 else name[:37] + "..."
    if BARE_KEY.fullmatch(name):
        return shortened
    return one_line(json.dumps(shortened, ensure_ascii=False))


class UnreadValue:
    """A JSON value kept out of Python's numbers by a reader that refuses it later, at its key
    path: a NaN or Infinity literal, or a whole number of too many digits (never given to
    int(), whose time grows with the square of the digits)."""

    __slots__ = ("description",)

    def __init__(self, description: str) -> None:
        self.description = description


class DuplicatedKeys(dict):
    """A JSON object that gave `duplicate` twice (the last value kept): a reader that refuses it
    later, at its key path, builds these instead of raising while parsing."""

    duplicate: str = ""


def _type_name(value: Any) -> str:
    if isinstance(value, UnreadValue):
        return value.description
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        text = _number_text(value)
        return text if text.startswith("a whole number") else f"the number {text}"
    if isinstance(value, str):
        return f'the string "{_shown(value)}"'
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    if value is None:
        return "null"
    return type(value).__name__


class _Checker:
    """Checks one parsed document; each method raises with the offending key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> NetworkFileError:
        return NetworkFileError(self.source, key, message)

    def table(self, value: Any, key: str, allowed: set[str], what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected {what} (a table of keys), found {_type_name(value)}")
        if isinstance(value, DuplicatedKeys):
            where = self.key_path(key, value.duplicate)
            raise self.fail(where, "given twice in one JSON object")
        for name in value:
            if name not in allowed:
                where = self.key_path(key, name)
                valid = ", ".join(sorted(allowed))
                raise self.fail(where, f"unknown key; valid keys here: {valid}")
        return value

    @staticmethod
    def key_path(key: str, name: str) -> str:
        """The path of key `name` in the table at `key`."""
        return f"{key}.{_key_name(name)}" if key else _key_name(name)

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"expected a number, found {_type_name(value)}")
        if isinstance(value, int) and abs(value) > 1e300:
            raise self.fail(key, "expected a finite number, found a number too large for float64")
        result = float(value)
        if not math.isfinite(result):
            raise self.fail(key, f"expected a finite number, found {value}")
        return result

    def integer(self, value: Any, key: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, UnreadValue)):
            raise self.fail(key, f"expected a whole number, found {_type_name(value)}")
        if isinstance(value, UnreadValue):
            raise self.fail(
                key, f"expected a whole number from {low} to {high}, found {_type_name(value)}"
            )
        if not low <= value <= high:
            raise self.fail(
                key, f"expected a whole number from {low} to {high}, found {_number_text(value)}"
            )
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, found {_type_name(value)}")
        return value

    def choice(self, value: Any, key: str, options: tuple[str, ...]) -> str:
        text = self.string(value, key)
        if text not in options:
            raise self.fail(key, f'unknown "{_shown(text)}"; expected one of {", ".join(options)}')
        return text

    def one_line_text(self, value: Any, key: str) -> str:
        text = self.string(value, key)
        if not text.isprintable():
            raise self.fail(
                key, f'expected one line of printable text, found the string "{_shown(text)}"'
            )
        return text

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, found {_type_name(value)}")
        return value

    def array(self, value: Any, key: str, what: str, limit: int | None = None) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(key, f"expected {what}, found {_type_name(value)}")
        if limit is not None and len(value) > limit:
            raise self.fail(key, f"{len(value):,} entries is over the limit of {limit:,}")
        return value

    def vector(self, value: Any, key: str, size: int | None, what: str) -> list[float]:
        items = self.array(value, key, f"a list of {what}")
        if size is not None and len(items) != size:
            raise self.fail(key, f"expected {_count(size, 'number')} ({what}), found {len(items)}")
        if not items:
            raise self.fail(key, f"expected a list of {what}, found an empty list")
        return [self.number(item, f"{key}[{k}]") for k, item in enumerate(items)]

    def names(self, value: Any, key: str, size: int, taken: set[str]) -> list[str]:
        items = self.array(value, key, f"a list of {size} names")
        if len(items) != size:
            raise self.fail(key, f"expected {size} names, found {len(items)}")
        result = []
        for k, item in enumerate(items):
            name = self.string(item, f"{key}[{k}]")
            if len(name) > MAX_NAME:
                raise self.fail(
                    f"{key}[{k}]",
                    f'expected a name of at most {MAX_NAME} characters, found "{_shown(name)}" '
                    f"({len(name):,} characters)",
                )
            if not NAME_PATTERN.fullmatch(name):
                raise self.fail(
                    f"{key}[{k}]",
                    f"expected a name of letters, digits and _ starting with a letter, "
                    f'found "{_shown(name)}"',
                )
            if name in RESERVED_NAMES:
                raise self.fail(
                    f"{key}[{k}]", f'the name "{name}" is reserved (E_{name} is the total error)'
                )
            if PARAMETER_LIKE.fullmatch(name):
                raise self.fail(
                    f"{key}[{k}]",
                    f'the name "{name}" reads as a parameter (w1, b1, b_h1) or the learning rate '
                    "(eta): name neurons otherwise",
                )
            if name in taken:
                raise self.fail(f"{key}[{k}]", f'the name "{name}" is used twice')
            taken.add(name)
            result.append(name)
        return result
