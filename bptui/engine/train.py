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

import itertools
import linecache
import math
import threading
import time
from array import array
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from bptui.engine.network import Network, Params, default_neuron_names

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

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
    losses: np.ndarray  # shape (epochs,): the loss after each epoch (EpochResult.loss_after)
    seconds: float  # time of the training loop alone, its BLAS limit included (perf_counter)
    nonfinite_epoch: int | None  # 1-based epoch where a loss or parameter became non-finite


def train(
    network: Network,
    params: Params | None = None,
    epochs: int = 10_000,
    *,
    progress: Callable[[int, float], None] | None = None,
    progress_every: int = 1000,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train `network` from `params` (the network's own when None) for `epochs` epochs.

    `progress(epochs_done, last_loss)` is called every `progress_every` epochs and
    `should_stop()` is polled at the same points; when it returns true, training stops and the
    result holds the epochs finished so far. Training also stops after the first epoch whose
    loss or any parameter is non-finite (`TrainResult.nonfinite_epoch`).
    """
    return train_with(
        network,
        params,
        epochs,
        backend=None,
        progress=progress,
        progress_every=progress_every,
        should_stop=should_stop,
    )


def train_with(
    network: Network,
    params: Params | None,
    epochs: int,
    *,
    backend: str | None,
    progress: Callable[[int, float], None] | None = None,
    progress_every: int = 1000,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """`train` on a chosen backend ("scalar" or "numpy"; None chooses by `backend_for`)."""
    if params is None:
        params = network.params
    if epochs < 0:
        raise ValueError(f"epochs must not be negative, found {epochs}")
    if progress_every < 1:
        raise ValueError(f"progress_every must be at least 1, found {progress_every}")
    if _shapes(params) != _shapes(network.params):
        raise ValueError(f"the parameters do not fit the {network.shape_text()} network")
    backend = backend or backend_for(network)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")

    runner: _Runner = (
        _ScalarRunner(network, params) if backend == "scalar" else _NumpyRunner(network, params)
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
        losses=np.frombuffer(losses, dtype=np.float64).copy(),
        seconds=seconds,
        nonfinite_epoch=done if nonfinite else None,
    )


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


def blas_work(network: Network) -> int:
    """Multiply-adds of the numpy backend's largest matrix product, per call.

    Batch modes: samples × inputs × neurons of the layer where that is largest (forward,
    backward and the weight gradient all have that size). Online: inputs × neurons, as each
    sample goes through alone; its loss pass takes all samples at once, but the per-sample
    products dominate its time, and a second thread measured no faster for them.
    """
    rows = 1 if network.update == "online" else network.n_samples
    return rows * max(layer.n_in * layer.n_out for layer in network.layers)


def one_blas_thread(network: Network) -> bool:
    """Whether the numpy backend trains `network` with one BLAS thread (`blas_work`)."""
    return blas_work(network) <= ONE_BLAS_THREAD_MAX_WORK


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    """threadpoolctl's view of the loaded BLAS libraries (numpy's is loaded by this module's
    import). Made once: looking them up costs ~1 ms, a limit from it then ~6 µs."""
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


class _Runner:
    """Runs epochs from its current parameters; both backends implement this."""

    def run(self, epochs: int, losses: array) -> tuple[int, bool]:
        """Run up to `epochs` epochs, appending each one's loss after to `losses`.

        Returns the epochs completed and whether the last one left a non-finite value.
        """
        raise NotImplementedError

    def params(self) -> Params:
        raise NotImplementedError


def _shapes(params: Params) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    return [w.shape for w in params.weights], [b.shape for b in params.biases]


def _all_finite(*values: float) -> bool:
    return all(map(math.isfinite, values))


# ---------------------------------------------------------------------------------------------
# The scalar backend: generated source


@dataclass(frozen=True)
class ScalarConfig:
    """Everything the generated code depends on (the cache key); the numbers are arguments."""

    n_inputs: int
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    biases: tuple[str, ...]
    loss: str
    update: str
    hidden_gradients: str
    train_biases: bool
    single_sample: bool

    @classmethod
    def of(cls, network: Network) -> ScalarConfig:
        return cls(
            n_inputs=len(network.input_names),
            sizes=tuple(layer.n_out for layer in network.layers),
            activations=tuple(layer.activation for layer in network.layers),
            biases=tuple(layer.bias for layer in network.layers),
            loss=network.loss,
            update=network.update,
            hidden_gradients=network.hidden_gradients,
            train_biases=network.train_biases,
            single_sample=network.n_samples == 1,
        )

    @property
    def lagged(self) -> bool:
        """Whether each epoch's forward pass gives the loss after the previous epoch."""
        return self.update != "online" or self.single_sample


def scalar_source(network: Network, checked: bool = False) -> str:
    """The Python source the scalar backend runs for `network` (for reading and debugging).

    The unchecked variant runs blocks of epochs; the checked one, which also tests every
    epoch for non-finite values, replays a block whose results were not all finite.
    """
    return _ScalarSource(ScalarConfig.of(network), checked).text()


# The math functions the generated code receives as arguments (locals are the fastest names).
_MATH: tuple[Callable[[float], float], ...] = (math.exp, math.log, math.log1p, math.tanh)


@lru_cache(maxsize=64)
def _compiled(config: ScalarConfig, checked: bool) -> Callable[..., tuple[list[float], int, bool]]:
    source = _ScalarSource(config, checked).text()
    variant = "checked" if checked else "unchecked"
    filename = f"<bptui.engine.train {variant} {_config_label(config)}>"
    # Registered so that tracebacks and the debugger can show the generated lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, object] = {"repeat": itertools.repeat}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["train_epochs"]  # type: ignore[return-value]


def _config_label(config: ScalarConfig) -> str:
    shape = "-".join(str(n) for n in (config.n_inputs, *config.sizes))
    return (
        f"{shape} {'/'.join(config.activations)} bias {'/'.join(config.biases)} {config.loss} "
        f"{config.update} {config.hidden_gradients}"
        f"{'' if config.train_biases else ' frozen-biases'}"
        f"{' one-sample' if config.single_sample else ''}"
    )


class _ScalarSource:
    """Writes `train_epochs` for one configuration.

    Why generate code: an epoch of Mazur's net is ~60 multiply-adds. Numpy spends about a
    microsecond on each operation however small its arrays, a Python loop over lists spends
    more on indexing than on arithmetic, but straight-line Python on local float variables
    runs each operation in ~20 ns. So the epoch is written out for the exact shape, like
    `dataclasses` and `namedtuple` write their methods: one line per neuron for the forward
    pass, one per weight for the update, all parameters in locals for the whole run.

    The names are Mazur's, by position (custom neuron names do not change the code): inputs
    i1.., hidden h1.. (h1_1.. for several hidden layers), outputs o1..; weights w1.. layer by
    layer, row by row; biases b1, b2 (shared) or b_h1, b_o1 (per neuron); net_X, out_X, the
    target t_X, the residual r_X = out_X − t_X, the delta d_X, batch gradients g_w1, g_b1.

    The arithmetic follows `passes.compute_sample` operation by operation: the same stable
    sigmoid/softplus/softmax forms as `functions.py` (exp only of arguments ≤ 0), the same
    order of multiplications, sums left to right as numpy sums short vectors. The exceptions
    change nothing or only the last bit: r = out − t is −(t − out) exactly; ½·Σr² is Σ½r²
    exactly; an online update multiplies η·δ once per neuron (see `online_update`).
    """

    def __init__(self, config: ScalarConfig, checked: bool) -> None:
        self.c = config
        self.checked = checked
        self.names = default_neuron_names(config.n_inputs, list(config.sizes))
        self.n_layers = len(config.sizes)
        self.lines: list[str] = []
        self.depth = 0
        # weights[layer][j][i]: the weight into neuron j of `layer` from neuron i below it
        self.weights: list[list[list[str]]] = []
        k = 0
        n_in = config.n_inputs
        for size in config.sizes:
            rows = []
            for _j in range(size):
                rows.append([f"w{k + i + 1}" for i in range(n_in)])
                k += n_in
            self.weights.append(rows)
            n_in = size
        self.bias_params: list[list[str]] = []
        for layer, kind in enumerate(config.biases):
            if kind == "shared":
                self.bias_params.append([f"b{layer + 1}"])
            elif kind == "neuron":
                self.bias_params.append([f"b_{name}" for name in self.names[layer + 1]])
            else:
                self.bias_params.append([])

    # -- names -------------------------------------------------------------------------------
    def neuron(self, layer: int, j: int) -> str:
        return self.names[layer + 1][j]

    def source(self, layer: int, i: int) -> str:
        """What neuron i of the layer below `layer` outputs (an input, below layer 0)."""
        return self.names[0][i] if layer == 0 else f"out_{self.names[layer][i]}"

    def bias_of(self, layer: int, j: int) -> str | None:
        params = self.bias_params[layer]
        if not params:
            return None
        return params[0] if self.c.biases[layer] == "shared" else params[j]

    @property
    def all_params(self) -> list[str]:
        """Every parameter in `Params.flat()` order."""
        flat = [w for rows in self.weights for row in rows for w in row]
        return flat + [b for params in self.bias_params for b in params]

    @property
    def trained_params(self) -> list[str]:
        flat = [w for rows in self.weights for row in rows for w in row]
        if self.c.train_biases:
            flat += [b for params in self.bias_params for b in params]
        return flat

    @property
    def sample_vars(self) -> str:
        outputs = [f"t_{name}" for name in self.names[-1]]
        return ", ".join([*self.names[0], *outputs])

    # -- writing -----------------------------------------------------------------------------
    def emit(self, *lines: str) -> None:
        for line in lines:
            self.lines.append("    " * self.depth + line if line else "")

    def emit_joined(
        self,
        head: str,
        items: list[str],
        joiner: str,
        tail: str = "",
        brackets: tuple[str, str] | None = ("(", ")"),
    ) -> None:
        """`head` + the items joined by `joiner` + `tail`: one line if it fits, else one item
        run per line inside `brackets` (None: `head` already ends with an opening bracket and
        `tail` starts with its closing one), so that Python continues the lines implicitly.
        """
        indent = "    " * self.depth
        line = head + joiner.join(items) + tail
        if len(indent) + len(line) <= _WIDTH:
            self.emit(line)
            return
        opening, closing = brackets or ("", "")
        self.emit(head + opening)
        self.depth += 1
        width = _WIDTH - len(indent) - 4
        operator = joiner.strip() if joiner.startswith(" ") else ""
        rows: list[str] = []
        row = ""
        for item in items:
            piece = item if not row else f"{row}{joiner}{item}"
            if row and len(piece) > width:
                rows.append(row)
                row = f"{operator} {item}" if operator else item
            else:
                row = piece
        rows.append(row)
        for k, text in enumerate(rows):
            self.emit(text + ("," if not operator and k < len(rows) - 1 else ""))
        self.depth -= 1
        self.emit(closing + tail)

    # -- the parts of an epoch ---------------------------------------------------------------
    def forward(self, with_loss: bool, total: str | None) -> None:
        """Every layer's nets and outs; then the residuals; then (with_loss) E_total.

        `total`: the name to add this sample's E_total to (None: assign E).
        """
        for layer in range(self.n_layers):
            activation = self.c.activations[layer]
            self.emit(f"# forward, layer {layer + 1} ({activation})")
            for j in range(self.c.sizes[layer]):
                name = self.neuron(layer, j)
                terms = [
                    f"{w} * {self.source(layer, i)}" for i, w in enumerate(self.weights[layer][j])
                ]
                bias = self.bias_of(layer, j)
                if bias is not None:
                    terms.append(bias)
                self.emit_joined(f"net_{name} = ", terms, " + ")
                if activation != "softmax":
                    self.activation(activation, name, keep_e=self.needs_e(layer))
            if activation == "softmax":
                self.softmax(layer)
        outputs = self.names[-1]
        if self.c.loss in ("half_sse", "sse", "mse"):
            # r = out − t, exactly −(t − out): r² is the loss's square, and ∂E/∂out is r
            # (half_sse), 2r (sse) or 2r/n (mse), the very numbers functions.py computes
            for name in outputs:
                self.emit(f"r_{name} = out_{name} - t_{name}")
        if with_loss:
            self.loss(total)

    def needs_e(self, layer: int) -> bool:
        """bce reuses the sigmoid's exp(−|net|) for its softplus terms."""
        return layer == self.n_layers - 1 and self.c.loss == "bce"

    def activation(self, activation: str, name: str, keep_e: bool) -> None:
        net, out = f"net_{name}", f"out_{name}"
        if activation == "sigmoid":
            # 1/(1+e^−x) for x ≥ 0, e^x/(1+e^x) below: exp never sees a positive argument.
            self.emit(f"if {net} >= 0.0:")
            if keep_e:
                self.emit(f"    e_{name} = exp(-{net})", f"    {out} = 1.0 / (1.0 + e_{name})")
            else:
                self.emit(f"    {out} = 1.0 / (1.0 + exp(-{net}))")
            self.emit(
                "else:", f"    e_{name} = exp({net})", f"    {out} = e_{name} / (1.0 + e_{name})"
            )
        elif activation == "tanh":
            self.emit(f"{out} = tanh({net})")
        elif activation == "relu":
            self.emit(f"{out} = 0.0 if {net} <= 0.0 else {net}")  # a nan stays nan
        elif activation == "linear":
            self.emit(f"{out} = {net}")
        else:  # pragma: no cover - the loader allows no other
            raise ValueError(activation)

    def softmax(self, layer: int) -> None:
        names = self.names[layer + 1]
        self.emit(f"top = net_{names[0]}")
        for name in names[1:]:
            self.emit(f"if net_{name} > top:", f"    top = net_{name}")
        for name in names:
            self.emit(f"z_{name} = net_{name} - top", f"e_{name} = exp(z_{name})")
        self.emit("e_sum = " + " + ".join(f"e_{name}" for name in names))
        for name in names:
            self.emit(f"out_{name} = e_{name} / e_sum")

    def loss(self, total: str | None) -> None:
        loss = self.c.loss
        outputs = self.names[-1]
        n = len(outputs)
        self.emit(f"# error ({loss})")
        if loss == "half_sse":
            # Σ ½r² = ½·Σ r²: halving is exact, so this is the same number with fewer products
            squares = [f"r_{name} * r_{name}" for name in outputs]
            if total is None:
                self.emit_joined("E = 0.5 * (", squares, " + ", ")", brackets=None)
            else:
                self.emit_joined(f"{total} += 0.5 * (", squares, " + ", ")", brackets=None)
            return
        terms = []
        for name in outputs:
            r = f"r_{name}"
            if loss == "sse":
                terms.append(f"{r} * {r}")
            elif loss == "mse":
                terms.append(f"{r} * {r} / {n}")
            elif loss == "bce":
                # t·softplus(−net) + (1−t)·softplus(net), softplus(x) = max(x, 0) + log1p(e^−|x|)
                net, t = f"net_{name}", f"t_{name}"
                self.emit(
                    f"L_{name} = log1p(e_{name})",
                    f"if {net} >= 0.0:",
                    f"    E_{name} = {t} * L_{name} + (1.0 - {t}) * ({net} + L_{name})",
                    "else:",
                    f"    E_{name} = {t} * (L_{name} - {net}) + (1.0 - {t}) * L_{name}",
                )
                terms.append(f"E_{name}")
            elif loss == "cross_entropy":
                if not terms:
                    self.emit("log_sum = log(e_sum)")
                # −t·log softmax; a zero target contributes exactly 0
                self.emit(
                    f"E_{name} = 0.0 if t_{name} == 0.0 else -t_{name} * (z_{name} - log_sum)"
                )
                terms.append(f"E_{name}")
            else:  # pragma: no cover
                raise ValueError(loss)
        if total is None:
            self.emit_joined("E = ", terms, " + ")
        else:
            self.emit_joined(f"{total} += ", terms, " + ")

    def derivative(self, layer: int, j: int) -> str | None:
        """∂out/∂net of neuron j of `layer` (None: 1, for linear)."""
        name = self.neuron(layer, j)
        activation = self.c.activations[layer]
        if activation == "sigmoid":
            return f"(out_{name} * (1.0 - out_{name}))"
        if activation == "tanh":
            return f"(1.0 - out_{name} * out_{name})"
        if activation == "relu":
            return f"(1.0 if net_{name} > 0.0 else 0.0)"
        if activation == "linear":
            return None
        raise ValueError(activation)  # pragma: no cover

    def output_deltas(self) -> None:
        layer = self.n_layers - 1
        outputs = self.names[-1]
        loss, activation = self.c.loss, self.c.activations[layer]
        self.emit(f"# backward, layer {layer + 1} (outputs)")
        if (loss, activation) in (("bce", "sigmoid"), ("cross_entropy", "softmax")):
            for name in outputs:
                self.emit(f"d_{name} = out_{name} - t_{name}")
            return
        n = len(outputs)
        gradient = {  # ∂E/∂out, with r = out − t
            "half_sse": "r_{0}",
            "sse": "2.0 * r_{0}",
            "mse": f"2.0 * r_{{0}} / {n}",
        }[loss]
        if activation == "softmax":
            # δ_k = out_k·(g_k − Σ_m g_m·out_m), g = ∂E/∂out
            for name in outputs:
                self.emit(f"g_{name} = " + gradient.format(name))
            self.emit("dot = " + " + ".join(f"g_{name} * out_{name}" for name in outputs))
            for name in outputs:
                self.emit(f"d_{name} = out_{name} * (g_{name} - dot)")
            return
        for j, name in enumerate(outputs):
            derivative = self.derivative(layer, j)
            g = gradient.format(name)
            self.emit(f"d_{name} = {g}" + (f" * {derivative}" if derivative else ""))

    def hidden_deltas(self, layer: int) -> None:
        """δ of `layer` from the δ of the layer above and the weights between, as they are."""
        self.emit(f"# backward, layer {layer + 1} ({self.c.activations[layer]})")
        above = self.weights[layer + 1]
        for j in range(self.c.sizes[layer]):
            name = self.neuron(layer, j)
            paths = [f"d_{self.neuron(layer + 1, m)} * {above[m][j]}" for m in range(len(above))]
            derivative = self.derivative(layer, j)
            head = f"d_{name} = ("
            tail = ")" + (f" * {derivative}" if derivative else "")
            self.emit_joined(head, paths, " + ", tail, brackets=None)

    def bias_gradient(self, layer: int, j: int) -> str:
        if self.c.biases[layer] == "shared":
            deltas = [f"d_{self.neuron(layer, m)}" for m in range(self.c.sizes[layer])]
            return deltas[0] if len(deltas) == 1 else "(" + " + ".join(deltas) + ")"
        return f"d_{self.neuron(layer, j)}"

    def online_update(self, layer: int) -> None:
        """w −= η·δ·input, as (η·δ)·input: one product per neuron saved per weight.

        (η·δ)·x and η·(δ·x) may differ in the last bit; with η a power of two, as Mazur's
        0.5, they are the same number.
        """
        self.emit(f"# update, layer {layer + 1}")
        for j in range(self.c.sizes[layer]):
            name = self.neuron(layer, j)
            self.emit(f"step_{name} = lr * d_{name}")
            for i, w in enumerate(self.weights[layer][j]):
                self.emit(f"{w} -= step_{name} * {self.source(layer, i)}")
        if self.c.train_biases:
            for j, b in enumerate(self.bias_params[layer]):
                if self.c.biases[layer] == "neuron":
                    self.emit(f"{b} -= step_{self.neuron(layer, j)}")  # = lr * d exactly
                else:
                    self.emit(f"{b} -= lr * {self.bias_gradient(layer, j)}")

    def accumulate(self, first: bool) -> None:
        """Add this sample's gradients to g_... (`first`: the only sample, assign)."""
        op = "=" if first else "+="
        self.emit("# this sample's gradients")
        for layer in range(self.n_layers):
            for j in range(self.c.sizes[layer]):
                name = self.neuron(layer, j)
                for i, w in enumerate(self.weights[layer][j]):
                    self.emit(f"g_{w} {op} d_{name} * {self.source(layer, i)}")
            if self.c.train_biases:
                for j, b in enumerate(self.bias_params[layer]):
                    self.emit(f"g_{b} {op} {self.bias_gradient(layer, j)}")

    def gradient_names(self) -> list[str]:
        return [f"g_{p}" for p in self.trained_params]

    def batch_update(self) -> None:
        self.emit(f"# update ({self.c.update})")
        for p in self.trained_params:
            if self.c.update == "batch_mean":
                self.emit(f"{p} -= lr * (g_{p} / n)")
            else:
                self.emit(f"{p} -= lr * g_{p}")

    def backward_and_update(self) -> None:
        """One sample's backward pass; online, its update too; batch, its gradients added."""
        top = self.n_layers - 1
        if self.c.update == "online" and self.c.hidden_gradients == "after_output_update":
            self.output_deltas()
            self.online_update(top)
            for layer in range(top - 1, -1, -1):
                self.hidden_deltas(layer)
                self.online_update(layer)
            return
        self.output_deltas()
        for layer in range(top - 1, -1, -1):
            self.hidden_deltas(layer)
        if self.c.update == "online":
            for layer in range(self.n_layers):
                self.online_update(layer)
        else:
            self.accumulate(first=self.c.single_sample)

    def check(self, first_epoch_too: bool, done: str) -> None:
        """Return when the loss or a trained parameter is non-finite (see the module doc).

        `done` is the number of epochs completed to report. Only the checked variant tests.
        """
        if not self.checked:
            return
        self.emit_joined("s = ", ["E", *self.trained_params], " + ")
        self.emit("if s - s != 0.0:" if first_epoch_too else "if s - s != 0.0 and epoch:")
        self.depth += 1
        self.emit_joined("params = [", self.all_params, ", ", "]", brackets=None)
        self.emit("if not finite(E, *params):", f"    return params, {done}, True")
        self.depth -= 1

    # -- the function ------------------------------------------------------------------------
    def text(self) -> str:
        c = self.c
        self.emit(
            "def train_epochs(params, samples, lr, epochs, push, exp, log, log1p, tanh, finite):"
        )
        self.depth = 1
        self.emit(
            '"""Up to `epochs` epochs from `params` for this configuration:',
            "",
            _config_label(c),
            "",
            "Pushes the loss after each epoch; returns (params, epochs done, non-finite).",
        )
        if self.checked:
            self.emit("Stops after the first epoch that leaves a non-finite loss or parameter.")
        else:
            self.emit("Never stops early (the caller checks the results and replays a block")
            self.emit("with the checked variant if they are not all finite).")
        if c.lagged:
            self.emit(
                "Each epoch's forward pass gives the loss after the epoch before; the caller",
                "drops the first loss pushed (the loss before the first epoch).",
            )
        self.emit('"""')
        self.emit_joined("[", self.all_params, ", ", "] = params", brackets=None)
        if c.single_sample:
            self.emit(f"[({self.sample_vars})] = samples")
        if c.update == "batch_mean":
            self.emit("n = len(samples)")
        # (repeat is a little faster than range where the epoch number is not needed)
        self.emit(
            "for epoch in range(epochs):" if self.checked else "for _ in repeat(None, epochs):"
        )
        self.depth += 1
        if c.lagged:
            self.lagged_epoch()
        else:
            self.online_epoch()
        self.depth -= 1
        if c.lagged:
            self.emit("# the loss after the last epoch")
            self.sample_pass(with_loss=True, train=False)
            self.emit("push(E)")
            self.check(first_epoch_too=True, done="epochs")
        self.emit_joined("return [", self.all_params, ", ", "], epochs, False", brackets=None)
        return "\n".join(self.lines) + "\n"

    def sample_pass(self, with_loss: bool, train: bool) -> None:
        """A loop over the samples (or the one sample): forward, and backward when `train`."""
        if self.c.single_sample:
            self.forward(with_loss, total=None)
            if train:
                self.backward_and_update()
            return
        if with_loss:
            self.emit("E = 0.0")
        if train and self.c.update != "online":
            for g in self.gradient_names():
                self.emit(f"{g} = 0.0")
        self.emit(f"for {self.sample_vars} in samples:")
        self.depth += 1
        self.forward(with_loss, total="E" if with_loss else None)
        if train:
            self.backward_and_update()
        self.depth -= 1

    def lagged_epoch(self) -> None:
        """Batch, or online with one sample: the forward pass sees the last epoch's params."""
        c = self.c
        if c.update == "online":
            # one sample: forward and loss, check, then backward and update
            self.forward(with_loss=True, total=None)
            self.emit("push(E)")
            self.check(first_epoch_too=False, done="epoch")
            self.backward_and_update()
            return
        self.sample_pass(with_loss=True, train=True)
        self.emit("push(E)")
        self.check(first_epoch_too=False, done="epoch")
        self.batch_update()

    def online_epoch(self) -> None:
        """Online with several samples: train on each in turn, then a loss-only pass."""
        self.emit(f"for {self.sample_vars} in samples:")
        self.depth += 1
        self.forward(with_loss=False, total=None)
        self.backward_and_update()
        self.depth -= 1
        self.emit("# the loss after this epoch")
        self.sample_pass(with_loss=True, train=False)
        self.emit("push(E)")
        self.check(first_epoch_too=True, done="epoch + 1")


class _ScalarRunner(_Runner):
    """Runs the generated code in blocks of epochs.

    Each block runs unchecked; if its losses and final parameters are all finite it stands,
    otherwise it is replayed from its start by the checked variant, which stops after the
    first non-finite epoch. Blocks are sized to take some 0.05 s at most, so that a diverging
    run wastes little. Should the generated code ever raise (it is written not to), numpy
    takes over from the start of the block.
    """

    def __init__(self, network: Network, params: Params) -> None:
        config = ScalarConfig.of(network)
        self.network = network
        self.lagged = config.lagged
        self.fast = _compiled(config, checked=False)
        self.checked = _compiled(config, checked=True)
        self.template = params
        self.flat: list[float] = params.flat().tolist()
        self.samples = [
            (*x, *t) for x, t in zip(network.inputs.tolist(), network.targets.tolist(), strict=True)
        ]
        self.learning_rate = float(network.learning_rate)
        work = (len(self.flat) + sum(config.sizes)) * network.n_samples
        self.block = max(1, min(_MAX_BLOCK, _BLOCK_WORK // max(work, 1)))
        self.fallback: _NumpyRunner | None = None

    def run(self, epochs: int, losses: array) -> tuple[int, bool]:
        done = 0
        while done < epochs:
            if self.fallback is not None:
                finished, nonfinite = self.fallback.run(epochs - done, losses)
                return done + finished, nonfinite
            size = min(self.block, epochs - done)
            mark = len(losses)
            try:
                flat, _, _ = self.call(self.fast, size, losses)
                if _all_finite(*flat) and _finite_tail(losses, mark):
                    self.flat = flat
                    done += size
                    continue
                del losses[mark:]
                self.flat, finished, nonfinite = self.call(self.checked, size, losses)
            except (ArithmeticError, ValueError):
                del losses[mark:]
                self.fallback = _NumpyRunner(self.network, self.params())
                continue
            return done + finished, nonfinite
        return done, False

    def call(
        self, function: Callable[..., tuple[list[float], int, bool]], epochs: int, losses: array
    ) -> tuple[list[float], int, bool]:
        mark = len(losses)
        result = function(
            self.flat,
            self.samples,
            self.learning_rate,
            epochs,
            losses.append,
            *_MATH,
            _all_finite,
        )
        if self.lagged:
            del losses[mark]  # the loss before the block's first epoch
        return result

    def params(self) -> Params:
        if self.fallback is not None:
            return self.fallback.params()
        return self.template.with_flat(np.array(self.flat, dtype=np.float64))


def _finite_tail(losses: array, start: int) -> bool:
    """Whether losses[start:] are all finite."""
    tail = np.frombuffer(losses, dtype=np.float64, offset=start * losses.itemsize)
    result = bool(np.isfinite(tail).all())
    del tail  # release the buffer, so that `losses` can grow again
    return result


# ---------------------------------------------------------------------------------------------
# The numpy backend


class _NumpyRunner(_Runner):
    """Whole-layer numpy: batch modes take all samples at once, online one at a time.

    Runs under the caller's `np.errstate(all="ignore")`.
    """

    def __init__(self, network: Network, params: Params) -> None:
        self.network = network
        self.weights = [np.array(w, dtype=np.float64) for w in params.weights]
        self.biases = [np.array(b, dtype=np.float64) for b in params.biases]
        self.activations = [layer.activation for layer in network.layers]
        self.inputs = np.ascontiguousarray(network.inputs, dtype=np.float64)
        self.targets = np.ascontiguousarray(network.targets, dtype=np.float64)
        self.rows = [self.inputs[s] for s in range(network.n_samples)]
        self.target_rows = [self.targets[s] for s in range(network.n_samples)]
        self.lr = float(network.learning_rate)
        self.loss = network.loss
        self.simplified = (network.loss, self.activations[-1]) in (
            ("bce", "sigmoid"),
            ("cross_entropy", "softmax"),
        )
        self.trained = [*self.weights, *(self.biases if network.train_biases else [])]

    def params(self) -> Params:
        return Params.of(self.weights, self.biases)

    # -- pieces ------------------------------------------------------------------------------
    def forward(self, a: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Nets and outs of every layer for a sample (1-D) or all samples (rows)."""
        nets, outs = [], []
        for w, b, activation in zip(self.weights, self.biases, self.activations, strict=True):
            net = a @ w.T
            if b.size:
                net += b
            a = _activate(activation, net)
            nets.append(net)
            outs.append(a)
        return nets, outs

    def total_loss(self, net: np.ndarray, out: np.ndarray) -> float:
        """The loss summed over all samples (2-D nets and outs), as `passes.total_loss`."""
        terms = _loss_terms(self.loss, net, out, self.targets)
        return float(np.sum(np.sum(terms, axis=-1)))

    def output_delta(self, net: np.ndarray, out: np.ndarray, t: np.ndarray) -> np.ndarray:
        if self.simplified:
            return out - t
        g = _loss_derivative(self.loss, out, t)
        if self.activations[-1] == "softmax":
            dot = np.sum(g * out, axis=-1, keepdims=True)
            return out * (g - dot)
        return _times_derivative(g, self.activations[-1], net, out)

    def nonfinite(self, loss: float) -> bool:
        total = loss + sum(float(np.sum(p)) for p in self.trained)
        if math.isfinite(total):
            return False
        return not (math.isfinite(loss) and all(bool(np.all(np.isfinite(p))) for p in self.trained))

    # -- epochs ------------------------------------------------------------------------------
    def run(self, epochs: int, losses: array) -> tuple[int, bool]:
        if self.network.update == "online":
            return self.run_online(epochs, losses)
        return self.run_batch(epochs, losses)

    def run_batch(self, epochs: int, losses: array) -> tuple[int, bool]:
        """Each epoch's forward pass gives the loss after the epoch before."""
        x = self.inputs
        n_layers = len(self.weights)
        train_biases = self.network.train_biases
        mean = self.network.update == "batch_mean"
        count = x.shape[0]
        lr = self.lr
        for epoch in range(epochs):
            nets, outs = self.forward(x)
            loss = self.total_loss(nets[-1], outs[-1])
            if epoch:  # the loss after the epoch before, which the chunk has not tested yet
                losses.append(loss)
                if self.nonfinite(loss):
                    return epoch, True
            delta = self.output_delta(nets[-1], outs[-1], self.targets)
            for layer in range(n_layers - 1, -1, -1):
                below = x if layer == 0 else outs[layer - 1]
                grad_w = delta.T @ below
                grad_b = _bias_gradient(self.biases[layer], delta) if train_biases else None
                if layer > 0:
                    g = delta @ self.weights[layer]
                    delta = _times_derivative(
                        g, self.activations[layer - 1], nets[layer - 1], below
                    )
                if mean:
                    grad_w /= count
                self.weights[layer] -= lr * grad_w
                if grad_b is not None:
                    if mean:
                        grad_b /= count
                    self.biases[layer] -= lr * grad_b
        nets, outs = self.forward(x)
        loss = self.total_loss(nets[-1], outs[-1])
        if epochs:
            losses.append(loss)
        return epochs, bool(epochs) and self.nonfinite(loss)

    def run_online(self, epochs: int, losses: array) -> tuple[int, bool]:
        n_layers = len(self.weights)
        eager = self.network.hidden_gradients == "after_output_update"
        train_biases = self.network.train_biases
        weights = self.weights
        deltas: list[np.ndarray] = [np.zeros(0)] * n_layers
        for epoch in range(epochs):
            for x, t in zip(self.rows, self.target_rows, strict=True):
                nets, outs = self.forward(x)
                delta = self.output_delta(nets[-1], outs[-1], t)
                for layer in range(n_layers - 1, -1, -1):
                    if layer < n_layers - 1:
                        g = delta @ weights[layer + 1]  # already updated when eager
                        delta = _times_derivative(
                            g, self.activations[layer], nets[layer], outs[layer]
                        )
                    deltas[layer] = delta
                    if eager:
                        self.update_one(
                            layer, delta, x if layer == 0 else outs[layer - 1], train_biases
                        )
                if not eager:
                    for layer in range(n_layers):
                        self.update_one(
                            layer, deltas[layer], x if layer == 0 else outs[layer - 1], train_biases
                        )
            nets, outs = self.forward(self.inputs)
            loss = self.total_loss(nets[-1], outs[-1])
            losses.append(loss)
            if self.nonfinite(loss):
                return epoch + 1, True
        return epochs, False

    def update_one(
        self, layer: int, delta: np.ndarray, below: np.ndarray, train_biases: bool
    ) -> None:
        self.weights[layer] -= self.lr * np.outer(delta, below)
        if train_biases and self.biases[layer].size:
            self.biases[layer] -= self.lr * _bias_gradient(self.biases[layer], delta)


def _activate(name: str, net: np.ndarray) -> np.ndarray:
    """`functions.activate` without its per-call errstate (the caller holds one)."""
    if name == "sigmoid":
        e = np.exp(-np.abs(net))
        return np.where(net >= 0, 1.0, e) / (1.0 + e)  # 1/(1+e) or e/(1+e)
    if name == "tanh":
        return np.tanh(net)
    if name == "relu":
        return np.maximum(net, 0.0)
    if name == "linear":
        return net.copy()
    if name == "softmax":
        e = np.exp(net - np.max(net, axis=-1, keepdims=True))
        return e / np.sum(e, axis=-1, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")


def _times_derivative(g: np.ndarray, name: str, net: np.ndarray, out: np.ndarray) -> np.ndarray:
    """g · ∂out/∂net, elementwise (as `functions.derivative`)."""
    if name == "sigmoid":
        return g * (out * (1.0 - out))
    if name == "tanh":
        return g * (1.0 - out * out)
    if name == "relu":
        return g * (net > 0)
    if name == "linear":
        return g
    raise ValueError(f"unknown activation {name!r}")


def _loss_terms(loss: str, net: np.ndarray, out: np.ndarray, t: np.ndarray) -> np.ndarray:
    """`functions.loss_terms` without its per-call errstate."""
    if loss == "half_sse":
        return 0.5 * (t - out) ** 2
    if loss == "sse":
        return (t - out) ** 2
    if loss == "mse":
        return (t - out) ** 2 / out.shape[-1]
    if loss == "bce":
        tail = np.log1p(np.exp(-np.abs(net)))
        return t * (np.maximum(-net, 0.0) + tail) + (1.0 - t) * (np.maximum(net, 0.0) + tail)
    if loss == "cross_entropy":
        shifted = net - np.max(net, axis=-1, keepdims=True)
        logp = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        return np.where(t == 0, 0.0, -t * logp)
    raise ValueError(f"unknown loss {loss!r}")


def _loss_derivative(loss: str, out: np.ndarray, t: np.ndarray) -> np.ndarray:
    """∂E/∂out for the losses that do not take the simplified output δ."""
    if loss == "half_sse":
        return -(t - out)
    if loss == "sse":
        return -2.0 * (t - out)
    if loss == "mse":
        return -2.0 * (t - out) / out.shape[-1]
    raise ValueError(f"no plain ∂E/∂out for {loss!r} here")  # pragma: no cover


def _bias_gradient(bias: np.ndarray, delta: np.ndarray) -> np.ndarray | float:
    """∂E/∂b of a layer's biases: δ (per neuron), or the sum of all δ (shared), summed over
    the samples when `delta` has one row per sample."""
    if bias.size == 0:
        return 0.0
    if bias.size == 1 and delta.shape[-1] != 1:
        return float(np.sum(delta))
    return np.sum(delta, axis=0) if delta.ndim == 2 else delta
