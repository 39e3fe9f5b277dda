"""A learner's numbers against bptui's, step by step: `bptui compare`.

`compare_yours(network, given)` walks the trace in order and gives a `Report`: a `Row` per
number given (its epoch, sample and step index, bptui's value, the relative error, and a
status), and the first divergence (`Divergence`): that step's formula, the numbers that
should have gone in, which of its inputs the learner gave and whether they matched, and the
likely mistake in words (`Cause`) where one is recognisable.

A number matches when it agrees with bptui's to the digits written
(`bptui.engine.yours.digits_tolerance`), or within a relative tolerance `rtol`. After the first
divergence a number that differs from bptui's may still be right *given the learner's own
earlier numbers*: each later step is recomputed from the learner's values where they gave them
(and, for the steps they did not give, from what their numbers imply), and a number that
matches that recomputation "follows from the earlier error". The recomputation carries how
uncertain its inputs are (a learner's 0.1385 stands for anything within 0.00005) to the numbers
it gives, so that rounded inputs never make a consistent number look wrong.

The causes are candidate wrong computations of the divergent step made from bptui's own correct
numbers (and the learner's matching ones): the sign flipped, the activation's derivative or
another factor left out, the loss's ½ left out, the updated w⁺ in place of the original w (the
post's errata: its code back-propagated through the updated w5..w8, as `after_output_update`
does), another learning rate, a transposed weight matrix, the mean in place of the sum (of the
output errors, or of the samples' gradients in a batch update). Each is tried at the divergent
step itself, then at each earlier step the learner did not give that leads to it (nearest
first), then at all of them at once; the first whose number agrees with the learner's to the
digits written is the cause.

The report's records are `bptui.engine.check_yours_report`'s, the symbols' look-up
`check_yours_symbols`', and the causes `check_yours_search`'s (`_Search`) and
`check_yours_rules`' (each candidate mistake); the walk is here.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import field

from bptui.engine.check_yours_report import (
    DIFFERS,
    FIXED,
    FOLLOWS,
    MATCH,
    NOT_GIVEN,
    Divergence,
    Input,
    Report,
    Row,
    agrees,
)
from bptui.engine.check_yours_rounding import carried_rounding
from bptui.engine.check_yours_search import _Search
from bptui.engine.check_yours_symbols import _sample_symbols, _summed_symbol, resolve
from bptui.engine.errors import BptuiError
from bptui.engine.network import Network
from bptui.engine.ops.evaluation import NotEvaluable, evaluate
from bptui.engine.ops.terms import Var
from bptui.engine.passes import compute_epoch
from bptui.engine.steps import GRADIENT_KINDS, Kind, Step
from bptui.engine.symbols import find
from bptui.engine.trace import EpochTrace
from bptui.engine.yours import Given
from bptui.records import dataclass

MAX_ROW_CAUSES = 200  # later differing rows whose cause is looked for before them too
MAX_LOCAL_CAUSES = 10_000  # ...and at the step itself only
MAX_WALK = 20_000  # steps recomputed from the learner's numbers (some 2 s), at most


# ---------------------------------------------------------------------------------------------
# Comparing


def compare_yours(
    network: Network,
    given: Sequence[Given],
    rtol: float | None = None,
    epochs: int | None = None,
    max_epochs: int = 1_000,
    traces: Callable[[int], EpochTrace] | None = None,
) -> Report:
    """Compare the learner's numbers with bptui's trace of `network` (see the module's
    docstring). `epochs`: how many epochs are compared (a number for a later epoch is an
    error); None: as many as `given` names, up to `max_epochs`. A one-line `NetworkFileError`
    (a `BptuiError`) names the file and key of a number for an epoch, sample or symbol the
    network has not. `traces`: where epoch N's trace comes from (the debugger's history,
    edits and all); by default each epoch is computed from the last, starting at `network`."""
    if not given:
        raise BptuiError("no numbers to compare")
    limit = epochs if epochs is not None else max_epochs
    source = given[0].source
    for g in given:
        if g.epoch > limit:
            if epochs is not None:
                raise g.error(
                    f"epoch {g.epoch:,} is beyond the {limit:,} compared "
                    f"(give --epochs {g.epoch:,}, at most {max_epochs:,})",
                    g.epoch_key,
                )
            raise g.error(f"epoch {g.epoch:,} is beyond the limit of {limit:,}", g.epoch_key)
        if g.sample > network.n_samples:
            count = network.n_samples
            raise g.error(
                f"sample {g.sample:,} is beyond the network's {count:,} "
                f"sample{'s' if count != 1 else ''}",
                g.sample_key,
            )
    last_epoch = max(g.epoch for g in given)
    walk = _Walk(network, rtol, traces=traces)
    first_trace = walk.trace(1)
    places: dict[tuple[int, int], Given] = {}
    by_epoch: dict[int, list[tuple[int, Given]]] = {}
    for g in given:
        index = resolve(first_trace, g)  # (every epoch has the same steps)
        if (g.epoch, index) in places:
            other = places[(g.epoch, index)]
            raise g.error(
                f"the same step as {other.key.split(', column')[0]} "
                f"({first_trace[index].symbol} of epoch {g.epoch}"
                f"{', the epoch’s one batch update' if first_trace.sample_of(index) < 0 else ''})"
                ": each step takes one number"
            )
        places[(g.epoch, index)] = g
        by_epoch.setdefault(g.epoch, []).append((index, g))
    for number in range(1, last_epoch + 1):
        trace = walk.trace(number)
        rows = sorted(by_epoch.get(number, []), key=lambda pair: pair[0])
        stop = rows[-1][0] + 1 if number == last_epoch and rows else len(trace)
        walk.epoch(trace, rows, stop)
    return Report(
        network,
        source,
        rtol,
        epochs if epochs is not None else last_epoch,
        tuple(walk.rows),
        walk.first,
        walk.cut,
    )


@dataclass
class _Walk:
    """The walk through the trace: bptui's numbers, and, after the first divergence, the
    learner's (`env`: symbol → (value, uncertainty), for the steps where theirs differ)."""

    network: Network
    rtol: float | None
    rows: list[Row] = field(default_factory=list)
    first: Divergence | None = None
    env: dict[str, tuple[float, float]] = field(default_factory=dict)
    sums: dict[str, tuple[float, float]] = field(default_factory=dict)  # batch: Σ of changes
    updated: set[str] = field(default_factory=set)  # parameters updated since the last roll
    place: tuple[int, int] | None = None  # (epoch, sample) of the last step walked
    traces: Callable[[int], EpochTrace] | None = None  # (else computed here, in order)
    _traces: dict[int, EpochTrace] = field(default_factory=dict)
    _state: tuple = ()
    causes_left: int = MAX_LOCAL_CAUSES
    walked: int = 0  # steps recomputed from the learner's numbers
    cut: tuple[int, int] | None = None  # (epoch, index) where that stopped (MAX_WALK)

    def trace(self, number: int) -> EpochTrace:
        """Epoch `number`'s trace (computed in order; only the latest kept)."""
        if number in self._traces:
            return self._traces[number]
        if self.traces is not None:
            self._traces = {number: self.traces(number)}
            return self._traces[number]
        params, moments, steps = self._state or (self.network.params, None, 0)
        epoch = compute_epoch(self.network, params, moments, steps)
        self._state = (epoch.params_after, epoch.moments_after, epoch.steps_after)
        self._traces = {number: EpochTrace(epoch, number)}
        return self._traces[number]

    def tolerance(self, given: Given, reference: float) -> float:
        if self.rtol is not None:
            return self.rtol * abs(reference) if math.isfinite(reference) else 0.0
        return given.tolerance

    # -- one epoch ------------------------------------------------------------------------------
    def epoch(self, trace: EpochTrace, rows: list[tuple[int, Given]], stop: int) -> None:
        pending = collections.deque(rows)
        if self.first is None or self.cut is not None:
            while pending:
                index, given = pending.popleft()
                step = trace[index]
                tolerance = self.tolerance(given, step.value)
                if agrees(given.value, step.value, tolerance) or (
                    self.first is None and carried_rounding(self, trace, step, given, tolerance)
                ):
                    self.rows.append(self._row(trace, step, given, tolerance, MATCH))
                elif self.first is not None:  # (past the cut: bptui's numbers only)
                    self.rows.append(self._row(trace, step, given, tolerance, DIFFERS))
                else:
                    self._diverge(trace, step, given, tolerance)
                    start = index + 1
                    break
            else:
                return
        else:
            start = 0
            self.sums = {}
        wanted = dict(pending)
        for k in range(start, stop):
            if self.walked == MAX_WALK:
                self.cut = (trace.number, k)
                self.epoch(trace, [(i, g) for i, g in pending if i >= k], stop)
                return
            self.walked += 1
            self._advance(trace, trace[k], wanted.get(k))

    def _row(self, trace, step: Step, given: Given, tolerance: float, status: str, **extra) -> Row:
        sample = None if step.sample < 0 else step.sample + 1
        return Row(
            given,
            trace.number,
            sample,
            step.index,
            step.symbol,
            step.value,
            tolerance,
            status,
            **extra,
        )

    def _diverge(self, trace: EpochTrace, step: Step, given: Given, tolerance: float) -> None:
        search = _Search(self, trace, step, given.value, tolerance)
        found = search.causes(full=True) if math.isfinite(given.value) else []  # (no mistake
        # gives a nan or an infinity that bptui's finite numbers do not)
        cause = found[0][0] if found else None
        row = self._row(trace, step, given, tolerance, DIFFERS, cause=cause)
        self.rows.append(row)
        self.first = Divergence(
            row,
            step,
            self._inputs(trace, step),
            cause,
            tuple(c for c, _ in found[1:]),
        )
        self.place = (trace.number, step.sample)
        self._adopt(trace, step, found[0][1] if found else None, (given.value, tolerance))
        self._after(step)

    def _adopt(
        self,
        trace: EpochTrace,
        step: Step,
        made: dict[str, float] | None,
        yours: tuple[float, float],
    ) -> None:
        """Take the learner's number at a differing step: what the recognised mistake makes
        (`made`: at this step and at the steps before it that it changes), else their number
        with its uncertainty. The steps between the mistake and this one that the learner did
        not give are worked out again from it (δ_o1 after a flipped ∂E_total/∂out_o1, when
        the number compared was ∂E_total/∂w5)."""
        if not made:
            self.env[step.symbol] = yours
            return
        self.env.update((symbol, (value, 0.0)) for symbol, value in made.items())
        sample = max(step.sample, 0)
        indices = [find(trace, symbol, sample) for symbol in made]
        start = min((k for k in indices if k is not None), default=step.index)
        given = {row.index for row in self.rows if row.epoch == trace.number}
        for k in range(start, step.index):
            earlier = trace[k]
            if k in given or earlier.symbol in made:
                continue
            if self._affected(earlier):
                self.env[earlier.symbol] = self._evaluate(earlier.expr)

    def _inputs(self, trace: EpochTrace, step: Step) -> tuple[Input, ...]:
        here = step.sample + 1 if step.sample >= 0 else None
        mine = {
            row.symbol: row
            for row in self.rows
            if row.epoch == trace.number and row.sample == here and row.index < step.index
        }
        defined = _sample_symbols(trace, step)
        inputs = []
        seen = set()
        for leaf in step.expr.leaves():
            symbol = leaf.sym.text
            if symbol in seen:
                continue
            seen.add(symbol)
            summed = _summed_symbol(symbol)
            if symbol in mine:
                row = mine[symbol]
                inputs.append(Input(symbol, leaf.value, row.status, row.text))
            elif summed is not None and step.sample < 0:
                inputs.append(self._summed_input(trace, symbol, summed, leaf.value))
            elif symbol in defined:
                inputs.append(Input(symbol, leaf.value, NOT_GIVEN))
            else:
                inputs.append(Input(symbol, leaf.value, FIXED))
        return tuple(inputs)

    def _summed_input(self, trace: EpochTrace, symbol: str, each: str, value: float) -> Input:
        """A batch update's Σ ∂E_total/∂w (or mean): from the samples' gradients the learner
        gave (matching if they all did and all matched)."""
        rows = [row for row in self.rows if row.epoch == trace.number and row.symbol == each]
        if any(row.status != MATCH for row in rows):
            status = DIFFERS
        elif rows and len(rows) == self.network.n_samples:
            status = MATCH
        else:
            status = NOT_GIVEN
        texts = " + ".join(row.text for row in rows) if rows else None
        return Input(symbol, value, status, texts)

    # -- after the first divergence -------------------------------------------------------------
    def _advance(self, trace: EpochTrace, step: Step, given: Given | None) -> None:
        if (trace.number, step.sample) != self.place:
            self._roll()
            self.place = (trace.number, step.sample)
        affected = self._affected(step)
        value, spread = self._evaluate(step.expr) if affected else (step.value, 0.0)
        if given is None:
            if affected:
                self.env[step.symbol] = (value, spread)
            else:
                self.env.pop(step.symbol, None)
        else:
            tolerance = self.tolerance(given, step.value)
            if agrees(given.value, step.value, tolerance):
                self.rows.append(self._row(trace, step, given, tolerance, MATCH))
                self.env.pop(step.symbol, None)
            else:
                follows = None
                if affected:
                    for option, width in self._options(step, value, spread):
                        allowed = self.tolerance(given, option) + width
                        if agrees(given.value, option, allowed):
                            follows = (option, width)
                            break
                if follows is not None:
                    row = self._row(trace, step, given, tolerance, FOLLOWS, expected=follows[0])
                    self.rows.append(row)
                    own = self.tolerance(given, given.value)
                    keep = follows if follows[1] <= own else (given.value, own)
                    self.env[step.symbol] = keep
                else:
                    cause, found = None, []
                    if self.causes_left > 0 and math.isfinite(given.value):
                        self.causes_left -= 1
                        full = self.causes_left > MAX_LOCAL_CAUSES - MAX_ROW_CAUSES
                        found = _Search(self, trace, step, given.value, tolerance).causes(full)
                        cause = found[0][0] if found else None
                    self.rows.append(self._row(trace, step, given, tolerance, DIFFERS, cause=cause))
                    made = found[0][1] if found else None
                    self._adopt(trace, step, made, (given.value, tolerance))
        self._after(step)

    def _options(self, step: Step, value: float, spread: float) -> Iterator[tuple[float, float]]:
        yield value, spread
        if step.alt is not None:
            yield self._evaluate(step.alt)

    def _after(self, step: Step) -> None:
        """Book-keeping after a step: an update to roll over, a batch gradient to add up."""
        if step.kind in (Kind.UPDATE_W, Kind.UPDATE_B) and step.param is not None:
            self.updated.add(step.param)
        if (
            step.kind in GRADIENT_KINDS
            and self.network.update != "online"
            and step.sample >= 0
            and step.symbol in self.env
        ):
            value, spread = self.env[step.symbol]
            total, width = self.sums.get(step.symbol, (0.0, 0.0))
            self.sums[step.symbol] = (total + value - step.value, width + spread)

    def _roll(self) -> None:
        """A new sample (or epoch) sees the parameters the last update made: the learner's
        w⁺ becomes their w."""
        for param in self.updated:
            updated = self.env.pop(param + "⁺", None)
            if updated is None:
                self.env.pop(param, None)
            else:
                self.env[param] = updated
        self.updated = set()

    def value_of(self, var: Var, shift: dict[str, float] | None = None) -> float:
        symbol = var.sym.text
        delta = shift.get(symbol, 0.0) if shift else 0.0
        if symbol in self.env:
            return self.env[symbol][0] + delta
        summed = self._summed(symbol)
        if summed is not None:
            return var.value + summed[0] + delta
        return var.value

    def _summed(self, symbol: str) -> tuple[float, float] | None:
        """A batch update's Σ ∂E_total/∂w (or mean): the change the learner's gradients make."""
        for prefix, scale in (("Σ ", 1.0), ("mean ", 1.0 / self.network.n_samples)):
            if symbol.startswith(prefix) and symbol[len(prefix) :] in self.sums:
                total, width = self.sums[symbol[len(prefix) :]]
                return total * scale, width * scale
        return None

    def _spread_of(self, symbol: str) -> float:
        if symbol in self.env:
            return self.env[symbol][1]
        summed = self._summed(symbol)
        return summed[1] if summed is not None else 0.0

    def _affected(self, step: Step) -> bool:
        """Does an input of the step, in either of its forms, differ on the learner's side?"""
        leaves = {leaf.sym.text for leaf in step.expr.leaves()}
        if step.alt is not None:
            leaves |= {leaf.sym.text for leaf in step.alt.leaves()}
        return any(s in self.env or self._summed(s) is not None for s in leaves)

    def _shifted(self, symbol: str, width: float) -> Callable[[Var], float]:
        return lambda var: self.value_of(var, {symbol: width})

    def _evaluate(self, term) -> tuple[float, float]:
        """The term's value from the learner's numbers, and how uncertain it is."""
        try:
            value = evaluate(term, self.value_of)
            spread = 0.0
            for symbol in {leaf.sym.text for leaf in term.leaves()}:
                width = self._spread_of(symbol)
                if width > 0:
                    up = evaluate(term, self._shifted(symbol, width))
                    down = evaluate(term, self._shifted(symbol, -width))
                    spread += abs(up - down) / 2
        except NotEvaluable:
            return math.nan, math.inf
        return value, spread if math.isfinite(spread) else math.inf
