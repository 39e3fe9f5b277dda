"""The numpy backend's BLAS threads (`bptui.engine.train` explains the policy): the size of its
largest matrix product (`blas_work`), and one BLAS thread process-wide while any training that
asks for it runs (`_ONE_BLAS_THREAD`, threadpoolctl's limit counted over overlapping trainings).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bptui.engine.network import Network

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController


def blas_work(network: Network) -> int:
    """Multiply-adds of the numpy backend's largest matrix product, per call.

    Batch modes: samples × inputs × neurons of the layer where that is largest (forward,
    backward and the weight gradient all have that size). Online: inputs × neurons, as each
    sample goes through alone; its loss pass takes all samples at once, but the per-sample
    products dominate its time, and a second thread measured no faster for them.
    """
    rows = 1 if network.update == "online" else network.n_samples
    return rows * max(layer.n_in * layer.n_out for layer in network.layers)


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    """threadpoolctl's view of the loaded BLAS libraries (numpy's is loaded by the time a
    training runs). Made once: looking them up costs ~1 ms, a limit from it then ~6 µs."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


class _OneBlasThread:
    """One BLAS thread while any training inside it runs, whichever thread runs it.

    The BLAS thread count is process-wide, so overlapping trainings count themselves in: the
    first sets one thread, the last out restores what the first found.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._limiter: Any = None  # threadpoolctl's limiter while one thread is set

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._limiter = _blas_controller().limit(limits=1, user_api="blas")
            self._users += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._limiter is not None:
                self._limiter.restore_original_limits()
                self._limiter = None


_ONE_BLAS_THREAD = _OneBlasThread()
