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
"""

from __future__ import annotations

import collections
import difflib
import itertools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from bptui.engine.errors import BptuiError
from bptui.engine.network import Network
from bptui.engine.numtext import num
from bptui.engine.ops.evaluation import NotEvaluable, evaluate
from bptui.engine.ops.terms import Prod, Sym, Var
from bptui.engine.passes import SampleRecord, compute_epoch
from bptui.engine.steps import GRADIENT_KINDS, Kind, Step
from bptui.engine.symbols import find, locate
from bptui.engine.trace import EpochTrace, update_place
from bptui.engine.yours import Given

MATCH, DIFFERS, FOLLOWS = "match", "differs", "follows"
NOT_GIVEN, FIXED = "not given", "fixed"
MAX_SEARCH = 2_000  # steps before a differing one, in its sample, searched for a cause
MAX_TARGETS = 50  # ...of which the nearest this many, each alone
MAX_ROW_CAUSES = 200  # later differing rows whose cause is looked for before them too
MAX_LOCAL_CAUSES = 10_000  # ...and at the step itself only
MAX_WALK = 1_000_000  # steps recomputed from the learner's numbers (some 20 s), at most
COMMON_RATES = (1.0, 0.5, 0.3, 0.25, 0.2, 0.1, 0.05, 0.01, 0.005, 0.001, 0.0001)


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


# ---------------------------------------------------------------------------------------------
# Symbols


def ascii_symbol(symbol: str) -> str:
    """The ASCII spelling go-to takes: ∂E_total/∂w5 → dE_total/dw5, δ_o1 → delta_o1, w5⁺ → w5+."""
    return symbol.replace("∂", "d").replace("δ_", "delta_").replace("⁺", "+")


def _family(network: Network) -> Iterator[str]:
    """Every symbol a step of `network` may have (some have no step: a fused output's ∂E/∂out,
    an untrained bias's gradient), the paths ∂E_M/∂out_X (a layer's size squared) last."""
    yield "E_total"
    last = len(network.layers) - 1
    for li, layer in enumerate(network.layers):
        for name in layer.names:
            yield from (f"net_{name}", f"out_{name}", f"δ_{name}", f"∂E_total/∂out_{name}")
            yield f"∂out_{name}/∂net_{name}"
            if li == last:
                yield f"E_{name}"
    for ref in network.param_refs:
        yield from (f"∂E_total/∂{ref.name}", f"{ref.name}⁺")
        if ref.kind == "weight":
            yield f"∂net_{ref.target}/∂{ref.name}"
    for li in range(last):
        for name in network.layers[li].names:
            for above in network.layers[li + 1].names:
                yield f"∂E_{above}/∂out_{name}"


MAX_SUGGESTION_POOL = 500_000  # symbols looked through for the closest (a big net has 50M)


def suggestions(trace: EpochTrace, symbol: str, most: int = 3) -> list[str]:
    """The steps' symbols closest to `symbol` (of the first MAX_SUGGESTION_POOL a network's
    steps may have, those of about its length and first letter)."""
    wanted = symbol
    pool = [
        s
        for s in itertools.islice(_family(trace.network), MAX_SUGGESTION_POOL)
        if abs(len(s) - len(wanted)) <= 4 and s[:1] == wanted[:1]
    ][:50_000]
    close = difflib.get_close_matches(wanted, pool, n=3 * most, cutoff=0.5)
    found = [s for s in close if find(trace, s, 0) is not None][:most]
    return found


def resolve(trace: EpochTrace, given: Given) -> int:
    """The index of the step `given` is for, in its epoch's trace; a one-line error naming the
    file and key for a symbol no step of this network has."""
    network = trace.network
    symbol = given.step_symbol
    written = given.symbol
    ascii_written = written.isascii()
    shown = ascii_symbol if ascii_written else (lambda s: s)
    params = network.params_by_name
    base = symbol[:-1] if symbol.endswith("⁺") else symbol
    if symbol in params:
        ref = params[symbol]
        if not ref.trained:
            raise given.error(f"{written} is a parameter (not trained here), not a step")
        return _fail(
            given,
            f"{written} is a parameter, not a step: write {shown('∂E_total/∂' + symbol)} for its "
            f"gradient or {shown(symbol + '⁺')} for its update",
        )
    if symbol in network.input_names:
        return _fail(given, f"{written} is an input of the network, not a step")
    match = re.fullmatch(r"t_(\w+)", symbol)
    if match and match.group(1) in network.layers[-1].names:
        return _fail(given, f"{written} is a target of the network, not a step")
    if locate(network, symbol) is not None:
        index = find(trace, symbol, given.sample - 1)
        if index is not None:
            return index
        gradient = re.fullmatch(r"∂E_total/∂(\w+)", symbol)
        untrained = base if base in params else (gradient.group(1) if gradient else None)
        if untrained in params and not params[untrained].trained:
            return _fail(
                given,
                f"{untrained} is not trained in this network (train_biases = false): no step "
                f"computes {written}",
            )
        if re.fullmatch(r"∂E_total/∂out_\w+", symbol) and network.fused_output:
            return _fail(
                given,
                f"no step computes {written} in this network: its output δ is out − target, "
                "computed directly",
            )
    close = [shown(s) for s in suggestions(trace, symbol)]
    hint = (
        f"; closest: {', '.join(close)}"
        if close
        else ("; symbols look like net_h1, out_o1, E_total, delta_o1, dE_total/dw5, w5+")
    )
    return _fail(given, f"no step computes {written} in this network{hint}")


def _fail(given: Given, message: str) -> int:
    raise given.error(message)


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
                if agrees(given.value, step.value, tolerance):
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
        found = search.causes(full=True)
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
                    if self.causes_left > 0:
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


def _summed_symbol(symbol: str) -> str | None:
    """∂E_total/∂w5 for a batch update's `Σ ∂E_total/∂w5` or `mean ∂E_total/∂w5`, else None."""
    for prefix in ("Σ ", "mean "):
        if symbol.startswith(prefix):
            return symbol[len(prefix) :]
    return None


def _sample_symbols(trace: EpochTrace, step: Step) -> set[str]:
    """The symbols the formula of `step` reads that are steps of its sample (or batch
    update), before it."""
    start = trace.sample_start(step.sample if step.sample >= 0 else -1)
    wanted = {leaf.sym.text for leaf in step.expr.leaves()}
    found = set()
    for symbol in wanted:
        index = find(trace, symbol, max(step.sample, 0))
        if index is not None and start <= index < step.index:
            found.add(symbol)
    return found


# ---------------------------------------------------------------------------------------------
# Causes


Rule = Callable[["_Search", Step, Callable[[Var], float]], list[tuple[str, str, float]]]


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


def _value(step: Step, value_of: Callable[[Var], float]) -> float:
    return evaluate(step.expr, value_of)


def _leaf(step: Step, symbol: str) -> Var | None:
    return next((leaf for leaf in step.expr.leaves() if leaf.sym.text == symbol), None)


# -- the rules: each gives (kind, words, the number the mistake makes at that step) ------------


def _updated_weight(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    network = search.network
    if step.kind != Kind.PATH or network.update != "online" or search.record is None:
        return []
    delta, weight = step.expr.leaves()
    li, j, m = search.coords(step)
    name = network.layers[li + 1].weight_names[m][j]
    if network.hidden_gradients == "before_update":
        index = search.trace.index_at(step.sample, update_place(network, name))
        if index is None:
            return []
        new = evaluate(search.trace[index].expr, value_of)  # (from the learner's gradient)
        return [
            (
                "updated_weight",
                f"the updated {name}⁺ = {num(new)} in place of the original {name} = "
                f"{num(weight.value)} in {step.symbol} (the post's own errata: its code "
                "updated w5..w8 before back-propagating through them; preset mazur-2015)",
                value_of(delta) * new,
            )
        ]
    old = float(search.record.params.weights[li + 1][m, j])
    return [
        (
            "original_weight",
            f"the original {name} = {num(old)} in place of the updated {name}⁺ = "
            f"{num(weight.value)} in {step.symbol} (this network back-propagates through the "
            "updated weights: hidden_gradients = after_output_update)",
            value_of(delta) * old,
        )
    ]


def _transposed(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    network, record = search.network, search.record
    if record is None or step.kind not in (Kind.NET, Kind.PATH, Kind.GRAD_W):
        return []
    li, j, rep = search.coords(step)
    if step.kind == Kind.PATH:
        layer = network.layers[li + 1]  # δ_m × W[m, j] → δ_m × W[j, m]
        m = rep
        if layer.n_in != layer.n_out or m == j:
            return []
        delta = next(iter(step.expr.leaves()))
        name, swapped = layer.weight_names[m][j], layer.weight_names[j][m]
        w = search.defined(value_of, swapped, float(record.back_weights[li + 1][j, m]))
        return [
            (
                "transposed",
                f"a transposed weight matrix: {step.symbol} took {swapped} in place of {name} "
                "(W[i][j] for W[j][i])",
                value_of(delta) * w,
            )
        ]
    layer = network.layers[li]
    if layer.n_in != layer.n_out:
        return []
    maker = search.trace.maker
    if step.kind == Kind.NET:
        total = 0.0
        swaps = []
        for i in range(layer.n_in):
            name, swapped = layer.weight_names[j][i], layer.weight_names[i][j]
            w = search.defined(value_of, swapped, float(record.params.weights[li][i, j]))
            source = maker.source_symbol(li, i)
            total += w * search.defined(value_of, source, float(record.layer_input(li)[i]))
            if name != swapped:
                swaps.append(f"{swapped} (not {name}) for {source}")
        if layer.bias != "none":
            b = maker.bias_name(li, j)
            leaf = _leaf(step, b)
            total += value_of(leaf) if leaf is not None else 0.0
        return [
            (
                "transposed",
                f"a transposed weight matrix: {step.symbol} took {', '.join(swaps)} "
                "(W[i][j] for W[j][i])",
                total,
            )
        ]
    i = rep  # ∂E_total/∂w_ji = δ_j × x_i → δ_i × x_j
    if i == j:
        return []
    other = layer.weight_names[i][j]
    d_other = maker.delta_symbol(li, i)
    x_other = maker.source_symbol(li, j)
    product = search.defined(value_of, d_other, float(record.deltas[li][i])) * search.defined(
        value_of, x_other, float(record.layer_input(li)[j])
    )
    return [
        (
            "transposed",
            f"a transposed gradient: {step.symbol} took {d_other} × {x_other}, the gradient of "
            f"{other} (W[i][j] for W[j][i])",
            product,
        )
    ]


def _rates(eta: float) -> list[float]:
    rates = {2 * eta, eta / 2, 10 * eta, eta / 10, *COMMON_RATES}
    return sorted(
        (r for r in rates if not math.isclose(r, eta)), key=lambda r: abs(math.log(r / eta))
    )


def _update_parts(step: Step, value_of) -> tuple[float, float] | None:
    """(p, p⁺) of an update step, from the walk's numbers."""
    if step.kind not in (Kind.UPDATE_W, Kind.UPDATE_B) or step.param is None:
        return None
    leaf = _leaf(step, step.param)
    if leaf is None:
        return None
    return value_of(leaf), _value(step, value_of)


def _learning_rate(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    parts = _update_parts(step, value_of)
    if parts is None:
        return []
    p, new = parts
    eta = search.network.learning_rate
    return [
        (
            "learning_rate",
            f"the learning rate {num(rate)} in place of η = {num(eta)} in {step.symbol}",
            p - (p - new) * rate / eta,
        )
        for rate in _rates(eta)
    ]


def _mean_sum(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    network = search.network
    n_out = network.layers[-1].n_out
    if step.kind == Kind.E_TOTAL and n_out > 1 and network.loss != "mse":
        return [
            (
                "mean_sum",
                f"the mean of the {n_out} output errors in place of their sum in E_total",
                _value(step, value_of) / n_out,
            )
        ]
    parts = _update_parts(step, value_of)
    n = network.n_samples
    if parts is None or step.sample >= 0 or n < 2:
        return []
    p, new = parts
    if network.update == "batch_sum":
        return [
            (
                "mean_sum",
                f"the mean of the {n} samples' gradients in place of their sum in {step.symbol} "
                "(update = batch_sum)",
                p - (p - new) / n,
            )
        ]
    return [
        (
            "mean_sum",
            f"the sum of the {n} samples' gradients in place of their mean in {step.symbol} "
            "(update = batch_mean)",
            p - (p - new) * n,
        )
    ]


def _missing_factor(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    network = search.network
    if step.kind not in (Kind.DELTA, Kind.GRAD_W) or search.record is None:
        return []
    li = search.coords(step)[0]
    layer = network.layers[li]
    fused = li == len(network.layers) - 1 and network.fused_output is not None
    if fused or not layer.op.elementwise:
        return []
    factors = step.expr.factors if isinstance(step.expr, Prod) else ()
    if len(factors) < 2 or not isinstance(factors[1], Var):
        return []
    derivative = factors[1].sym.text
    dstep = search.step_of(derivative)
    formula = f" = {dstep.formula}" if dstep is not None else ""
    rest = [f for k, f in enumerate(factors) if k != 1]
    value = 1.0
    for factor in rest:
        value *= evaluate(factor, value_of)
    return [
        (
            "missing_factor",
            f"a missing factor: {step.symbol} without {derivative}{formula}, "
            f"the derivative of {layer.activation}",
            value,
        )
    ]


def _missing_input(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    if step.kind != Kind.GRAD_W or not isinstance(step.expr, Prod):
        return []
    *rest, last = step.expr.factors
    if not isinstance(last, Var):
        return []
    value = 1.0
    for factor in rest:
        value *= evaluate(factor, value_of)
    source = step.alt.factors[1] if isinstance(step.alt, Prod) else None
    shown = f" = {source.sym.text}" if isinstance(source, Var) else ""
    return [
        (
            "missing_factor",
            f"a missing factor: {step.symbol} without {last.sym.text}{shown}",
            value,
        )
    ]


def _half(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    if search.network.loss != "half_sse":
        return []
    if step.kind == Kind.E_TERM:
        return [
            (
                "missing_factor",
                f"a missing factor ½: {step.symbol} = (t − out)² in place of ½(t − out)²",
                2 * _value(step, value_of),
            )
        ]
    if step.kind == Kind.DE_DOUT:
        return [
            (
                "missing_factor",
                f"a factor 2 in {step.symbol}: −2(t − out), the derivative of (t − out)², "
                "not of ½(t − out)²",
                2 * _value(step, value_of),
            )
        ]
    return []


def _sign(search: _Search, step: Step, value_of) -> list[tuple[str, str, float]]:
    if step.kind == Kind.DNET_DW:
        return []
    parts = _update_parts(step, value_of)
    if parts is not None:
        p, new = parts
        return [
            (
                "sign",
                f"the step added in place of subtracted: {step.symbol} = {step.param} + "
                f"η·∂E_total/∂{step.param}",
                2 * p - new,
            )
        ]
    if step.kind == Kind.DE_DOUT and search.network.loss == "half_sse":
        text = f"a sign flip at {step.symbol}: (t − out) in place of −(t − out)"
    else:
        text = f"a sign flip at {step.symbol}"
    return [("sign", text, -_value(step, value_of))]


UPDATES = (Kind.UPDATE_W, Kind.UPDATE_B)
RULES: tuple[Rule, ...] = (
    _updated_weight,
    _transposed,
    _mean_sum,
    _learning_rate,
    _missing_factor,
    _missing_input,
    _half,
    _sign,
)
SYSTEMATIC: tuple[Rule, ...] = (_updated_weight, _transposed, _missing_factor, _half)
