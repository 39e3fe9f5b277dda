"""The learner's numbers on the debugger's steps (`bptui NET --compare YOURS`): for each step
given, ✓ or ✗ and a line saying why, the marks of the parameter table, and the place of the
first divergence. The comparison is `check_yours.compare_yours`'s (what `bptui compare`
prints), made on the debugger's own history, so that an edit or an order switch is compared
as it is shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field

from bptui.engine.check_yours import DIFFERS, FOLLOWS, MATCH, Report, Row, compare_yours
from bptui.engine.network import Network
from bptui.engine.numtext import num
from bptui.engine.steps import Kind
from bptui.engine.trace import EpochTrace, update_sample
from bptui.engine.yours import Given
from bptui.records import dataclass

MARKS = {MATCH: "✓", DIFFERS: "✗", FOLLOWS: "✗"}
GRADIENT = frozenset({Kind.GRAD_W, Kind.GRAD_B, Kind.GRAD_B_SHARED})
UPDATE = frozenset({Kind.UPDATE_W, Kind.UPDATE_B})


@dataclass(eq=False)
class Compared:
    """A comparison of the learner's numbers (`given`, from the file `source`) with the
    debugger's steps."""

    given: tuple[Given, ...]
    rtol: float | None
    report: Report
    rows: dict[tuple[int, int], Row] = field(default_factory=dict)  # (epoch, index) → row
    _params: dict[tuple[int, int], dict[str, tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def make(
        cls,
        network: Network,
        given: Sequence[Given],
        traces: Callable[[int], EpochTrace],
        rtol: float | None = None,
        max_epochs: int = 1_000,
    ) -> Compared:
        """Compare `given` with the steps `traces(epoch)` gives (a one-line `BptuiError`
        naming the file and key of a number no step has)."""
        report = compare_yours(network, given, rtol=rtol, max_epochs=max_epochs, traces=traces)
        rows = {(row.epoch, row.index): row for row in report.rows}
        return cls(tuple(given), rtol, report, rows)

    def again(self, network: Network, traces: Callable[[int], EpochTrace]) -> Compared:
        """The same numbers compared with a history that changed (an edit, an undo)."""
        return Compared.make(network, self.given, traces, self.rtol, self.report.epochs)

    @property
    def source(self) -> str:
        return self.report.source

    @property
    def first(self) -> tuple[int, int] | None:
        """(epoch, index) of the first divergence."""
        first = self.report.first
        return None if first is None else (first.row.epoch, first.row.index)

    def next_differing(self, place: tuple[int, int]) -> tuple[int, int] | None:
        """The first step after `place` whose number of yours differs (✗), else the first
        divergence again (None: every number matches)."""
        later = [p for p, row in self.rows.items() if row.status != MATCH and p > place]
        return min(later) if later else self.first

    def mark(self, epoch: int, index: int) -> str:
        row = self.rows.get((epoch, index))
        return "" if row is None else MARKS[row.status]

    def lines(self, epoch: int, index: int, precision: int) -> str:
        """What the step panel says under a compared step: yours, ✓ or ✗, and why (the first
        divergence: its likely cause and where the mistake is)."""
        row = self.rows.get((epoch, index))
        if row is None:
            return ""
        yours = f"yours: {row.text}"
        if row.status == MATCH:
            return f"✓ {yours} matches"
        yours = f"{yours}, not {num(row.ours, precision)}"
        if row.status == FOLLOWS:
            return f"✗ {yours}: follows from the earlier error (x goes to it)"
        first = self.report.first
        if first is not None and first.row is row:
            cause = f"\nlikely cause: {first.cause.text}" if first.cause is not None else ""
            return f"✗ {yours}: the first divergence{cause}\n{first.note}"
        cause = f" ({row.cause.label})" if row.cause is not None else ""
        return f"✗ {yours}: differs again{cause}"

    def longest_lines(self, precision: int) -> str:
        """The lines of the step whose lines are the longest: the first divergence's, or else a
        match's (for the step panel's height, which never follows the position)."""
        place = self.first
        if place is None:
            place = next(iter(self.rows), None)
        return "" if place is None else self.lines(*place, precision)

    def param_marks(self, trace: EpochTrace, sample: int) -> dict[str, tuple[str, str]]:
        """For the parameter table at a sample of an epoch: parameter → (the mark of its
        gradient's number, of its update's), "" where the learner gave none. (The update of a
        batch net is the epoch's, at sample -1.)"""
        key = (trace.number, sample)
        marks = self._params.get(key)
        if marks is None:
            found: dict[str, list[str]] = {}
            updated = update_sample(trace.network, sample)
            for (epoch, index), row in self.rows.items():
                if epoch != trace.number:
                    continue
                kind, at = trace.kind_at(index), trace.sample_of(index)
                slot = 0 if kind in GRADIENT and at == sample else None
                slot = 1 if kind in UPDATE and at == updated else slot
                name = trace.param_at(index) if slot is not None else None
                if slot is not None and name is not None:
                    found.setdefault(name, ["", ""])[slot] = MARKS[row.status]
            marks = self._params[key] = {name: (g, u) for name, (g, u) in found.items()}
        return marks
