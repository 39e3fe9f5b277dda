"""The search for the likely mistake at a differing step (`bptui.engine.check_yours`): each rule
of `bptui.engine.check_yours_rules` tried at the step itself, then at each earlier step the
learner did not give that leads to it (nearest first), then at all of them at once; the first
whose number agrees with the learner's to the digits written is the cause.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from bptui.engine.check_yours_report import Cause, agrees
from bptui.engine.check_yours_rules import RULES, SYSTEMATIC, UPDATES, Rule
from bptui.engine.ops.evaluation import NotEvaluable, evaluate
from bptui.engine.ops.terms import Sym, Var
from bptui.engine.passes import SampleRecord
from bptui.engine.steps import Kind, Step
from bptui.engine.symbols import find
from bptui.engine.trace import EpochTrace

if TYPE_CHECKING:
    from bptui.engine.check_yours import _Walk


MAX_SEARCH = 2_000  # steps before a differing one, in its sample, searched for a cause
MAX_TARGETS = 50  # ...of which the nearest this many, each alone


# ---------------------------------------------------------------------------------------------
# Causes


class _Search:
    """Candidate mistakes at a differing step, made from the numbers the walk holds (bptui's
    before the first divergence)."""

    def __init__(
        self, walk: _Walk, trace: EpochTrace, step: Step, yours: float, tolerance: float
    ) -> None:
        self.walk = walk
        self.trace = trace
        self.network = walk.network
        self.step = step
        self.yours = yours
        self.tolerance = tolerance
        self.record: SampleRecord | None = trace.record(step.sample)

    def matches(self, value: float) -> bool:
        """Does a mistake's number agree with the learner's (and differ from bptui's)?"""
        if self.walk.rtol is not None:
            tolerance = self.walk.rtol * abs(value) if math.isfinite(value) else 0.0
        else:
            tolerance = self.tolerance
        return agrees(self.yours, value, tolerance) and not agrees(
            value, self.step.value, tolerance
        )

    def causes(self, full: bool) -> list[tuple[Cause, dict[str, float]]]:
        """The mistakes that give the learner's number, most likely first, each with the
        numbers it makes (symbol → value) up to this step. Made at this step, then (`full`)
        at each earlier step of the sample the learner did not give, nearest first, then at
        all of those alike at once; ranked by the kind of mistake (a sign flip last, since one
        anywhere on a chain of products flips the end: the flip of a loss derivative, the
        classic, first among them), then in that order."""
        found: list[tuple[tuple[int, int], Cause, dict[str, float]]] = []
        seen: set[tuple[str, str]] = set()

        def add(rank: int, kind: str, text: str, at: Step, made: dict[str, float]) -> None:
            value = made.get(self.step.symbol, math.nan)
            if (kind, at.symbol) not in seen and self.matches(value):
                seen.add((kind, at.symbol))
                if kind == "sign":
                    rank += 0 if at.kind == Kind.DE_DOUT else 1 if at.kind in UPDATES else 2
                found.append(((rank, len(found)), Cause(kind, text, at.symbol, value), made))

        base = self.walk.value_of
        for rank, rule in enumerate(RULES):
            for kind, text, value in _variants(rule, self, self.step, base):
                add(rank, kind, text, self.step, {self.step.symbol: value})
        if full and self.step.sample >= 0:
            self._upstream(add, base)
        found.sort(key=lambda item: item[0])
        return [(cause, made) for _, cause, made in found]

    def _upstream(self, add, base: Callable[[Var], float]) -> None:
        start = self.trace.sample_start(self.step.sample)
        if self.step.index - start > MAX_SEARCH:
            return
        steps = [self.trace[k] for k in range(start, self.step.index)]
        given = {
            row.symbol
            for row in self.walk.rows
            if row.epoch == self.trace.number and row.sample == self.step.sample + 1
        }
        ancestors = _ancestors(steps, self.step)
        free = [s for s in ancestors if s.symbol not in given]
        for target in reversed(free[-MAX_TARGETS:]):  # nearest first
            for rank, rule in enumerate(RULES):
                for k, (kind, text, _) in enumerate(_variants(rule, self, target, base)):
                    made = self._propagate(ancestors, given, {target.index: (rule, k)})
                    add(rank, kind, text, target, made)
        for rule in SYSTEMATIC:
            targets: dict[int, tuple[Rule, int]] = {}
            places: list[tuple[Step, str]] = []
            kinds: set[str] = set()
            for target in [*free, self.step]:
                for kind, text, _ in _variants(rule, self, target, base)[:1]:
                    targets[target.index] = (rule, 0)
                    places.append((target, text))
                    kinds.add(kind)
            if len(targets) > 1 and len(kinds) == 1:
                made = self._propagate(ancestors, given, targets)
                others = ", ".join(step.symbol for step, _ in places[1:])
                text = f"{places[0][1]}; the same in {others}"
                add(RULES.index(rule), kinds.pop(), text, places[0][0], made)

    def _propagate(
        self, ancestors: list[Step], given: set[str], targets: dict[int, tuple[Rule, int]]
    ) -> dict[str, float]:
        """The numbers made when the mistakes `targets` (step index → rule and variant) are
        made and every later step the learner did not give follows from them."""
        made: dict[str, float] = {}

        def value_of(var: Var) -> float:
            symbol = var.sym.text
            return made[symbol] if symbol in made else self.walk.value_of(var)

        first = min(targets)
        for step in [*ancestors, self.step]:
            if step.index < first:
                continue
            if step.index in targets:
                rule, k = targets[step.index]
                variants = _variants(rule, self, step, value_of)
                if k >= len(variants):
                    return {}
                made[step.symbol] = variants[k][2]
            elif (step is self.step or step.symbol not in given) and any(
                leaf.sym.text in made for leaf in step.expr.leaves()
            ):
                try:
                    made[step.symbol] = evaluate(step.expr, value_of)
                except NotEvaluable:
                    return {}
        return made

    # -- what the rules need --------------------------------------------------------------------
    def coords(self, step: Step) -> tuple[int, int, int]:
        """(layer, unit, repetition) of a step."""
        block = self.trace.block_of(step.index)
        _, unit, rep = block.decode(step.index - block.start)
        return block.layer, unit, rep

    @staticmethod
    def defined(value_of: Callable[[Var], float], symbol: str, default: float) -> float:
        """The number `value_of` gives a symbol no leaf of the step names (bptui's: `default`)."""
        return value_of(Var(Sym(symbol, symbol), default))

    def step_of(self, symbol: str) -> Step | None:
        index = find(self.trace, symbol, max(self.step.sample, 0))
        return None if index is None else self.trace[index]


def _variants(
    rule: Rule, search: _Search, step: Step, value_of: Callable[[Var], float]
) -> list[tuple[str, str, float]]:
    try:
        return rule(search, step, value_of)
    except NotEvaluable:
        return []


def _ancestors(steps: list[Step], step: Step) -> list[Step]:
    """The steps (of `steps`, which come before `step`) that `step` depends on, in order."""
    by_symbol = {s.symbol: s for s in steps}
    wanted: set[int] = set()
    stack = [leaf.sym.text for leaf in step.expr.leaves()]
    while stack:
        symbol = stack.pop()
        found = by_symbol.get(symbol)
        if found is None or found.index in wanted:
            continue
        wanted.add(found.index)
        stack.extend(leaf.sym.text for leaf in found.expr.leaves())
    return [s for s in steps if s.index in wanted]
