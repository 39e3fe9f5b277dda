"""The fast training loop behind `bptui train`: many epochs, no trace kept.

`passes.compute_epoch` is the reference semantics of an epoch. It keeps every number of every
sample for the step trace, which costs some 50 µs an epoch even for Mazur's 2-2-2 net. Training
for thousands of epochs needs none of those records, only the parameters and the loss after
each epoch, so `train` runs the same arithmetic in one of two faster ways:

- `scalar` (small nets): the whole epoch loop is one generated Python function, specialised to
  the network's shape, activations, loss, biases and update rule, with every parameter in a
  local variable and every sum written out (see `scalar_source`). For a net of a few dozen
  parameters this beats numpy, whose every operation on a tiny array costs about a microsecond.
- `numpy` (bigger nets): the batch modes push all samples through each layer at once (one
  matrix product per layer and direction per epoch); `online` loops over the samples.

Both use the stable formulas of `functions.py`, operation for operation as `compute_epoch`
but for a few last-bit reorderings (numpy's matrix products sum in their own order, the scalar
code's exceptions are listed in `_ScalarSource`), so that after N epochs they agree with N
`compute_epoch` calls to rounding: 1e-12 relative in the tests, on every run that is not so
ill-conditioned that `compute_epoch` itself, started one ulp away, moves more than that.

Loss bookkeeping: `losses[k]` is the loss after epoch k+1, summed over the samples, exactly
what `EpochResult.loss_after` holds. When an epoch's forward pass sees the parameters the
previous epoch ended with (batch modes, or online with one sample), its loss *is* the previous
epoch's loss after, so no extra pass is needed; online with several samples runs a loss-only
forward pass after each epoch.

BLAS threads: numpy's OpenBLAS runs a matrix product of over 65,536·4 multiply-adds on as
many threads as there are cores, and its threads spin while they wait for work. Beside another
busy process (two cores, one taken) that made the 32-64-64-10 × 256 batch net of
benchmarks/bench_train.py 4.5 to 15 times slower, while on an idle machine the second thread
saved it a fifth of its time at most. So the numpy backend runs with one BLAS thread
(threadpoolctl) while its largest matrix product (`blas_work`) is at most
`ONE_BLAS_THREAD_MAX_WORK` multiply-adds, and with OpenBLAS's own choice above that, where a
second thread saves 35–40% idle. The scalar backend makes no BLAS call and leaves the thread
count alone. The limit is process-wide while such a training runs (other threads' numpy calls
get one thread then too); overlapping trainings in several threads share it, and the last one
out restores the count the first one found.

Gradient norms (`norms=True`): `TrainResult.norms[k][l]` is the L2 norm of layer l's weight
gradient in epoch k+1, the gradient as the update uses it: batch_sum the summed gradient,
batch_mean the averaged one, online the per-sample gradients summed over the epoch's samples
(each taken where its own update was; biases left out). They cost extra work, so they are
computed only when asked: the scalar backend then runs a variant of its generated code
(`ScalarConfig.norms`), the numpy backend takes them from its gradient arrays. The training
itself is the same arithmetic either way: parameters and losses come out bit for bit alike.

Non-finite values: nothing here raises or warns on overflow (numpy runs under
`np.errstate(all="ignore")`; the generated code calls `math.exp` only on arguments ≤ 0, never
divides by a value that can be zero and never uses `**`). Training stops after the first epoch
whose loss or any parameter is non-finite and reports it as `nonfinite_epoch`. The test: the
loss plus the sum of the trained parameters is finite when they all are (a false alarm from an
overflowing sum is checked element by element). numpy tests after every epoch; the scalar
backend runs blocks of epochs untested, tests the block's losses and final parameters, and
replays a block that went non-finite with a variant of its code that tests every epoch, so
that Mazur's epoch carries no test at all.
"""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from bptui.engine.blas import _ONE_BLAS_THREAD, blas_work
from bptui.engine.codegen import compiled, scalar_source
from bptui.engine.codegen_config import MATH, ScalarConfig
from bptui.engine.network import Network, Params
from bptui.engine.numpy_backend import NumpyRunner
from bptui.engine.updates import Moments, initial_moments, steps_per_epoch
from bptui.records import dataclass

__all__ = ["BACKENDS", "TrainResult", "backend_for", "scalar_source", "train", "train_with"]

_MATH = MATH  # the functions handed to the generated code (a test replaces one)

BACKENDS = ("scalar", "numpy")
_WIDTH = 96  # the generated source's line width
_MAX_BLOCK = 4096  # epochs the scalar backend runs between checks for non-finite values
_BLOCK_WORK = 1_000_000  # ... fewer for big nets: about this many parameter-samples a block

# Beyond this many parameters the generated source gets long (~1.5 lines a parameter) and
# numpy is faster anyway (see `backend_for`).
SCALAR_MAX_PARAMS = 2000

# The numpy backend runs with one BLAS thread while its largest matrix product (`blas_work`) is
# at most this many multiply-adds (2**24, e.g. 256 samples through a 256×256 layer). Measured
# on two cores, batch_mean nets: a second thread saves 0–20% idle up to 2**22, ~30% at 2**24,
# 35–40% from 2**25 on, and costs 15–85% beside one busy process, at times several times more.
ONE_BLAS_THREAD_MAX_WORK = 1 << 24


@dataclass(frozen=True)
class TrainResult:
    """What `train` returns."""

    params: Params  # after the last completed epoch
    epochs: int  # epochs completed
    moments: Moments  # the optimizer's state after them (plain SGD keeps none)
    steps: int  # optimizer steps taken in all, those before the call included
    losses: np.ndarray  # shape (epochs,): the loss after each epoch (EpochResult.loss_after)
    seconds: float  # time of the training loop alone, its BLAS limit included (perf_counter)
    nonfinite_epoch: int | None  # 1-based epoch where a loss or parameter became non-finite
    # shape (epochs, layers) when asked for (norms=True): each layer's weight-gradient L2 norm
    # in each epoch, the gradient as the update uses it (see the module's docstring); else None
    norms: np.ndarray | None = None


def train(
    network: Network,
    params: Params | None = None,
    epochs: int = 10_000,
    *,
    moments: Moments | None = None,
    steps: int = 0,
    progress: Callable[[int, float], None] | None = None,
    progress_every: int = 1000,
    should_stop: Callable[[], bool] | None = None,
    norms: bool = False,
) -> TrainResult:
    """Train `network` from `params` (the network's own when None) for `epochs` epochs; an
    optimizer with state starts from `moments` after `steps` steps (zeros and 0 when None).

    `progress(epochs_done, last_loss)` is called every `progress_every` epochs and
    `should_stop()` is polled at the same points; when it returns true, training stops and the
    result holds the epochs finished so far. Training also stops after the first epoch whose
    loss or any parameter is non-finite (`TrainResult.nonfinite_epoch`). `norms`: also
    compute every epoch's weight-gradient norms (`TrainResult.norms`; slower).
    """
    return train_with(
        network,
        params,
        epochs,
        backend=None,
        moments=moments,
        steps=steps,
        progress=progress,
        progress_every=progress_every,
        should_stop=should_stop,
        norms=norms,
    )


def train_with(
    network: Network,
    params: Params | None,
    epochs: int,
    *,
    backend: str | None,
    moments: Moments | None = None,
    steps: int = 0,
    progress: Callable[[int, float], None] | None = None,
    progress_every: int = 1000,
    should_stop: Callable[[], bool] | None = None,
    norms: bool = False,
) -> TrainResult:
    """`train` on a chosen backend ("scalar" or "numpy"; None chooses by `backend_for`)."""
    if params is None:
        params = network.params
    if moments is None:
        moments = initial_moments(network, params)
    if epochs < 0:
        raise ValueError(f"epochs must not be negative, found {epochs}")
    if progress_every < 1:
        raise ValueError(f"progress_every must be at least 1, found {progress_every}")
    if _shapes(params) != _shapes(network.params):
        raise ValueError(f"the parameters do not fit the {network.shape_text()} network")
    backend = backend or backend_for(network)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")

    squares = array("d") if norms else None  # each epoch's squared norms, layer by layer
    runner: _Runner | NumpyRunner = (
        _ScalarRunner(network, params, moments, steps, squares)
        if backend == "scalar"
        else NumpyRunner(network, params, moments, steps, squares)
    )
    blas: AbstractContextManager[None] = (
        _ONE_BLAS_THREAD if backend == "numpy" and one_blas_thread(network) else nullcontext()
    )
    # Parameters that are never trained are tested once here; the loop tests the others.
    limit = epochs
    frozen_nonfinite = not network.train_biases and not all(
        bool(np.all(np.isfinite(b))) for b in params.biases
    )
    if frozen_nonfinite:
        limit = min(epochs, 1)
    chunk = progress_every if (progress is not None or should_stop is not None) else limit

    losses = array("d")
    done = 0
    nonfinite = False
    start = time.perf_counter()
    with blas, np.errstate(all="ignore"):
        while done < limit and not nonfinite:
            size = min(chunk, limit - done)
            finished, nonfinite = runner.run(size, losses)
            done += finished
            if progress is not None and done and done % progress_every == 0:
                progress(done, losses[-1])
            if should_stop is not None and not nonfinite and should_stop():
                break
    seconds = time.perf_counter() - start
    nonfinite = nonfinite or (frozen_nonfinite and done > 0)
    return TrainResult(
        params=runner.params(),
        epochs=done,
        moments=runner.moments(),
        steps=runner.t,
        losses=np.frombuffer(losses, dtype=np.float64).copy(),
        seconds=seconds,
        nonfinite_epoch=done if nonfinite else None,
        norms=None if squares is None else _norms(squares, done, len(network.layers)),
    )


def _norms(squares: array, epochs: int, layers: int) -> np.ndarray:
    """The norms, shape (epochs, layers), from the squared norms the runner appended (their
    square roots taken in place: a long run's norms are not held twice)."""
    values = np.frombuffer(squares, dtype=np.float64)
    np.sqrt(values, out=values)
    if values.size != epochs * layers:
        raise AssertionError(f"{values.size} squared norms for {epochs} epochs of {layers} layers")
    return values.reshape(epochs, layers)


def backend_for(network: Network) -> str:
    """ "scalar" or "numpy", whichever a rough cost model expects to be faster.

    The generated scalar code costs some 50 ns per parameter and sample (forward, backward and
    update), plus a third of that for online's loss-only pass. A numpy call costs about a
    microsecond however small its arrays, some 16 µs per layer and epoch for the batch modes
    (all samples at once) and 8 µs per layer and sample online, plus a loss pass. Measured on
    one machine; only the order of magnitude matters.
    """
    n_params = network.n_params
    if n_params > SCALAR_MAX_PARAMS:
        return "numpy"
    samples, layers = network.n_samples, len(network.layers)
    if network.update == "online":
        scalar = 0.05 * n_params * samples * (1.0 if samples == 1 else 1.4)
        vectorised = 8.0 * layers * (samples + 1)
    else:
        scalar = 0.05 * n_params * samples
        vectorised = 16.0 * layers
    return "scalar" if scalar <= vectorised else "numpy"


def estimated_epoch_seconds(network: Network) -> float:
    """A rough guess of one epoch's training time before any is measured (the cost model of
    `backend_for`, plus the arithmetic of big nets: some 40 ns per parameter and sample)."""
    n_params, samples, layers = network.n_params, network.n_samples, len(network.layers)
    if backend_for(network) == "scalar":
        micro = 0.05 * n_params * samples * (1.0 if samples == 1 else 1.4)
    elif network.update == "online":
        micro = 8.0 * layers * (samples + 1) + 0.04 * n_params * samples
    else:
        micro = 16.0 * layers + 0.04 * n_params * samples
    return micro * 1e-6


def one_blas_thread(network: Network) -> bool:
    """Whether the numpy backend trains `network` with one BLAS thread (`blas_work`)."""
    return blas_work(network) <= ONE_BLAS_THREAD_MAX_WORK


class _Runner:
    """Runs epochs from its current parameters; both backends implement this."""

    t: int  # optimizer steps taken

    def run(self, epochs: int, losses: array) -> tuple[int, bool]:
        """Run up to `epochs` epochs, appending each one's loss after to `losses`.

        Returns the epochs completed and whether the last one left a non-finite value.
        """
        raise NotImplementedError

    def params(self) -> Params:
        raise NotImplementedError

    def moments(self) -> Moments:
        raise NotImplementedError


def _shapes(params: Params) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    return [w.shape for w in params.weights], [b.shape for b in params.biases]


def _all_finite(*values: float) -> bool:
    return all(map(math.isfinite, values))


class _ScalarRunner(_Runner):
    """Runs the generated code (`bptui.engine.codegen`) in blocks of epochs.

    Each block runs unchecked; if its losses and final parameters are all finite it stands,
    otherwise it is replayed from its start by the checked variant, which stops after the
    first non-finite epoch. Blocks are sized to take some 0.05 s at most, so that a diverging
    run wastes little. Should the generated code ever raise (it is written not to), numpy
    takes over from the start of the block.
    """

    def __init__(
        self,
        network: Network,
        params: Params,
        moments: Moments,
        t: int,
        norms: array | None = None,
    ) -> None:
        config = ScalarConfig.of(network, norms is not None)
        self.network = network
        self.norms = norms  # where the norms variant appends each epoch's squared norms
        self.extra: tuple[Callable[..., Any], ...] = () if norms is None else (norms.extend,)
        self.lagged = config.lagged
        # plain SGD's generated code keeps no step count (nothing reads it): `call` counts
        self.uncounted = steps_per_epoch(network) if config.plain_sgd else 0
        self.fast = compiled(config, checked=False)
        self.checked = compiled(config, checked=True)
        self.template = params
        self.flat: list[float] = params.flat().tolist()
        # the optimizer's slots of the trained parameters, slot after slot (codegen's order)
        self.trained = [ref.flat_index for ref in network.param_refs if ref.trained]
        self.moment_templates = moments
        self.state: list[float] = [v for m in moments for v in m.flat()[self.trained].tolist()]
        self.t = t
        self.samples = [
            (*x, *t) for x, t in zip(network.inputs.tolist(), network.targets.tolist(), strict=True)
        ]
        self.learning_rate = float(network.learning_rate)
        work = (len(self.flat) + sum(config.sizes)) * network.n_samples
        self.block = max(1, min(_MAX_BLOCK, _BLOCK_WORK // max(work, 1)))
        self.fallback: NumpyRunner | None = None

    def run(self, epochs: int, losses: array) -> tuple[int, bool]:
        done = 0
        while done < epochs:
            if self.fallback is not None:
                finished, nonfinite = self.fallback.run(epochs - done, losses)
                self.t = self.fallback.t
                return done + finished, nonfinite
            size = min(self.block, epochs - done)
            mark = len(losses)
            norms_mark = 0 if self.norms is None else len(self.norms)
            try:
                flat, state, t, _, _ = self.call(self.fast, size, losses)
                if _all_finite(*flat) and _finite_tail(losses, mark):
                    self.flat, self.state, self.t = flat, state, t
                    done += size
                    continue
                self.forget(losses, mark, norms_mark)
                self.flat, self.state, self.t, finished, nonfinite = self.call(
                    self.checked, size, losses
                )
            except (ArithmeticError, ValueError):
                self.forget(losses, mark, norms_mark)
                self.fallback = NumpyRunner(
                    self.network, self.params(), self.moments(), self.t, self.norms
                )
                continue
            return done + finished, nonfinite
        return done, False

    def forget(self, losses: array, mark: int, norms_mark: int) -> None:
        """Drop what a block pushed (it is replayed)."""
        del losses[mark:]
        if self.norms is not None:
            del self.norms[norms_mark:]

    def call(
        self, function: Callable[..., tuple], epochs: int, losses: array
    ) -> tuple[list[float], list[float], int, int, bool]:
        mark = len(losses)
        result = function(
            self.flat,
            self.state,
            self.t,
            self.samples,
            self.learning_rate,
            epochs,
            losses.append,
            *_MATH,
            _all_finite,
            *self.extra,
        )
        if self.lagged:
            del losses[mark]  # the loss before the block's first epoch
        if self.uncounted:
            flat, state, t, done, nonfinite = result
            result = (flat, state, t + done * self.uncounted, done, nonfinite)
        return result

    def params(self) -> Params:
        if self.fallback is not None:
            return self.fallback.params()
        return self.template.with_flat(np.array(self.flat, dtype=np.float64))

    def moments(self) -> Moments:
        if self.fallback is not None:
            return self.fallback.moments()
        result = []
        count = len(self.trained)
        for k, template in enumerate(self.moment_templates):
            flat = template.flat()
            flat[self.trained] = self.state[k * count : (k + 1) * count]
            result.append(template.with_flat(flat))
        return tuple(result)


def _finite_tail(losses: array, start: int) -> bool:
    """Whether losses[start:] are all finite."""
    tail = np.frombuffer(losses, dtype=np.float64, offset=start * losses.itemsize)
    result = bool(np.isfinite(tail).all())
    del tail  # release the buffer, so that `losses` can grow again
    return result
