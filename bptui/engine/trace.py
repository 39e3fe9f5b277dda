"""The step trace of one epoch: a random-access sequence of `Step` records.

An epoch of a big net has millions of steps, so nothing is built up front. The epoch is laid
out as a short list of *blocks*, each a run of identical units (one per neuron, say) made of
slots (`("dnet_dw", "grad_w") × n_in`); step k is found by a binary search over the block starts
and a little arithmetic, and only that record is built. `eager_steps()` walks the same order with
plain nested loops: it is both the streaming path for `bptui trace` and the specification the
block arithmetic is tested against.

Order (the post's): per sample, forward layer by layer (net then out per neuron; a softmax layer
computes all its nets first), the error terms then E_total, backward from the output layer down
(per neuron: ∂E_total/∂out, ∂out/∂net, δ, then ∂net/∂w and ∂E_total/∂w for each incoming weight,
then its bias; a hidden neuron starts with its paths ∂E_M/∂out_X), then the update: every weight
w1, w2, ... then every trained bias. With `after_output_update` each layer's update follows its
gradients. Batch modes trace every sample's forward, error and backward, then one update.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import cast

from bptui.engine.passes import EpochResult, SampleRecord
from bptui.engine.steps import KIND_PHASE, Step, StepMaker

Slot = tuple[tuple[str, ...], int]  # (kinds made per repetition, repetitions per unit)


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
    def phase(self) -> str:
        return KIND_PHASE[self.slots[0][0][0]]

    @property
    def kinds(self) -> set[str]:
        return {kind for kinds, _ in self.slots for kind in kinds}

    def decode(self, local: int) -> tuple[str, int, int]:
        """(kind, unit, repetition) of the block's `local`-th step."""
        unit, offset = divmod(local, self.unit_size)
        for kinds, repeat in self.slots:
            width = len(kinds) * repeat
            if offset < width:
                rep, k = divmod(offset, len(kinds))
                return kinds[k], unit, rep
            offset -= width
        raise IndexError(local)  # pragma: no cover - offset < unit_size always

    def encode(self, kind: str, unit: int, rep: int = 0) -> int | None:
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
    phase: str
    start: int
    stop: int


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

    # -- layout -----------------------------------------------------------------------------
    def _layout(self) -> list[Block]:
        net = self.network
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

        def update(sample: int, layers: list[int], weights: bool, biases: bool) -> None:
            for li in layers:
                layer = net.layers[li]
                if weights:
                    add(sample, li, layer.n_out, (("update_w",), layer.n_in))
                if biases and trained:
                    add(sample, li, layer.n_bias, (("update_b",), 1))

        for s in range(net.n_samples):
            for li, layer in enumerate(net.layers):
                if layer.activation == "softmax":
                    add(s, li, layer.n_out, (("net",), 1))
                    add(s, li, layer.n_out, (("out",), 1))
                else:
                    add(s, li, layer.n_out, (("net", "out"), 1))
            add(s, n_layers - 1, net.layers[-1].n_out, (("e_term",), 1))
            add(s, n_layers - 1, 1, (("e_total",), 1))
            for li in range(n_layers - 1, -1, -1):
                layer = net.layers[li]
                own_bias = 1 if trained and layer.bias == "neuron" else 0
                weights: Slot = (("dnet_dw", "grad_w"), layer.n_in)
                if li < n_layers - 1:
                    n_next = net.layers[li + 1].n_out
                    add(
                        s,
                        li,
                        layer.n_out,
                        (("path",), n_next),
                        (("path_sum", "dout_dnet", "delta"), 1),
                        weights,
                        (("grad_b",), own_bias),
                    )
                elif self.maker.simplified(li) is not None:
                    # δ = out − t directly: ∂E/∂out (infinite when saturated) is never used
                    add(s, li, layer.n_out, (("delta",), 1), weights, (("grad_b",), own_bias))
                elif layer.activation == "softmax":
                    add(s, li, layer.n_out, (("de_dout",), 1))
                    add(s, li, layer.n_out, (("delta",), 1), weights, (("grad_b",), own_bias))
                else:
                    add(
                        s,
                        li,
                        layer.n_out,
                        (("de_dout", "dout_dnet", "delta"), 1),
                        weights,
                        (("grad_b",), own_bias),
                    )
                if trained and layer.bias == "shared":
                    add(s, li, 1, (("grad_b_shared",), 1))
                if eager:
                    update(s, [li], weights=True, biases=True)
            if net.update == "online" and not eager:
                update(s, list(range(n_layers)), weights=True, biases=False)
                update(s, list(range(n_layers)), weights=False, biases=True)
        if net.update != "online":
            update(-1, list(range(n_layers)), weights=True, biases=False)
            update(-1, list(range(n_layers)), weights=False, biases=True)
        return blocks

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
        block = self.block_of(k)
        kind, unit, rep = block.decode(k - block.start)
        return self._make(kind, k, block.sample, block.layer, unit, rep)

    def __iter__(self) -> Iterator[Step]:
        return self.eager_steps()

    def block_of(self, k: int) -> Block:
        return self.blocks[bisect.bisect_right(self._starts, k) - 1]

    def kind_at(self, k: int) -> str:
        block = self.block_of(k)
        return block.decode(k - block.start)[0]

    def record(self, sample: int) -> SampleRecord | None:
        return None if sample < 0 else self.epoch.samples[sample]

    def _make(self, kind: str, index: int, sample: int, li: int, unit: int, rep: int) -> Step:
        m = self.maker
        # None only for a batch update's steps, whose makers take None
        r = cast(SampleRecord, self.record(sample))
        if kind == "net":
            return m.net_step(index, r, li, unit)
        if kind == "out":
            return m.out_step(index, r, li, unit)
        if kind == "e_term":
            return m.e_term_step(index, r, unit)
        if kind == "e_total":
            return m.e_total_step(index, r)
        if kind in ("de_dout", "path_sum"):
            return m.de_dout_step(index, r, li, unit)
        if kind == "dout_dnet":
            return m.dout_dnet_step(index, r, li, unit)
        if kind == "delta":
            return m.delta_step(index, r, li, unit)
        if kind == "path":
            return m.path_step(index, r, li, unit, rep)
        if kind == "dnet_dw":
            return m.dnet_dw_step(index, r, li, unit, rep)
        if kind == "grad_w":
            return m.grad_w_step(index, r, li, unit, rep)
        if kind == "grad_b":
            return m.grad_b_step(index, r, li, unit)
        if kind == "grad_b_shared":
            return m.grad_b_shared_step(index, r, li)
        if kind == "update_w":
            return m.update_w_step(index, r, li, unit, rep)
        if kind == "update_b":
            return m.update_b_step(index, r, li, unit)
        raise ValueError(kind)  # pragma: no cover

    # -- the eager walk (the specification of the order) ------------------------------------
    def eager_steps(self) -> Iterator[Step]:
        """Every step in order, by plain nested loops (streams; builds each record once)."""
        m = self.maker
        net = self.network
        n_layers = len(net.layers)
        eager = net.hidden_gradients == "after_output_update"
        trained = net.train_biases
        k = 0

        def updates(
            r: SampleRecord | None, layers: list[int], weights: bool, biases: bool
        ) -> Iterator[Step]:
            nonlocal k
            for li in layers:
                layer = net.layers[li]
                if weights:
                    for j in range(layer.n_out):
                        for i in range(layer.n_in):
                            yield m.update_w_step(k, r, li, j, i)
                            k += 1
                if biases and trained:
                    for j in range(layer.n_bias):
                        yield m.update_b_step(k, r, li, j)
                        k += 1

        for r in self.epoch.samples:
            for li, layer in enumerate(net.layers):
                if layer.activation == "softmax":
                    for j in range(layer.n_out):
                        yield m.net_step(k, r, li, j)
                        k += 1
                    for j in range(layer.n_out):
                        yield m.out_step(k, r, li, j)
                        k += 1
                else:
                    for j in range(layer.n_out):
                        yield m.net_step(k, r, li, j)
                        yield m.out_step(k + 1, r, li, j)
                        k += 2
            for j in range(net.layers[-1].n_out):
                yield m.e_term_step(k, r, j)
                k += 1
            yield m.e_total_step(k, r)
            k += 1
            for li in range(n_layers - 1, -1, -1):
                layer = net.layers[li]
                output = li == n_layers - 1
                fused = m.simplified(li) is not None  # δ = out − t: no ∂E/∂out, no ∂out/∂net
                softmax_out = output and layer.activation == "softmax" and not fused
                if softmax_out:
                    for j in range(layer.n_out):
                        yield m.de_dout_step(k, r, li, j)
                        k += 1
                for j in range(layer.n_out):
                    if not output:
                        for n in range(net.layers[li + 1].n_out):
                            yield m.path_step(k, r, li, j, n)
                            k += 1
                    if not softmax_out and not fused:
                        yield m.de_dout_step(k, r, li, j)
                        yield m.dout_dnet_step(k + 1, r, li, j)
                        k += 2
                    yield m.delta_step(k, r, li, j)
                    k += 1
                    for i in range(layer.n_in):
                        yield m.dnet_dw_step(k, r, li, j, i)
                        yield m.grad_w_step(k + 1, r, li, j, i)
                        k += 2
                    if trained and layer.bias == "neuron":
                        yield m.grad_b_step(k, r, li, j)
                        k += 1
                if trained and layer.bias == "shared":
                    yield m.grad_b_shared_step(k, r, li)
                    k += 1
                if eager:
                    yield from updates(r, [li], weights=True, biases=True)
            if net.update == "online" and not eager:
                yield from updates(r, list(range(n_layers)), weights=True, biases=False)
                yield from updates(r, list(range(n_layers)), weights=False, biases=True)
        if net.update != "online":
            yield from updates(None, list(range(n_layers)), weights=True, biases=False)
            yield from updates(None, list(range(n_layers)), weights=False, biases=True)

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
        self, sample: int, kind: str, layer: int, unit: int = 0, rep: int = 0
    ) -> int | None:
        """The epoch index of a step given by its coordinates, or None if there is none."""
        for block in self._by_place.get((sample, layer), ()):
            local = block.encode(kind, unit, rep)
            if local is not None:
                return block.start + local
        return None

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
            wanted = block.kinds & {
                "dnet_dw",
                "grad_w",
                "grad_b",
                "grad_b_shared",
                "update_w",
                "update_b",
            }
            if not wanted:
                continue
            first = max(k - block.start, 0)
            for local in range(first, block.count):
                kind, unit, rep = block.decode(local)
                if kind in wanted:
                    return self._make(
                        kind, block.start + local, block.sample, block.layer, unit, rep
                    ).param
        return None
