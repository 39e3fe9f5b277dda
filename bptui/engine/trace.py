"""The step trace of one epoch: a random-access sequence of `Step` records.

An epoch of a big net has millions of steps, so nothing is built up front. The epoch is laid
out once (`epoch_layout`) as a short list of *blocks*, each a run of identical units (one per
neuron, say) made of slots (`(DNET_DW, GRAD_W) × n_in`); step k is found by a binary search over
the block starts and a little arithmetic, and only that record is built. `eager_steps()` walks
the same blocks in order (the streaming path of `bptui trace`). Where a parameter's gradient and
update steps sit is answered in one place too (`gradient_place`, `update_place`).

Order (the post's): per sample, forward layer by layer (net then out per neuron; a softmax layer
computes all its nets first), the error terms then E_total, backward from the output layer down
(per neuron: ∂E_total/∂out, ∂out/∂net, δ, then ∂net/∂w and ∂E_total/∂w for each incoming weight,
then its bias; a hidden neuron starts with its paths ∂E_M/∂out_X; an output whose δ is the fused
out − target has no ∂E/∂out or ∂out/∂net step), then the update: every weight w1, w2, ... then
every trained bias. With `after_output_update` each layer's update follows its gradients. Batch
modes trace every sample's forward, error and backward, then one update.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from functools import cached_property

from bptui.engine.network import Network
from bptui.engine.passes import EpochResult, SampleRecord
from bptui.engine.stepmaker import StepMaker
from bptui.engine.steps import (
    KINDS,
    PARAM_KINDS,
    Kind,
    Phase,
    Step,
    update_kinds,
)
from bptui.records import dataclass

Slot = tuple[tuple[Kind, ...], int]  # (kinds made per repetition, repetitions per unit)


@dataclass(frozen=True)
class Block:
    """A run of `units` identical units, each made of `slots`, in one sample, phase and layer."""

    start: int
    sample: int  # -1: the epoch's batch update
    layer: int
    units: int
    slots: tuple[Slot, ...]

    @cached_property
    def unit_size(self) -> int:
        return sum(len(kinds) * repeat for kinds, repeat in self.slots)

    @property
    def count(self) -> int:
        return self.units * self.unit_size

    @property
    def phase(self) -> Phase:
        return self.slots[0][0][0].phase

    @cached_property
    def kinds(self) -> frozenset[Kind]:
        return frozenset(kind for kinds, _ in self.slots for kind in kinds)

    def decode(self, local: int) -> tuple[Kind, int, int]:
        """(kind, unit, repetition) of the block's `local`-th step."""
        unit, offset = divmod(local, self.unit_size)
        for kinds, repeat in self.slots:
            width = len(kinds) * repeat
            if offset < width:
                rep, k = divmod(offset, len(kinds))
                return kinds[k], unit, rep
            offset -= width
        raise IndexError(local)  # pragma: no cover - offset < unit_size always

    def encode(self, kind: Kind, unit: int, rep: int = 0) -> int | None:
        """The local index of (kind, unit, repetition), or None if this block has no such step."""
        if not 0 <= unit < self.units:
            return None
        offset = 0
        for kinds, repeat in self.slots:
            if kind in kinds:
                if not 0 <= rep < repeat:
                    return None
                return unit * self.unit_size + offset + rep * len(kinds) + kinds.index(kind)
            offset += len(kinds) * repeat
        return None


@dataclass(frozen=True)
class Segment:
    """A maximal run of steps of one sample and phase: [start, stop)."""

    sample: int
    phase: Phase
    start: int
    stop: int


def epoch_layout(net: Network, samples: int | None = None) -> list[Block]:
    """The blocks of an epoch of `net` (of its first `samples` samples only, if given): they
    depend on the network's shape and settings, never on its numbers."""
    blocks: list[Block] = []
    start = 0

    def add(sample: int, layer: int, units: int, *slots: Slot) -> None:
        nonlocal start
        slots = tuple((kinds, repeat) for kinds, repeat in slots if repeat > 0)
        if units > 0 and slots:
            block = Block(start, sample, layer, units, slots)
            blocks.append(block)
            start += block.count

    n_layers = len(net.layers)
    eager = net.hidden_gradients == "after_output_update"
    trained = net.train_biases

    weight_steps, bias_steps = update_kinds(net, "w"), update_kinds(net, "b")

    def update(sample: int, layers: list[int], weights: bool, biases: bool) -> None:
        for li in layers:
            layer = net.layers[li]
            if weights:
                add(sample, li, layer.n_out, (weight_steps, layer.n_in))
            if biases and trained:
                add(sample, li, layer.n_bias, (bias_steps, 1))

    for s in range(net.n_samples if samples is None else samples):
        for li, layer in enumerate(net.layers):
            if not layer.op.elementwise:  # softmax: every net first
                add(s, li, layer.n_out, ((Kind.NET,), 1))
                add(s, li, layer.n_out, ((Kind.OUT,), 1))
            else:
                add(s, li, layer.n_out, ((Kind.NET, Kind.OUT), 1))
        add(s, n_layers - 1, net.layers[-1].n_out, ((Kind.E_TERM,), 1))
        add(s, n_layers - 1, 1, ((Kind.E_TOTAL,), 1))
        for li in range(n_layers - 1, -1, -1):
            layer = net.layers[li]
            own_bias = 1 if trained and layer.bias == "neuron" else 0
            weights: Slot = ((Kind.DNET_DW, Kind.GRAD_W), layer.n_in)
            if li < n_layers - 1:
                n_next = net.layers[li + 1].n_out
                add(
                    s,
                    li,
                    layer.n_out,
                    ((Kind.PATH,), n_next),
                    ((Kind.PATH_SUM, Kind.DOUT_DNET, Kind.DELTA), 1),
                    weights,
                    ((Kind.GRAD_B,), own_bias),
                )
            elif net.fused_output is not None:
                # δ = out − t directly: ∂E/∂out (infinite when saturated) is never used
                add(s, li, layer.n_out, ((Kind.DELTA,), 1), weights, ((Kind.GRAD_B,), own_bias))
            elif not layer.op.elementwise:  # softmax: every ∂E/∂out before any δ
                add(s, li, layer.n_out, ((Kind.DE_DOUT,), 1))
                add(s, li, layer.n_out, ((Kind.DELTA,), 1), weights, ((Kind.GRAD_B,), own_bias))
            else:
                add(
                    s,
                    li,
                    layer.n_out,
                    ((Kind.DE_DOUT, Kind.DOUT_DNET, Kind.DELTA), 1),
                    weights,
                    ((Kind.GRAD_B,), own_bias),
                )
            if trained and layer.bias == "shared":
                add(s, li, 1, ((Kind.GRAD_B_SHARED,), 1))
            if eager:
                update(s, [li], weights=True, biases=True)
        if net.update == "online" and not eager:
            update(s, list(range(n_layers)), weights=True, biases=False)
            update(s, list(range(n_layers)), weights=False, biases=True)
    if net.update != "online":
        update(-1, list(range(n_layers)), weights=True, biases=False)
        update(-1, list(range(n_layers)), weights=False, biases=True)
    return blocks


MAX_WORKED_STEPS = 500_000
"""An epoch's steps, at most, that a worked example writes out (`trace`, `compare`, the app's
Markdown export): a net of a million weights is an epoch of millions of steps, a gigabyte of
text and gigabytes of memory (an export took 2.5 minutes and 3.5 GB: the hostile trial)."""


def step_count(net: Network) -> int:
    """How many steps an epoch of `net` has, without computing it (every sample has as many)."""
    blocks = epoch_layout(net, samples=1)
    per_sample = sum(block.count for block in blocks if block.sample == 0)
    batch = sum(block.count for block in blocks if block.sample < 0)
    return per_sample * net.n_samples + batch


MADE_STEPS = 4096
"""Steps (and step places) an epoch's trace remembers once asked for: a viewer stepping through
asks for the same ones again and again (the frame, the chain rule's factors, the diagram's
neurons); a big net's millions are made again when asked after others."""


class EpochTrace(Sequence[Step]):
    """Every step of one epoch, built on demand from the epoch's per-sample arrays."""

    def __init__(self, epoch: EpochResult, number: int = 1) -> None:
        self.epoch = epoch
        self.number = number
        self.network = epoch.network
        self.maker = StepMaker(epoch)
        self.blocks: list[Block] = self._layout()
        self._starts = [block.start for block in self.blocks]
        last = self.blocks[-1]
        self._length = last.start + last.count
        self._made: dict[int, Step] = {}  # steps asked for lately (a viewer asks again)
        self._places: dict[tuple, int | None] = {}  # index_of's answers

    # -- layout ---------------------------------------------------------------------------
    def _layout(self) -> list[Block]:
        return epoch_layout(self.network)

    # -- sequence ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._length

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self._length))]
        if k < 0:
            k += self._length
        if not 0 <= k < self._length:
            raise IndexError(f"step {k} of an epoch of {self._length}")
        step = self._made.get(k)
        if step is None:
            block = self.block_of(k)
            kind, unit, rep = block.decode(k - block.start)
            step = self._make(kind, k, block.sample, block.layer, unit, rep)
            if len(self._made) >= MADE_STEPS:
                self._made.clear()
            self._made[k] = step
        return step

    def __iter__(self) -> Iterator[Step]:
        return self.eager_steps()

    def block_of(self, k: int) -> Block:
        return self.blocks[bisect.bisect_right(self._starts, k) - 1]

    def kind_at(self, k: int) -> Kind:
        block = self.block_of(k)
        return block.decode(k - block.start)[0]

    def record(self, sample: int) -> SampleRecord | None:
        return None if sample < 0 else self.epoch.samples[sample]

    def _make(self, kind: Kind, index: int, sample: int, li: int, unit: int, rep: int) -> Step:
        return _MAKERS[kind](self.maker, index, self.record(sample), li, unit, rep)

    def eager_steps(self) -> Iterator[Step]:
        """Every step in order (streams: builds each record once, none kept)."""
        for block in self.blocks:
            r = self.record(block.sample)
            index = block.start
            for unit in range(block.units):
                for kinds, repeat in block.slots:
                    for rep in range(repeat):
                        for kind in kinds:
                            yield _MAKERS[kind](self.maker, index, r, block.layer, unit, rep)
                            index += 1

    # -- navigation -------------------------------------------------------------------------
    @cached_property
    def segments(self) -> list[Segment]:
        """Runs of one sample and phase, in order (a phase may recur: after_output_update)."""
        result: list[Segment] = []
        for block in self.blocks:
            key = (block.sample, block.phase)
            if result and (result[-1].sample, result[-1].phase) == key:
                last = result[-1]
                result[-1] = Segment(last.sample, last.phase, last.start, block.start + block.count)
            else:
                result.append(Segment(*key, block.start, block.start + block.count))
        return result

    def segment_of(self, k: int) -> Segment:
        starts = [segment.start for segment in self.segments]
        return self.segments[bisect.bisect_right(starts, k) - 1]

    def sample_of(self, k: int) -> int:
        return self.block_of(k).sample

    def sample_start(self, sample: int) -> int:
        """The first step of a sample (of the batch update for sample -1)."""
        for block in self.blocks:
            if block.sample == sample:
                return block.start
        raise IndexError(sample)

    def index_of(
        self, sample: int, kind: Kind | str, layer: int, unit: int = 0, rep: int = 0
    ) -> int | None:
        """The epoch index of a step given by its coordinates, or None if there is none."""
        key = (sample, kind, layer, unit, rep)
        if key in self._places:
            return self._places[key]
        kind = KINDS[kind]
        index = None
        for block in self._by_place.get((sample, layer), ()):
            local = block.encode(kind, unit, rep)
            if local is not None:
                index = block.start + local
                break
        if len(self._places) >= MADE_STEPS:
            self._places.clear()
        self._places[key] = index
        return index

    def index_at(self, sample: int, place: Place) -> int | None:
        """The epoch index of the step at `place` in `sample`, or None."""
        return self.index_of(sample, place.kind, place.layer, place.unit, place.rep)

    @cached_property
    def _by_place(self) -> dict[tuple[int, int], list[Block]]:
        places: dict[tuple[int, int], list[Block]] = {}
        for block in self.blocks:
            places.setdefault((block.sample, block.layer), []).append(block)
        return places

    def param_at(self, k: int) -> str | None:
        """The parameter step k is about or, for a step about none, the next whose gradient
        comes after it in the same sample (None past the last one)."""
        sample = self.sample_of(k)
        for b in range(bisect.bisect_right(self._starts, k) - 1, len(self.blocks)):
            block = self.blocks[b]
            if block.sample != sample:
                return None
            wanted = block.kinds & PARAM_KINDS
            if not wanted:
                continue
            first = max(k - block.start, 0)
            for local in range(first, block.count):
                if block.decode(local)[0] in wanted:
                    return self[block.start + local].param  # (a step made lately is kept)
        return None


# ---------------------------------------------------------------------------------------------
# Where a parameter's steps are


@dataclass(frozen=True)
class Place:
    """A step's coordinates in a sample (or the batch update): what `index_of` takes."""

    kind: Kind
    layer: int
    unit: int = 0
    rep: int = 0


def gradient_place(network: Network, name: str) -> Place:
    """Where ∂E_total/∂name is computed in a sample (an untrained bias has no such step: its
    place is then in no block, and `index_of` answers None)."""
    ref = network.param(name)
    if ref.kind == "weight":
        return Place(Kind.GRAD_W, ref.layer, ref.row, ref.col)
    if network.layers[ref.layer].bias == "shared":
        return Place(Kind.GRAD_B_SHARED, ref.layer)
    return Place(Kind.GRAD_B, ref.layer, ref.row)


def update_place(network: Network, name: str) -> Place:
    """Where name⁺ is computed (in a sample online, in the batch update otherwise)."""
    ref = network.param(name)
    if ref.kind == "weight":
        return Place(Kind.UPDATE_W, ref.layer, ref.row, ref.col)
    return Place(Kind.UPDATE_B, ref.layer, ref.row)


def update_sample(network: Network, sample: int) -> int:
    """The sample whose update a sample's steps lead to: itself online, -1 (the epoch's batch
    update) otherwise."""
    return sample if network.update == "online" else -1


def _maker(method: str, *args: str):
    """A uniform (maker, index, record, layer, unit, rep) call of a StepMaker method."""
    wanted = {"layer": 0, "unit": 1, "rep": 2}
    picks = [wanted[arg] for arg in args]

    def make(maker: StepMaker, index: int, r, li: int, unit: int, rep: int) -> Step:
        values = (li, unit, rep)
        return getattr(maker, method)(index, r, *(values[k] for k in picks))

    return make


_MAKERS = {
    Kind.NET: _maker("net_step", "layer", "unit"),
    Kind.OUT: _maker("out_step", "layer", "unit"),
    Kind.E_TERM: _maker("e_term_step", "unit"),
    Kind.E_TOTAL: _maker("e_total_step"),
    Kind.DE_DOUT: _maker("de_dout_step", "layer", "unit"),
    Kind.PATH_SUM: _maker("de_dout_step", "layer", "unit"),
    Kind.DOUT_DNET: _maker("dout_dnet_step", "layer", "unit"),
    Kind.DELTA: _maker("delta_step", "layer", "unit"),
    Kind.PATH: _maker("path_step", "layer", "unit", "rep"),
    Kind.DNET_DW: _maker("dnet_dw_step", "layer", "unit", "rep"),
    Kind.GRAD_W: _maker("grad_w_step", "layer", "unit", "rep"),
    Kind.GRAD_B: _maker("grad_b_step", "layer", "unit"),
    Kind.GRAD_B_SHARED: _maker("grad_b_shared_step", "layer"),
    Kind.UPDATE_W: _maker("update_w_step", "layer", "unit", "rep"),
    Kind.UPDATE_B: _maker("update_b_step", "layer", "unit"),
}


def _stage_maker(kind: Kind):
    def make(maker: StepMaker, index: int, r, li: int, unit: int, rep: int) -> Step:
        return maker.stage_step(index, r, li, unit, rep if kind.target == "w" else None, kind)

    return make


_MAKERS.update({kind: _stage_maker(kind) for kind in Kind if kind.stage is not None})
