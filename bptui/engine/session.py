"""Saved debugging sessions (`.bptui` files): the network, the history, and where the user was.

A session is JSON: `{"format": "bptui-session", "version": 1, ...}` holding the network as
loaded (its full document, never a path), the settings, the position, the pinned parameter,
the breakpoints and the history (checkpointed parameters and the loss after every epoch).
Numbers are written with Python's shortest round-trip repr, so parameters come back bit for bit;
non-finite ones as "nan", "inf", "-inf".

Saving is atomic: a temporary file in the target's directory is written, flushed, fsynced and
`os.replace`d over the target, so a failure at any point leaves the old file byte-identical and
no temporary file behind. A file that exists and is not a bptui session is never replaced.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from bptui.engine.breakpoints import KINDS, Breakpoint
from bptui.engine.errors import BptuiError
from bptui.engine.history import History
from bptui.engine.loader import parse_document
from bptui.engine.network import Network
from bptui.engine.passes import bias_vector
from bptui.engine.sessionfile import FORMAT, SUFFIX, VERSION  # noqa: F401 (re-exported)


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


# ---------------------------------------------------------------------------------------------
# Numbers and networks as JSON


def _num(value: float) -> float | str:
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _float(value: Any, where: str) -> float:
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: expected a number")
    return float(value)


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
        layers.append(entry)
    return {
        "name": network.name,
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


# ---------------------------------------------------------------------------------------------
# Saving


def session_document(session: Session) -> dict[str, Any]:
    history = session.history
    state = history.export_state()
    first = state["networks"][0][1]
    return {
        "format": FORMAT,
        "version": VERSION,
        "network": network_document(first),
        "settings": {
            "precision": session.precision,
            "orders": [[start, net.hidden_gradients] for start, net in state["networks"]],
        },
        "position": {"epoch": session.epoch, "index": session.index},
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
                str(epoch): [_num(v) for v in params.flat()]
                for epoch, params in sorted(state["checkpoints"].items())
            },
            "losses": [_num(v) for v in state["losses"]],
            "nonfinite_epoch": state["nonfinite_epoch"],
        },
    }


def save_session(session: Session, path: str | Path) -> Path:
    """Write the session atomically; refuse to replace a file that is not a session."""
    from bptui.engine.source import session_on_disk

    target = Path(path)
    try:
        existing = session_on_disk(target)
    except OSError as error:
        raise BptuiError(f"{target}: cannot be written: {error.strerror}") from None
    if existing is False:
        raise BptuiError(f"{target}: exists and is not a bptui session; not replaced")
    text = json.dumps(session_document(session), ensure_ascii=False, allow_nan=False)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=directory
        )
    except OSError as error:
        raise BptuiError(f"{target}: cannot be written: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise BptuiError(f"{target}: cannot be written: {error.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


# ---------------------------------------------------------------------------------------------
# Opening


def load_session(path: str | Path) -> Session:
    """Read a session file; a corrupt, truncated or newer one raises a one-line BptuiError."""
    from bptui.engine.source import MAX_SESSION_BYTES, Source, read_limited

    source = Path(path)
    data = read_limited(source, MAX_SESSION_BYTES, "session file")
    return session_from_source(Source(str(source), data, source.suffix.lower(), source.stem))


def session_from_source(source) -> Session:
    """The session in an already read `Source` (see `bptui.engine.source`)."""
    name = source.name
    try:
        document = json.loads(source.data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BptuiError(f"{name}: not a readable bptui session (corrupt or truncated)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BptuiError(f"{name}: not a bptui session")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BptuiError(f"{name}: version: expected a whole number")
    if version > VERSION:
        raise BptuiError(
            f"{name}: a version {version} session; this bptui reads version "
            f"{VERSION} (upgrade bptui)"
        )
    try:
        return _session_from(document, name)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        raise BptuiError(f"{name}: not a valid bptui session ({error})") from None


def _session_from(document: dict[str, Any], source: str) -> Session:
    network = parse_document(
        document["network"], source=f"{source}: network", default_name="session"
    )
    settings = document["settings"]
    orders = [(int(start), str(order)) for start, order in settings["orders"]]
    networks = [
        (start, replace(network, hidden_gradients=order, param_refs=network.param_refs))
        for start, order in orders
    ]
    saved = document["history"]
    shapes = network.params
    checkpoints = {}
    for epoch, flat in saved["checkpoints"].items():
        values = [_float(v, f"history.checkpoints.{epoch}") for v in flat]
        if len(values) != network.n_params:
            raise ValueError(
                f"history.checkpoints.{epoch}: {len(values)} numbers, expected {network.n_params}"
            )
        checkpoints[int(epoch)] = shapes.with_flat(np.array(values))
    losses = [_float(v, "history.losses") for v in saved["losses"]]
    nonfinite = saved.get("nonfinite_epoch")
    history = History.from_state(
        networks,
        int(saved["every"]),
        checkpoints,
        losses,
        None if nonfinite is None else int(nonfinite),
    )
    position = document["position"]
    breakpoints = []
    for entry in document["breakpoints"]:
        if entry["kind"] not in KINDS:
            raise ValueError(f"breakpoints: unknown kind {entry['kind']!r}")
        threshold = entry.get("threshold")
        breakpoints.append(
            Breakpoint(
                entry["kind"],
                entry.get("param"),
                None if threshold is None else _float(threshold, "threshold"),
                bool(entry.get("enabled", True)),
            )
        )
    pinned = document.get("pinned")
    if pinned is not None:
        network.param(pinned)
    epoch, index = int(position["epoch"]), int(position["index"])
    if epoch < 1 or index < 0:
        raise ValueError("position: out of range")
    return Session(
        history,
        epoch,
        index,
        pinned,
        breakpoints,
        int(settings.get("precision", 9)),
        str(document.get("message", "")),
    )
