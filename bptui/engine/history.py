"""The history of a training session: the parameters at the start of every epoch.

The debugger travels in time by recomputing an epoch from the parameters it started with (and
the optimizer's state: Adam's moments, a momentum buffer; `moments_at`), so the history only
needs those, and the loss after each epoch for the plot. Big nets keep a
checkpoint every K epochs and replay the rest; every epoch-to-epoch step goes through the same
`train` loop, so an epoch's parameters are the same bits however they were reached (by a run,
by stepping, or by replaying from a checkpoint). Once computed, history never changes; it
grows only past its end, and `truncate` is the one way to discard (when the user switches the
hidden-gradient order).

Beside each loss, the history keeps each layer's weight-gradient norm in that epoch (the
gradient as the update used it: `train(..., norms=True)`, 8 bytes a layer and an epoch) for
the norms plot. A history restored from a session file (which keeps no norms) knows them from
its first new epoch on; `fill_norms` works out the earlier ones by replaying from the
checkpoints, exactly as the epochs ran.
"""

from __future__ import annotations

import math
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from bptui.engine.history_state import HistorySaving, HistoryState, checkpoint_interval
from bptui.engine.network import Network, Params
from bptui.engine.passes import compute_epoch, forward, total_loss
from bptui.engine.trace import EpochTrace
from bptui.engine.updates import Moments, initial_moments, steps_per_epoch

# HistoryState and checkpoint_interval are history_state's, imported from here too.
__all__ = ["History", "HistoryState", "checkpoint_interval"]

CACHE_PARAMS = 16
CACHE_TRACES = 4
# ...but no more epochs' arrays than about this many numbers (a big net's epoch holds millions).
CACHE_TRACE_NUMBERS = 8_000_000


class History(HistorySaving):
    """Parameters at the start of each epoch (1-based) and the loss after each epoch."""

    def __init__(
        self,
        network: Network,
        params: Params | None = None,
        every: int | None = None,
        moments: Moments | None = None,
    ) -> None:
        self._networks: list[tuple[int, Network]] = [(1, network)]
        self.every = every or checkpoint_interval(network)
        params = params or network.params
        self._checkpoints: dict[int, Params] = {1: params}
        # the optimizer's state at each epoch whose parameters are kept (none for plain SGD)
        self._moments: dict[int, Moments] = {1: moments or initial_moments(network, params)}
        self._losses: list[float] = []
        self._layers = len(network.layers)
        # each epoch's weight-gradient norms, layer after layer, from epoch `_norms_start` on
        self._norms = array("d")
        self._norms_start = 1
        self._recent: OrderedDict[int, Params] = OrderedDict()
        self._traces: OrderedDict[int, EpochTrace] = OrderedDict()
        self._lock = threading.RLock()
        self._grow = threading.RLock()  # one chunk of `extend` at a time
        self.nonfinite_epoch: int | None = None
        """The first epoch after which a loss or parameter was nan or ±inf (runs stop there)."""
        self.revision = 0
        """Counts the truncations: with `epochs_done`, it tells a viewer whether the losses it
        showed are still the losses (they only grow between truncations)."""
        from bptui.engine.train import estimated_epoch_seconds

        self._epoch_seconds = estimated_epoch_seconds(network)
        self._trace_seconds = 2e-7 * max(1, network.n_params * network.n_samples)

    # -- reading ----------------------------------------------------------------------------
    @property
    def network(self) -> Network:
        """The network (and settings) of the newest epochs."""
        return self._networks[-1][1]

    def network_for(self, epoch: int) -> Network:
        """The network whose settings epoch `epoch` runs with."""
        return next(net for start, net in reversed(self._networks) if start <= epoch)

    def network_starts(self) -> list[int]:
        """The first epoch of each network the history runs with (1 first)."""
        return [start for start, _ in self._networks]

    @property
    def epochs_done(self) -> int:
        """How many epochs have a known result (their loss after)."""
        return len(self._losses)

    @property
    def losses(self) -> list[float]:
        """The loss after each completed epoch (a copy)."""
        with self._lock:
            return list(self._losses)

    @property
    def norms_start(self) -> int:
        """The first epoch whose weight-gradient norms are known: 1, or after restoring a
        session the first epoch run since (until `fill_norms`)."""
        return self._norms_start

    def norms(self, epochs: int | None = None) -> np.ndarray:
        """Each layer's weight-gradient L2 norm (`TrainResult.norms`) in epochs `norms_start`
        to `epochs` (all done when None): a copy, one row per epoch, one column per layer."""
        return self.sampled_norms(epochs)[1]

    def sampled_norms(
        self, epochs: int | None = None, stride: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """(epoch numbers, norms) of every `stride`-th epoch from `norms_start` to `epochs`
        (all done when None), the last one always included: what a plot needs of a long
        history, without copying the rest."""
        with self._lock:
            rows = len(self._norms) // self._layers
            if epochs is not None:
                rows = max(0, min(rows, epochs - self._norms_start + 1))
            picked = np.arange(0, rows, max(1, stride))
            if rows and picked[-1] != rows - 1:
                picked = np.append(picked, rows - 1)
            values = np.frombuffer(self._norms, dtype=np.float64, count=rows * self._layers)
            result = values.reshape(rows, self._layers)[picked]  # (a copy)
            del values  # release the buffer, so that the array can grow again
            return picked + self._norms_start, result

    def loss_after(self, epoch: int) -> float | None:
        with self._lock:
            return self._losses[epoch - 1] if 1 <= epoch <= len(self._losses) else None

    def params_at(self, epoch: int) -> Params:
        """The parameters at the start of `epoch`, extending the history if needed."""
        return self.state_at(epoch)[0]

    def moments_at(self, epoch: int) -> Moments:
        """The optimizer's state at the start of `epoch` (() for plain SGD)."""
        return self.state_at(epoch)[1]

    def steps_before(self, epoch: int) -> int:
        """Optimizer steps taken before `epoch` (Adam's t is this plus one)."""
        return (epoch - 1) * steps_per_epoch(self.network_for(1))

    def state_at(self, epoch: int) -> tuple[Params, Moments]:
        """(parameters, optimizer state) at the start of `epoch`."""
        if epoch < 1:
            raise ValueError(f"epoch {epoch}")
        if epoch > self.epochs_done + 1:
            self.extend(epoch - 1 - self.epochs_done)
        with self._lock:
            known = self._known(epoch)
            if known is not None:
                return known, self._moments[epoch]
            start = max(e for e in (*self._checkpoints, *self._recent) if e < epoch)
            params = self._known(start)
            moments = self._moments[start]
        from bptui.engine.train import train  # (not needed to open a network: imported late)

        trained = train(
            self.network_for(start),
            params,
            epoch - start,
            moments=moments,
            steps=self.steps_before(start),
        )
        self._measured(trained)
        with self._lock:
            self._remember(epoch, trained.params, trained.moments)
        return trained.params, trained.moments

    def outputs_after(self, epoch: int) -> np.ndarray:
        """Every sample's outputs at the parameters after `epoch` (rows are samples)."""
        network = self.network_for(epoch)
        _, outs = forward(network, self.params_at(epoch + 1), network.inputs)
        return outs[-1]

    def initial_loss(self) -> float:
        """The loss summed over the samples before any training."""
        return total_loss(self.network_for(1), self.params_at(1))

    def trace(self, epoch: int) -> EpochTrace:
        """Every step of `epoch`, recomputed from its starting parameters (cached)."""
        with self._lock:
            cached = self._traces.get(epoch)
            if cached is not None:
                self._traces.move_to_end(epoch)
                return cached
            revision = self.revision
        params, moments = self.state_at(epoch)
        started = time.perf_counter()
        epoch_result = compute_epoch(
            self.network_for(epoch), params, moments, self.steps_before(epoch)
        )
        result = EpochTrace(epoch_result, epoch)
        self._trace_seconds = time.perf_counter() - started
        with self._lock:
            # (not when the history changed meanwhile: an edit, an undo, another order)
            if epoch <= self.epochs_done + 1 and self.revision == revision:
                self._traces[epoch] = result
                while len(self._traces) > self._trace_cache_size:
                    self._traces.popitem(last=False)
        return result

    @property
    def _trace_cache_size(self) -> int:
        """How many recent epochs to keep whole: 4, or fewer for a big net (at least 1)."""
        network = self.network
        per_epoch = network.n_samples * 3 * max(network.n_params, 1)
        return max(1, min(CACHE_TRACES, CACHE_TRACE_NUMBERS // per_epoch))

    # -- costs ------------------------------------------------------------------------------
    def seconds_to_trace(self, epoch: int) -> float:
        """About how long `trace(epoch)` takes now (0 when it is cached): the epochs it would
        train first, at the speed measured so far, and the epoch's own recomputation. A viewer
        does the work in the background when this is more than it can wait."""
        with self._lock:
            if epoch in self._traces:
                return 0.0
        return self.seconds_to_params(epoch) + self._trace_seconds

    def seconds_to_params(self, epoch: int) -> float:
        """About how long `params_at(epoch)` takes now (0 when they are known)."""
        with self._lock:
            done = len(self._losses)
            if epoch in self._checkpoints or epoch in self._recent:
                replay = 0
            elif epoch <= done + 1:
                replay = epoch - max(e for e in (*self._checkpoints, *self._recent) if e < epoch)
            else:
                known = (done + 1) in self._checkpoints or (done + 1) in self._recent
                replay = epoch - 1 - done + (0 if known else self.every)
        return replay * self._epoch_seconds

    def _measured(self, result) -> None:
        """Keep the speed of training (seconds an epoch) from a finished `train` call."""
        if result.epochs > 0 and result.seconds > 0:
            self._epoch_seconds = result.seconds / result.epochs

    # -- growing ----------------------------------------------------------------------------
    def extend(
        self,
        epochs: int,
        progress: Callable[[int, float], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        chunk: int | None = None,
    ) -> int:
        """Run `epochs` more epochs past the end; returns how many were done.

        Works in chunks (a checkpoint interval at most) so that a stop request is honoured
        quickly and every chunk's end is a checkpoint or a cached epoch. Two threads may
        extend at once (a run in the background, the loss of an epoch the viewer reached):
        each chunk is trained by one of them, and each stops at its own goal.
        """
        from bptui.engine.train import train

        with self._lock:
            base = len(self._losses)
        goal = base + epochs
        step = chunk or self.every
        while True:
            if should_stop is not None and should_stop():
                break
            with self._grow:
                with self._lock:
                    start = len(self._losses) + 1
                    if start - 1 >= goal:
                        break
                    params, moments = self.state_at(start)
                count = min(step - ((start - 1) % step) if step > 1 else 1, goal - (start - 1))
                result = train(
                    self.network_for(start),
                    params,
                    count,
                    moments=moments,
                    steps=self.steps_before(start),
                    norms=True,
                )
                self._measured(result)
                with self._lock:
                    self._losses.extend(float(v) for v in result.losses)
                    if result.norms is not None:
                        self._norms.frombytes(result.norms.tobytes())
                    end = start + result.epochs
                    self._remember(end, result.params, result.moments)
            if progress is not None:
                progress(min(goal, len(self._losses)) - base, self._losses[-1])
            if result.nonfinite_epoch is not None:
                with self._lock:
                    first = start + result.nonfinite_epoch - 1
                    if self.nonfinite_epoch is None or first < self.nonfinite_epoch:
                        self.nonfinite_epoch = first
                break
            if result.epochs < count:
                break
        return min(goal, len(self._losses)) - base

    def fill_norms(self, should_stop: Callable[[], bool] | None = None) -> bool:
        """Work out the norms of the epochs before `norms_start` (a restored session's) by
        replaying them from the checkpoints; returns whether all are known now (False when
        `should_stop()` said stop, polled between chunks of a checkpoint interval)."""
        from bptui.engine.train import train

        with self._grow:  # the history does not grow meanwhile
            with self._lock:
                missing = self._norms_start - 1
                switches = sorted(start for start, _ in self._networks if start > 1)
                revision = self.revision
            found = array("d")
            epoch = 1
            while epoch <= missing:
                if should_stop is not None and should_stop():
                    return False
                # a chunk ends before the next checkpoint and before the next network switch
                end = min(missing, epoch - 1 + self.every - (epoch - 1) % self.every)
                end = min([end, *(start - 1 for start in switches if start > epoch)])
                params, moments = self.state_at(epoch)
                result = train(
                    self.network_for(epoch),
                    params,
                    end - epoch + 1,
                    moments=moments,
                    steps=self.steps_before(epoch),
                    norms=True,
                )
                if result.norms is not None:
                    found.frombytes(result.norms[: result.epochs].tobytes())
                # A replay that turns non-finite before the chunk's end (a history past its
                # non-finite epoch, or a session whose network was edited by hand so that
                # it no longer gives its history: that once crashed the app) leaves the
                # chunk's other norms unknown (nan: the plot leaves them out); the next chunk
                # starts again from its own checkpoint.
                layers = len(self.network_for(epoch).layers)
                unknown = (end - epoch + 1 - result.epochs) * layers
                found.extend([math.nan] * unknown)
                epoch = end + 1
            with self._lock:
                if self.revision != revision or self._norms_start != missing + 1:
                    return False  # truncated meanwhile (another order chosen): not these
                found.extend(self._norms)
                self._norms = found
                self._norms_start = 1
            return True

    def switch(self, epoch: int, network: Network) -> None:
        """From `epoch` on, run with `network` (other settings, same shapes): the history after
        the start of `epoch` is discarded."""
        params, moments = self.state_at(epoch)
        with self._lock:
            self._checkpoints[epoch] = params
            self._moments[epoch] = moments
            self.truncate(epoch - 1)
            self._traces.pop(epoch, None)
            self._networks = [(s, n) for s, n in self._networks if s < epoch]
            self._networks.append((epoch, network))

    def edit(
        self, epoch: int, params: Params | None = None, network: Network | None = None
    ) -> None:
        """From the start of `epoch` on, run with other parameters (an edited weight) or another
        network (an edited input, target or learning rate; same shapes): the history after the
        start of `epoch` is discarded, and every later order switch with it."""
        old_params, moments = self.state_at(epoch)
        with self._lock:
            self._checkpoints[epoch] = params if params is not None else old_params
            self._moments[epoch] = moments
            self.truncate(epoch - 1)
            self._traces.pop(epoch, None)
            self._recent.pop(epoch, None)
            current = self.network_for(epoch)
            self._networks = [(s, n) for s, n in self._networks if s < epoch]
            self._networks.append((epoch, network if network is not None else current))

    def truncate(self, epochs: int) -> None:
        """Keep the first `epochs` completed epochs only (and everything they start)."""
        with self._lock:
            if self.nonfinite_epoch is not None and self.nonfinite_epoch > epochs:
                self.nonfinite_epoch = None
            del self._losses[epochs:]
            keep = max(0, epochs - (self._norms_start - 1))  # epochs of known norms kept
            del self._norms[keep * self._layers :]
            if keep == 0:
                self._norms_start = epochs + 1
            self.revision += 1
            for table in (self._checkpoints, self._recent, self._traces, self._moments):
                for epoch in [e for e in table if e > epochs + 1]:
                    del table[epoch]

    # -- saving and restoring ---------------------------------------------------------------
    @classmethod
    def from_state(
        cls,
        networks: list[tuple[int, Network]],
        every: int,
        checkpoints: dict[int, Params],
        losses: list[float],
        nonfinite_epoch: int | None = None,
        moments: dict[int, Moments] | None = None,
    ) -> History:
        """A history exactly as `export_state` described it (`moments`: the optimizer's state
        at each checkpoint; zeros at epoch 1 and none elsewhere for plain SGD when None)."""
        if not networks or networks[0][0] != 1 or 1 not in checkpoints:
            raise ValueError("a history starts at epoch 1 with its parameters")
        network = networks[0][1]
        history = cls(network, checkpoints[1], every=every)
        if moments is None:
            if network.opt.slots:
                raise ValueError("an optimizer with state needs its state at every checkpoint")
            moments = {epoch: () for epoch in checkpoints}
        history._networks = list(networks)
        history._checkpoints = dict(checkpoints)
        history._moments = dict(moments)
        history._losses = list(losses)
        history._norms_start = len(losses) + 1  # a session keeps no norms (`fill_norms`)
        history.nonfinite_epoch = nonfinite_epoch
        return history

    # -- internals --------------------------------------------------------------------------
    def _known(self, epoch: int) -> Params | None:
        if epoch in self._checkpoints:
            return self._checkpoints[epoch]
        if epoch in self._recent:
            self._recent.move_to_end(epoch)
            return self._recent[epoch]
        return None

    def _remember(self, epoch: int, params: Params, moments: Moments) -> None:
        self._moments[epoch] = moments
        if (epoch - 1) % self.every == 0:
            self._checkpoints[epoch] = params
            return
        self._recent[epoch] = params
        while len(self._recent) > CACHE_PARAMS:
            forgotten, _ = self._recent.popitem(last=False)
            if forgotten not in self._checkpoints:
                self._moments.pop(forgotten, None)
