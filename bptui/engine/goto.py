"""What the user types to go somewhere: `3`, `3:17`, `3 17`, a symbol, or an epoch and a symbol.

A small grammar, parsed without `int()` on anything unchecked (a pasted 200,000-digit number or
`²` must never reach it):

    target  := epoch | epoch (":" | " ") step | [epoch " "] symbol
    epoch   := 1 to 8 ASCII digits, 1 ≤ epoch ≤ MAX_EPOCHS
    step    := 1 to 9 ASCII digits (1-based; the epoch's step count is checked later)
    symbol  := what `bptui.engine.symbols` knows, ASCII or Unicode (`dE_total/dw5`,
               `∂E_total/∂w5`, `delta_o1`, `w5+`), or a parameter's name alone (`w5`), which
               means its gradient, as a breakpoint does

Every problem is a `GotoError` whose message says what was expected.
"""

from __future__ import annotations

import re

from bptui.engine.errors import BptuiError, one_line
from bptui.records import dataclass

MAX_EPOCHS = 10_000_000
MAX_TEXT = 200
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes ² and ①
_EPOCH_STEP = re.compile(r"([0-9]+)\s*(?::\s*|\s+)([0-9]+)")
EXAMPLES = "an epoch (3), a step (3:17), a symbol (dE_total/dw1, delta_o1, w5+, w5), or both"


class GotoError(BptuiError):
    """Text that names no place to go."""


@dataclass(frozen=True)
class Target:
    """A parsed go-to: an epoch (None: the current one), and a step or a symbol (neither:
    the epoch's first step)."""

    epoch: int | None
    step: int | None = None  # 1-based
    symbol: str | None = None


def _shown(text: str) -> str:
    return one_line(text if len(text) <= 40 else text[:39] + "…")


def _epoch(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    if len(digits) > 8 or int(digits) > MAX_EPOCHS:
        shown = f"{int(digits):,}" if len(digits) <= 40 else _shown(digits)
        raise GotoError(f"epoch {shown} is past the limit of {MAX_EPOCHS:,} epochs")
    epoch = int(digits)
    if epoch < 1:
        raise GotoError("epochs count from 1")
    return epoch


def parse_target(text: str) -> Target:
    """The target `text` names; a GotoError says what was expected."""
    s = text.strip()
    if not s:
        raise GotoError(f"nothing to go to: give {EXAMPLES}")
    if len(s) > MAX_TEXT:
        raise GotoError(f"{len(s):,} characters is too long for a place: give {EXAMPLES}")
    if _DIGITS.fullmatch(s):
        return Target(_epoch(s))
    match = _EPOCH_STEP.fullmatch(s)
    if match:
        epoch = _epoch(match.group(1))
        step = match.group(2).lstrip("0") or "0"
        if len(step) > 9 or int(step) < 1:
            raise GotoError(f"step {_shown(step)} of epoch {epoch} does not exist")
        return Target(epoch, step=int(step))
    head, _, rest = s.partition(" ")
    if _DIGITS.fullmatch(head) and rest.strip():
        return Target(_epoch(head), symbol=rest.strip())
    if not s.isprintable():
        raise GotoError(f"cannot go to {_shown(s)}: give {EXAMPLES}")
    return Target(None, symbol=s)


_COUNT = re.compile(r"[0-9]{1,3}(?:([,_]?)[0-9]{3})*|[0-9]+")


def parse_count(text: str, what: str = "epochs") -> int:
    """A number of epochs as typed: `10000`, `10,000` or `10_000` (ASCII digits only),
    1 to MAX_EPOCHS."""
    s = text.strip()
    match = _COUNT.fullmatch(s) if len(s) <= 20 else None
    if match is None:
        raise GotoError(f"not a number of {what}: {_shown(s)!r}")
    digits = s.replace(",", "").replace("_", "").lstrip("0") or "0"
    if len(digits) > 8 or not 1 <= int(digits) <= MAX_EPOCHS:
        raise GotoError(f"expected 1 to {MAX_EPOCHS:,} {what}, found {_shown(s)}")
    return int(digits)


def resolve(target: Target, trace, sample: int) -> int:
    """The step index (0-based) in `trace` (the target epoch's) that `target` names, at
    `sample` for a symbol of a sample's pass."""
    from bptui.engine.symbols import find, normalize

    length = len(trace)
    if target.step is not None:
        if target.step > length:
            raise GotoError(
                f"step {target.step:,} is past the last step of epoch {trace.number} "
                f"({length:,} steps)"
            )
        return target.step - 1
    if target.symbol is None:
        return 0
    symbol = normalize(target.symbol)
    network = trace.network
    names = {ref.name: ref for ref in network.param_refs}
    if symbol in names:  # a parameter alone: its gradient, as a breakpoint takes it
        if not names[symbol].trained:
            raise GotoError(f"{symbol} is not trained: no step computes its gradient")
        symbol = f"∂E_total/∂{symbol}"
    sample = min(max(sample, 0), network.n_samples - 1)
    index = find(trace, symbol, sample)
    if index is None:
        raise GotoError(
            f"no step computes {_shown(target.symbol)} in this network; symbols look like "
            "net_h1, out_o1, E_total, delta_o1, dE_total/dw5, w5+"
        )
    return index
