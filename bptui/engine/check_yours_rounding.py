"""Hand arithmetic carries its rounding: a learner's number that differs from bptui's but
follows, within the digits written, from their own earlier (matching) numbers of the sample is
no mistake (`bptui compare`'s walk asks this before it calls a number the first divergence)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bptui.engine.check_yours_report import MATCH
from bptui.engine.steps import Step
from bptui.engine.trace import EpochTrace
from bptui.engine.yours_values import Given

if TYPE_CHECKING:
    from bptui.engine.check_yours import _Walk


def carried_rounding(
    walk: _Walk, trace: EpochTrace, step: Step, given: Given, tolerance: float
) -> bool:
    """Does the learner's number follow from their own earlier numbers of the sample, each
    within its last digit (0.7414 × 0.1868 = 0.13849 for δ_o1, where bptui's exact inputs give
    0.138498562)? Then it matches: the rounding is carried, not a mistake made."""
    here = step.sample + 1 if step.sample >= 0 else None
    mine = {
        row.symbol: (row.yours, row.tolerance)
        for row in walk.rows
        if row.epoch == trace.number and row.sample == here and row.status == MATCH
    }
    forms = [step.expr] if step.alt is None else [step.expr, step.alt]
    used = {
        leaf.sym.text: mine[leaf.sym.text]
        for form in forms
        for leaf in form.leaves()
        if leaf.sym.text in mine
    }
    if not used:
        return False
    saved, walk.env = walk.env, used
    try:
        for form in forms:
            value, spread = walk._evaluate(form)
            if math.isfinite(value) and abs(given.value - value) <= spread + tolerance:
                return True
        return False
    finally:
        walk.env = saved
