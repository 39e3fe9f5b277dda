"""What a history keeps and how its contents are saved (`bptui.engine.history`): the interval
between checkpoints, a snapshot of everything it holds (undo), and the state a session file
keeps.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict

import numpy as np

from bptui.engine.errors import BptuiError
from bptui.engine.network import Network, Params
from bptui.engine.trace import EpochTrace
from bptui.engine.updates import Moments
from bptui.records import dataclass

# A checkpoint's replay should cost at most about this many parameter-sample updates...
REPLAY_BUDGET = 200_000
# ...and the checkpoints of 1,000 epochs at most about this many bytes.
CHECKPOINT_BYTES_PER_1000 = 50_000_000


def checkpoint_interval(network: Network) -> int:
    """Epochs between checkpoints: short replays for small nets, bounded memory for big ones."""
    work = max(1, network.n_params * network.n_samples)
    by_time = REPLAY_BUDGET // work
    by_memory = -(-network.n_params * 8 * 1000 // CHECKPOINT_BYTES_PER_1000)
    return int(np.clip(max(by_time, by_memory), 1, 1000))


@dataclass(frozen=True)
class HistoryState:
    """A history's contents at one moment (`History.snapshot`)."""

    networks: list[tuple[int, Network]]
    checkpoints: dict[int, Params]
    moments: dict[int, Moments]
    losses: list[float]
    norms: array
    norms_start: int
    nonfinite_epoch: int | None


class HistorySaving:
    """A `History`'s contents as data: a snapshot to restore exactly, and what a session file
    keeps (`History.from_state` reads it back)."""

    # (set by History.__init__)
    every: int
    nonfinite_epoch: int | None
    revision: int
    _networks: list[tuple[int, Network]]
    _checkpoints: dict[int, Params]
    _moments: dict[int, Moments]
    _losses: list[float]
    _norms: array
    _norms_start: int
    _recent: OrderedDict[int, Params]
    _traces: OrderedDict[int, EpochTrace]
    _lock: threading.RLock

    def snapshot(self) -> HistoryState:
        """Everything the history holds, to `restore` it exactly (undo)."""
        with self._lock:
            return HistoryState(
                list(self._networks),
                dict(self._checkpoints),
                dict(self._moments),
                list(self._losses),
                array("d", self._norms),
                self._norms_start,
                self.nonfinite_epoch,
            )

    def restore(self, state: HistoryState) -> None:
        """Back to a `snapshot`, bit for bit (what was computed since is forgotten)."""
        with self._lock:
            self._networks = list(state.networks)
            self._checkpoints = dict(state.checkpoints)
            self._moments = dict(state.moments)
            self._losses = list(state.losses)
            self._norms = array("d", state.norms)
            self._norms_start = state.norms_start
            self.nonfinite_epoch = state.nonfinite_epoch
            self._recent.clear()
            self._traces.clear()
            self.revision += 1

    # -- saving and restoring ---------------------------------------------------------------
    def export_state(self) -> dict:
        """What a session file keeps: networks by first epoch, checkpoints, losses."""
        with self._lock:
            checkpoints = {e: p for e, p in self._checkpoints.items() if e <= len(self._losses) + 1}
            return {
                "networks": list(self._networks),
                "every": self.every,
                "checkpoints": checkpoints,
                "moments": {e: self._moments[e] for e in checkpoints},
                "losses": list(self._losses),
                "nonfinite_epoch": self.nonfinite_epoch,
            }


MAX_DEBUGGER_SAMPLES = 10_000
"""The samples the debugger steps through at most: an epoch's trace holds every sample's values
(about 10 KB a sample): 100,000 samples took 15 s an epoch and a gigabyte each, and keys waited
seconds behind it (the hostile trial). `bptui train` and `bptui check` take any."""


def refuse_in_debugger(network: Network, spec: str) -> None:
    """A one-line BptuiError for a network the debugger does not step through."""
    if network.n_samples > MAX_DEBUGGER_SAMPLES:
        raise BptuiError(
            f"{spec}: {network.n_samples:,} samples, over the {MAX_DEBUGGER_SAMPLES:,} the "
            "debugger steps through (`bptui train` runs it; `bptui check` checks its gradients)"
        )
