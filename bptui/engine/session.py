"""Saved debugging sessions (`.bptui` files): the network, the history, and where the user was.

A session is JSON: `{"format": "bptui-session", "version": 1, ...}` holding the network as
loaded (its full document, never a path), the settings, the position, the pinned parameter,
the breakpoints and the history (checkpointed parameters and the loss after every epoch).
Numbers are written with Python's shortest round-trip repr, so parameters come back bit for bit;
non-finite ones as "nan", "inf", "-inf".

Saving is atomic: a temporary file in the target's directory (`.NAME.<pid>.<random>.tmp`) is
written, flushed, fsynced and `os.replace`d over the target, so a failure at any point leaves the
old file byte-identical and no temporary file behind. A save killed halfway (kill -9) leaves its
temporary; the next save to that target removes those whose process is gone, never a running
one's. The file gets mode 0666 less the umask, as any file the user writes. A file that exists
and is not a bptui session (nor a regular file: a FIFO, a device) is never replaced nor opened
for writing, and every failure (a name too long, a directory that cannot be searched or written,
a full disk) is one line naming the file.

Opening checks the whole document before anything uses it: see `bptui.engine.sessioncheck`.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, field
from pathlib import Path
from typing import Any

import numpy as np

from bptui.engine.atomic import regular_file_or_none, write_atomic
from bptui.engine.breakpoints import Breakpoint
from bptui.engine.errors import BptuiError
from bptui.engine.history import History
from bptui.engine.network import Network
from bptui.engine.passes import bias_vector
from bptui.engine.sessionfile import FORMAT, SUFFIX, VERSION  # noqa: F401 (re-exported)
from bptui.records import dataclass

LOWER_VIEWS = ("diagram", "table", "chain", "plot")
"""At small sizes, the panel that fills the lower part of the screen (`v` switches)."""
PLOTS = ("loss", "norms")
"""What the plot panel shows (`G` switches)."""


@dataclass(frozen=True)
class View:
    """How the screen shows things, which the keys change: the words under a step (`y`), the
    finite differences (`f`), the plot (`G`) and each plot's scale (`L`), and the panel that
    fills a small screen (`v`)."""

    why: bool = True
    finite_differences: bool = True
    plot: str = "loss"
    loss_log: bool = True
    norms_log: bool = True
    lower: str = "diagram"


@dataclass
class Session:
    """Everything a session file holds, in the engine's own types."""

    history: History
    epoch: int = 1
    index: int = 0
    pinned: str | None = None
    breakpoints: list[Breakpoint] = field(default_factory=list)
    precision: int = 9
    message: str = ""  # the status line's run message ("after epoch N: loss …")
    predict: bool = False  # predict mode on
    answers: list[tuple[int, int, str]] = field(default_factory=list)
    """Predict mode's answers: (epoch, step index, the text typed; "" for a step skipped)."""
    view: View = View()


# ---------------------------------------------------------------------------------------------
# Numbers and networks as JSON


def _numbers(values) -> list[float | str]:
    """Numbers as a session writes them (`_num`), the finite ones at C speed."""
    array = np.asarray(values, dtype=np.float64)
    if np.isfinite(array).all():
        return array.tolist()
    return [_num(v) for v in array.tolist()]


def _num(value: float) -> float | str:
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def network_document(network: Network) -> dict[str, Any]:
    """The network as a document the loader reads back into the same network, bit for bit."""
    layers = []
    for layer, w, b in zip(
        network.layers, network.params.weights, network.params.biases, strict=True
    ):
        entry: dict[str, Any] = {
            "activation": layer.activation,
            "weights": [[float(v) for v in row] for row in w],
            "names": list(layer.names),
        }
        if layer.bias == "shared":
            entry["bias"] = float(b[0])
        elif layer.bias == "neuron":
            entry["biases"] = [float(v) for v in bias_vector(b, layer.n_out)]
        entry.update((key, float(value)) for key, value in layer.options)
        layers.append(entry)
    document: dict[str, Any] = {
        "name": network.name,
        **({"description": network.description} if network.description else {}),
        "learning_rate": network.learning_rate,
        "loss": network.loss,
        "update": network.update,
        "train_biases": network.train_biases,
        "hidden_gradients": network.hidden_gradients,
        "seed": network.seed,
        "input_names": list(network.input_names),
        "layers": layers,
        "samples": [
            {"inputs": [float(v) for v in x], "targets": [float(v) for v in t]}
            for x, t in zip(network.inputs, network.targets, strict=True)
        ],
    }
    if network.optimizer != "sgd" or network.optimizer_settings:
        optimizer: dict[str, Any] = {"name": network.optimizer}
        for key, value in network.optimizer_settings:
            optimizer[key] = list(value) if isinstance(value, tuple) else float(value)
        document["optimizer"] = optimizer
    return document


# ---------------------------------------------------------------------------------------------
# Saving


def session_document(session: Session) -> dict[str, Any]:
    """The session as the JSON document a `.bptui` file holds.

    Nothing past the end of the history is written: the end is the epoch after the last one
    with a loss. The position and the hidden-gradient orders are there, except after a
    non-finite epoch, which stops the history from growing while the screen may still go further
    (to epoch 900 of a history of 12): the position is then saved at the end of the history, and
    an order chosen past it is dropped (a session never makes reopening replay past its end).
    """
    from bptui.engine.trace import step_count

    history = session.history
    state = history.export_state()
    first = state["networks"][0][1]
    end = len(state["losses"]) + 1
    networks = [(start, net) for start, net in state["networks"] if start <= end]
    epoch, index = session.epoch, session.index
    if epoch > end:
        network = next(net for start, net in reversed(networks) if start <= end)
        epoch, index = end, min(index, step_count(network) - 1)
    changed = [
        {
            "epoch": start,
            "learning_rate": net.learning_rate,
            "inputs": [[float(v) for v in x] for x in net.inputs],
            "targets": [[float(v) for v in y] for y in net.targets],
        }
        for start, net in networks[1:]
        if not _same_values(net, first)
    ]
    viewed = session.view != View()
    predicted = session.predict or bool(session.answers) or bool(changed) or viewed
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION if predicted else 1,  # (a file bptui 1 reads, unless it holds more)
        "network": network_document(first),
        "settings": {
            "precision": session.precision,
            "orders": [[start, net.hidden_gradients] for start, net in networks],
            **({"view": asdict(session.view)} if viewed else {}),
        },
        "position": {"epoch": epoch, "index": index},
        "pinned": session.pinned,
        "message": session.message,
        "breakpoints": [
            {
                "kind": bp.kind,
                "param": bp.param,
                "threshold": None if bp.threshold is None else _num(bp.threshold),
                "enabled": bp.enabled,
            }
            for bp in session.breakpoints
        ],
        "history": {
            "every": state["every"],
            "checkpoints": {
                str(epoch): _numbers(params.flat())
                for epoch, params in sorted(state["checkpoints"].items())
            },
            "losses": _numbers(state["losses"]),
            "nonfinite_epoch": state["nonfinite_epoch"],
            **_moments_document(first, state["moments"]),
        },
    }
    if changed:
        document["edits"] = changed  # (the values edited from an epoch on: version 2)
    if session.predict or session.answers:
        document["predict"] = {
            "on": session.predict,
            "answers": [
                {"epoch": e, "index": k, "answer": text}
                for e, k, text in session.answers
                if e <= end  # (no answer for an epoch the file holds no history of)
            ],
        }
    return document


def _same_values(network: Network, other: Network) -> bool:
    """Do two networks of one history agree in what an edit can change?"""
    return (
        network.learning_rate == other.learning_rate
        and np.array_equal(network.inputs, other.inputs)
        and np.array_equal(network.targets, other.targets)
    )


def _moments_document(network: Network, moments: dict) -> dict[str, Any]:
    """The optimizer's state at each checkpoint, one list per slot (nothing for plain SGD)."""
    if not network.opt.slots:
        return {}
    return {
        "moments": {
            str(epoch): [_numbers(slot.flat()) for slot in state]
            for epoch, state in sorted(moments.items())
        }
    }


def save_session(session: Session, path: str | Path) -> Path:
    """Write the session atomically (`bptui.engine.atomic`); refuse to replace a file that is
    not a session. Every failure is a one-line BptuiError (see the module's docstring)."""
    _refuse_too_big(path, estimated_bytes(session.history))
    text = json.dumps(session_document(session), ensure_ascii=False, allow_nan=False)
    _refuse_too_big(path, len(text) if text.isascii() else len(text.encode()))
    return write_atomic(path, text, _replaceable_session)


def _refuse_too_big(path: str | Path, size: int) -> None:
    """A session bptui would refuse to read again is not written (over MAX_SESSION_BYTES)."""
    from bptui.engine.atomic import path_text
    from bptui.engine.source import MAX_SESSION_BYTES

    if size > MAX_SESSION_BYTES:
        mib = 1024 * 1024
        raise BptuiError(
            f"{path_text(Path(path))}: not saved: the session would be {size / mib:,.0f} MB, "
            f"over the {MAX_SESSION_BYTES // mib} MB a session file may be (save the network "
            "with w, or go back to an earlier epoch and run fewer)"
        )


def estimated_bytes(history) -> int:
    """About how many bytes the session file of `history` takes, from the lengths of a
    sample of its numbers (within a few per cent; found before the file is written, in
    milliseconds, so that one too big is refused at once rather than after seconds of
    writing): the checkpoints, the network's own parameters and the losses. Never more than the
    file: the estimate is 0.9 of the sampled size."""
    state = history.export_state()
    first = state["networks"][0][1]
    per_checkpoint = first.n_params * (1 + len(first.opt.slots))
    checkpoints = list(state["checkpoints"].values())
    losses = state["losses"]
    if not checkpoints:
        return 0

    def mean_length(values: list[float]) -> float:
        if not values:
            return 0.0
        step = max(1, len(values) // 200)
        sample = values[::step]
        return sum(len(json.dumps(_num(v))) + 2 for v in sample) / len(sample)

    sampled = []
    for params in checkpoints:
        flat = params.flat()
        sampled.extend(flat[:: max(1, len(flat) // 50)].tolist())
    size = (per_checkpoint * len(checkpoints) + first.n_params) * mean_length(sampled)
    size += len(losses) * mean_length(losses)
    return int(0.9 * size)


def _replaceable_session(target: Path, shown: str) -> None:
    """Only a session (or nothing) is replaced by a save."""
    from bptui.engine.source import session_on_disk

    if target.is_dir():  # (as an export says it: "not a bptui session" hid why)
        raise BptuiError(f"{shown}: is a directory; not replaced")
    if session_on_disk(target) is False:
        raise BptuiError(f"{shown}: exists and is not a bptui session; not replaced")


def write_text_atomically(target: Path, text: str) -> Path:
    """Write `text` to `target` atomically, over nothing or a regular file (the caller asks
    before replacing one); every failure is a one-line BptuiError."""
    return write_atomic(target, text, regular_file_or_none)


# ---------------------------------------------------------------------------------------------
# Opening


def load_session(path: str | Path) -> Session:
    """Read a session file; a corrupt, truncated, tampered or newer one raises a one-line
    BptuiError naming the file and the key path at fault."""
    from bptui.engine.source import MAX_SESSION_BYTES, Source, read_limited

    source = Path(path)
    data = read_limited(source, MAX_SESSION_BYTES, "session file")
    return session_from_source(Source(str(source), data, source.suffix.lower(), source.stem))


def session_from_source(source) -> Session:
    """The session in an already read `Source` (see `bptui.engine.source`), checked in full
    before anything uses it (see `bptui.engine.sessioncheck`)."""
    from bptui.engine.sessioncheck import check_session
    from bptui.engine.sessionjson import parse_session

    return check_session(parse_session(source.data, source.name), source.name)
