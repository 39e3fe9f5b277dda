"""What `bptui compare` reports (`bptui.engine.check_yours`): a `Row` per number given, the
first divergence (`Divergence`, with its `Input`s and its likely `Cause`), the whole `Report`,
and when two numbers agree.
"""

from __future__ import annotations

import math

from bptui.engine.network import Network
from bptui.engine.steps import Step
from bptui.engine.yours import Given
from bptui.records import dataclass

MATCH, DIFFERS, FOLLOWS = "match", "differs", "follows"
NOT_GIVEN, FIXED = "not given", "fixed"


@dataclass(frozen=True)
class Cause:
    """A recognised mistake: what it is, in words, and the number it gives."""

    kind: str  # sign | missing_factor | half | updated_weight | original_weight |
    #            learning_rate | transposed | mean_sum
    text: str
    at: str  # the symbol of the step where the mistake is made (maybe one not given)
    value: float  # the number it gives at the compared step

    @property
    def label(self) -> str:
        """A few words for a table's column."""
        return LABELS.get(self.kind, self.kind)


LABELS = {
    "sign": "a sign flip",
    "missing_factor": "a missing factor",
    "updated_weight": "w⁺ in place of w",
    "original_weight": "w in place of w⁺",
    "learning_rate": "another learning rate",
    "transposed": "transposed weights",
    "mean_sum": "mean and sum swapped",
}


@dataclass(frozen=True)
class Row:
    """One number of YOURS beside bptui's."""

    given: Given
    epoch: int
    sample: int | None  # from 1; None: the epoch's batch update
    index: int  # the step's index in its epoch's trace, from 0 (`step` counts from 1)
    symbol: str  # the trace's symbol
    ours: float
    tolerance: float  # how far from `ours` a number still matches
    status: str  # match | differs | follows
    expected: float | None = None  # follows: what the learner's own earlier numbers give
    cause: Cause | None = None  # differs: a recognised mistake

    @property
    def step(self) -> int:
        return self.index + 1

    @property
    def yours(self) -> float:
        return self.given.value

    @property
    def text(self) -> str:
        return self.given.text

    @property
    def rel_error(self) -> float:
        """|yours − ours| / |ours| (0 when both are 0; inf when only ours is; nan when either
        is not finite)."""
        return relative_error(self.yours, self.ours)


@dataclass(frozen=True)
class Input:
    """A quantity the divergent step's formula reads."""

    symbol: str
    ours: float
    status: str  # match | differs | follows | not given | fixed (a parameter, input, target, η)
    yours: str | None = None  # the learner's number for it, as written


@dataclass(frozen=True)
class Divergence:
    """The first number, in trace order, that differs from bptui's."""

    row: Row
    step: Step  # bptui's step
    inputs: tuple[Input, ...]
    cause: Cause | None
    also: tuple[Cause, ...] = ()  # other mistakes that give the same number

    @property
    def formula(self) -> str:
        return self.step.formula

    def numbers(self, precision: int | None = 9) -> str:
        """The formula with bptui's numbers put in (None: every digit)."""
        return self.step.expr.numbers(precision)

    @property
    def note(self) -> str:
        """Where the mistake is, as far as the inputs tell."""
        steps = [i for i in self.inputs if i.status != FIXED]
        missing = [i.symbol for i in steps if i.status == NOT_GIVEN]
        wrong = [i.symbol for i in steps if i.status in (DIFFERS, FOLLOWS)]
        if wrong:
            return f"already different on your side: {', '.join(wrong)}"
        if not steps:
            return "its inputs all come from the network (parameters, inputs, targets)"
        if not missing:
            return "every input you gave matches bptui's: the mistake is in this step"
        if len(missing) == len(steps):
            return (
                f"you gave none of its inputs ({', '.join(missing)}): the mistake is in this "
                "step or before it"
            )
        return (
            f"the inputs you gave match; not given: {', '.join(missing)}: the mistake is in "
            "this step or in those"
        )


@dataclass(frozen=True)
class Report:
    """Every number of YOURS beside bptui's, in trace order, and the first divergence."""

    network: Network
    source: str
    rtol: float | None
    epochs: int
    rows: tuple[Row, ...]
    first: Divergence | None
    # (epoch, index) of the step from which later numbers were compared with bptui's only, the
    # learner's own not being followed further (over MAX_WALK steps after the divergence)
    cut: tuple[int, int] | None = None

    @property
    def all_match(self) -> bool:
        return self.first is None

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)


def relative_error(yours: float, ours: float) -> float:
    if not (math.isfinite(yours) and math.isfinite(ours)):
        return 0.0 if yours == ours else math.nan
    if ours == 0:
        return 0.0 if yours == 0 else math.inf
    return abs(yours - ours) / abs(ours)


def agrees(yours: float, ours: float, tolerance: float) -> bool:
    """|yours − ours| ≤ tolerance; a non-finite number agrees only with itself."""
    if math.isnan(yours) or math.isnan(ours):
        return math.isnan(yours) and math.isnan(ours)
    if math.isinf(yours) or math.isinf(ours):
        return yours == ours
    return abs(yours - ours) <= tolerance
