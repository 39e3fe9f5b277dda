"""Checking a saved session (a `.bptui` file) as strictly as a network file, before any screen
opens.

A session may come from anyone (a teacher hands one out), so nothing in it is trusted: every
key is checked for its type and range, and every problem is one line naming the file, the key
path (`history.checkpoints."21"[3]`, `breakpoints[2].threshold`, `position.epoch`), what was
expected and what was found, like the loader's messages (they share its `_Checker`). Python's
own exception text never reaches the user.

The JSON is parsed by `bptui.engine.sessionjson` (a key given twice, a NaN or Infinity literal
and a whole number of over 20 digits are kept as markers that the check refuses at their key
path); each value is checked with `bptui.engine.sessionchecker._SessionChecker`.

Besides the types, the check holds the history to what `History` itself keeps, so that
reopening can never replay more than a checkpoint interval of epochs: the interval is at most
the network's own (`checkpoint_interval`), there is a checkpoint at epoch 1 + k·every for every
such epoch up to the end of the history, and at the first epoch of every hidden-gradient order.
`bptui.engine.sessionhistory` then replays the checkpoint intervals (about half a second's
worth at most): each must give the saved losses and the next checkpoint.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from bptui.engine.breakpoints import KINDS, Breakpoint
from bptui.engine.filecheck import DuplicatedKeys, _type_name
from bptui.engine.history import History, checkpoint_interval
from bptui.engine.loader import parse_document
from bptui.engine.network import HIDDEN_GRADIENTS, Network, Params
from bptui.engine.numtext import MAX_PRECISION, MIN_PRECISION
from bptui.engine.session import LOWER_VIEWS, PLOTS, Session, View
from bptui.engine.sessionchecker import _SessionChecker
from bptui.engine.sessionfile import FORMAT, VERSION
from bptui.engine.sessionhistory import (
    checkpoints_where_kept,
    losses_agree,
    replays_to_its_losses,
)
from bptui.engine.sessionjson import _quoted
from bptui.engine.trace import step_count
from bptui.engine.updates import Moments, initial_moments

MAX_LOSSES = 10_000_000
MAX_EVERY = 1000
MAX_MESSAGE = 1000
MAX_BREAKPOINTS = 1000


TOP_KEYS = {
    "format",
    "version",
    "network",
    "settings",
    "position",
    "pinned",
    "message",
    "breakpoints",
    "history",
}
SETTINGS_KEYS = {"precision", "orders"}
VIEW_KEYS = {"why", "finite_differences", "plot", "loss_log", "norms_log", "lower"}
POSITION_KEYS = {"epoch", "index"}
HISTORY_KEYS = {"every", "checkpoints", "losses", "nonfinite_epoch", "moments"}
BREAKPOINT_KEYS = {"kind", "param", "threshold", "enabled"}
PREDICT_KEYS = {"on", "answers"}
ANSWER_KEYS = {"epoch", "index", "answer"}
MAX_ANSWERS = 100_000
EPOCH_KEY = re.compile(r"[1-9][0-9]{0,19}")  # canonical: no sign, no leading zero, no space


def check_session(document: Any, name: str) -> Session:
    """The `Session` a parsed session document describes, or a one-line NetworkFileError."""
    c = _SessionChecker(name)
    if not isinstance(document, dict):
        raise c.fail(
            "", f"not a bptui session (expected a JSON object, found {_type_name(document)})"
        )
    c.no_duplicate(document, "")
    if "format" not in document:
        raise c.fail("format", f'missing; not a bptui session (expected "{FORMAT}")')
    if document["format"] != FORMAT:
        raise c.fail("format", f'expected "{FORMAT}", found {_type_name(document["format"])}')
    if "version" not in document:
        raise c.fail("version", f"missing; expected a whole number from 1 to {VERSION}")
    version = document["version"]
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise c.fail(
            "version",
            f"a version {version} session; this bptui reads version {VERSION} (upgrade bptui)",
        )
    c.whole(version, "version", 1, VERSION)
    allowed = TOP_KEYS | {"predict", "edits"} if version >= 2 else TOP_KEYS
    doc = c.table(document, "", allowed, "a bptui session")
    for key in sorted(TOP_KEYS):
        if key not in doc:
            raise c.fail(key, f"missing; a bptui session holds {', '.join(sorted(TOP_KEYS))}")

    network = parse_document(doc["network"], source=f"{name}: network", default_name="session")
    every, checkpoints, losses, nonfinite, moments = _history(c, doc["history"], network)
    settings = c.table(
        doc["settings"],
        "settings",
        SETTINGS_KEYS | {"view"} if version >= 2 else SETTINGS_KEYS,
        "settings",
    )
    for key in sorted(SETTINGS_KEYS):
        if key not in settings:
            holds = ", ".join(sorted(SETTINGS_KEYS))
            raise c.fail(f"settings.{key}", f"missing; settings holds {holds}")
    precision = c.whole(settings["precision"], "settings.precision", MIN_PRECISION, MAX_PRECISION)
    view = _view(c, settings.get("view"))
    networks = _orders(c, settings["orders"], network, checkpoints, len(losses) + 1)
    networks = _edits(c, doc.get("edits"), networks, doc["network"], name)
    checkpoints_where_kept(c, checkpoints, every, {start for start, _ in networks})
    history = History.from_state(networks, every, checkpoints, losses, nonfinite, moments)
    replays_to_its_losses(c, history, checkpoints, losses, nonfinite)

    position = c.section(doc["position"], "position", POSITION_KEYS, "position")
    epoch = c.whole(position["epoch"], "position.epoch", 1, len(losses) + 1)
    steps = step_count(history.network_for(epoch))
    index = c.whole(position["index"], "position.index", 0, steps - 1)

    pinned = doc["pinned"]
    if pinned is not None:
        pinned = c.parameter(pinned, "pinned", network, trained=False)
    message = c.string(doc["message"], "message")
    if len(message) > MAX_MESSAGE:
        raise c.fail(
            "message",
            f"expected at most {MAX_MESSAGE:,} characters, found {len(message):,}",
        )
    c.one_line_text(message, "message")
    breakpoints = _breakpoints(c, doc["breakpoints"], network)
    predict, answers = _predict(c, doc.get("predict"), history, len(losses) + 1)
    return Session(
        history, epoch, index, pinned, breakpoints, precision, message, predict, answers, view
    )


def _view(c: _SessionChecker, value: Any) -> View:
    """The view's settings (the defaults when the file has none)."""
    if value is None:
        return View()
    table = c.section(value, "settings.view", VIEW_KEYS, "the view's settings")
    return View(
        why=c.boolean(table["why"], "settings.view.why"),
        finite_differences=c.boolean(
            table["finite_differences"], "settings.view.finite_differences"
        ),
        plot=c.choice(table["plot"], "settings.view.plot", PLOTS),
        loss_log=c.boolean(table["loss_log"], "settings.view.loss_log"),
        norms_log=c.boolean(table["norms_log"], "settings.view.norms_log"),
        lower=c.choice(table["lower"], "settings.view.lower", LOWER_VIEWS),
    )


def _history(
    c: _SessionChecker, value: Any, network: Network
) -> tuple[int, dict[int, Params], list[float], int | None, dict[int, Moments] | None]:
    """The history's checkpoint interval, checkpoints, losses, first non-finite epoch and the
    optimizer's state at each checkpoint (None for plain SGD, which keeps none)."""
    allowed = HISTORY_KEYS if network.opt.slots else HISTORY_KEYS - {"moments"}
    saved = c.section(value, "history", allowed, "history")
    # at most the network's own interval: a longer one would make reopening replay longer
    most = min(MAX_EVERY, checkpoint_interval(network))
    every = c.whole(saved["every"], "history.every", 1, most)
    losses = c.reals(
        saved["losses"], "history.losses", None, MAX_LOSSES, "losses, one per epoch"
    ).tolist()
    end = len(losses) + 1  # the first epoch without a result
    nonfinite = saved["nonfinite_epoch"]
    if nonfinite is not None:
        if not losses:
            raise c.fail(
                "history.nonfinite_epoch",
                f"expected null (no epoch is done), found {_type_name(nonfinite)}",
            )
        c.whole(nonfinite, "history.nonfinite_epoch", 1, len(losses))
    losses_agree(c, losses, nonfinite)

    key = "history.checkpoints"
    table = saved["checkpoints"]
    if not isinstance(table, dict):
        raise c.fail(key, f"expected a table of epoch: parameters, found {_type_name(table)}")
    if isinstance(table, DuplicatedKeys):
        raise c.fail(f"{key}.{_quoted(table.duplicate)}", "given twice in one JSON object")
    checkpoints = {}
    for text, flat in table.items():
        where = f"{key}.{_quoted(text)}"
        if not EPOCH_KEY.fullmatch(text):
            raise c.fail(
                where,
                f'expected an epoch number as key ("1", "21": no sign, leading zero or space), '
                f"found {_type_name(text)}",
            )
        epoch = int(text)
        if epoch > end:
            raise c.fail(where, f"expected an epoch from 1 to {end:,}, found {epoch:,}")
        numbers = c.reals(flat, where, network.n_params, network.n_params, "parameters")
        checkpoints[epoch] = network.params.with_flat(numbers)
    for epoch in range(1, end + 1, every):
        if epoch not in checkpoints:
            raise c.fail(
                key,
                f'missing "{epoch}": a checkpoint is kept at the start of epoch 1 and every '
                f"{every:,} epochs after it, up to epoch {end:,}",
            )
    moments = _moments(c, saved.get("moments"), network, checkpoints)
    return every, checkpoints, losses, nonfinite, moments


def _moments(
    c: _SessionChecker, table: Any, network: Network, checkpoints: dict[int, Params]
) -> dict[int, Moments] | None:
    """history.moments: for each checkpoint, each optimizer slot's numbers (trained
    parameters only, in table order)."""
    slots = network.opt.slots
    if not slots:
        return None
    key = "history.moments"
    if table is None:
        raise c.fail(key, f"missing; the {network.optimizer} optimizer keeps {', '.join(slots)}")
    if not isinstance(table, dict):
        raise c.fail(key, f"expected a table of epoch: state, found {_type_name(table)}")
    if isinstance(table, DuplicatedKeys):
        raise c.fail(f"{key}.{_quoted(table.duplicate)}", "given twice in one JSON object")
    zeros = initial_moments(network)
    size = zeros[0].flat().size
    result: dict[int, Moments] = {}
    for text, state in table.items():
        where = f"{key}.{_quoted(text)}"
        epoch = int(text) if EPOCH_KEY.fullmatch(text) else None
        if epoch is None or epoch not in checkpoints:
            raise c.fail(where, f"expected the epoch of a checkpoint, found {_type_name(text)}")
        if not isinstance(state, list) or len(state) != len(slots):
            raise c.fail(
                where,
                f"expected {len(slots)} lists ({', '.join(slots)}), found {_type_name(state)}",
            )
        result[epoch] = tuple(
            template.with_flat(c.reals(values, f"{where}[{k}]", size, size, slots[k]))
            for k, (values, template) in enumerate(zip(state, zeros, strict=True))
        )
    for epoch in checkpoints:
        if epoch not in result:
            raise c.fail(key, f'missing "{epoch}": the optimizer\'s state at every checkpoint')
    return result


def _orders(
    c: _SessionChecker, value: Any, network: Network, checkpoints: dict[int, Params], end: int
) -> list[tuple[int, Network]]:
    """The network of each hidden-gradient order, by the first epoch it runs."""
    key = "settings.orders"
    entries = c.array(value, key, "a list of [first epoch, order] pairs")
    if not entries:
        raise c.fail(key, "expected at least one [first epoch, order] pair, found an empty list")
    networks: list[tuple[int, Network]] = []
    for k, entry in enumerate(entries):
        where = f"{key}[{k}]"
        pair = c.array(entry, where, "a [first epoch, order] pair")
        if len(pair) != 2:
            raise c.fail(
                where, f"expected a [first epoch, order] pair, found a list of {len(pair)}"
            )
        low = networks[-1][0] + 1 if networks else 1
        high = end if networks else 1
        if low > high:
            raise c.fail(
                where,
                f"expected no more orders: the one before starts at epoch {end:,}, the end of "
                "the history",
            )
        start = c.whole(pair[0], f"{where}[0]", low, high)
        order = c.choice(pair[1], f"{where}[1]", HIDDEN_GRADIENTS)
        if order == "after_output_update" and network.update != "online":
            raise c.fail(
                f"{where}[1]",
                f'"after_output_update" works with update = "online" only, '
                f'found "{network.update}"',
            )
        if order == "after_output_update" and network.optimizer != "sgd":
            # (as a network file says: the replay of such a history ended in a traceback)
            raise c.fail(
                f"{where}[1]",
                f'"after_output_update" (the post\'s order) applies to plain SGD only, found '
                f'optimizer "{network.optimizer}"',
            )
        if start not in checkpoints:
            raise c.fail(
                f"{where}[0]",
                f'epoch {start:,} starts an order, but history.checkpoints has no "{start}"',
            )
        networks.append(
            (start, replace(network, hidden_gradients=order, param_refs=network.param_refs))
        )
    return networks


EDIT_KEYS = {"epoch", "learning_rate", "inputs", "targets"}


def _edits(
    c: _SessionChecker,
    value: Any,
    networks: list[tuple[int, Network]],
    document: dict[str, Any],
    name: str,
) -> list[tuple[int, Network]]:
    """The values edited from an epoch on (learning rate, inputs, targets), each at the start
    of an order's network, checked as the loader checks a network file's."""
    if value is None:
        return networks
    entries = c.array(value, "edits", "a list of edits", len(networks))
    starts = {start: k for k, (start, _) in enumerate(networks)}
    result = list(networks)
    last = 1
    for k, entry in enumerate(entries):
        key = f"edits[{k}]"
        item = c.section(entry, key, EDIT_KEYS, "an edit")
        if last + 1 > max(starts):  # (it read "expected a whole number from 4 to 3")
            raise c.fail(
                f"{key}.epoch",
                f"an edit after the one at epoch {last:,}, where settings.orders starts no "
                "later network: the edits are in the order of their epochs, one per network",
            )
        epoch = c.whole(item["epoch"], f"{key}.epoch", last + 1, max(starts))
        if epoch not in starts:
            raise c.fail(f"{key}.epoch", f"epoch {epoch:,} starts no network of settings.orders")
        last = epoch
        changed = dict(document)
        changed["learning_rate"] = item["learning_rate"]
        changed["samples"] = [
            {"inputs": x, "targets": y}
            for x, y in zip(
                c.array(item["inputs"], f"{key}.inputs", "the inputs of every sample"),
                c.array(item["targets"], f"{key}.targets", "the targets of every sample"),
                strict=False,
            )
        ]
        start, base = networks[starts[epoch]]
        edited = parse_document(changed, source=f"{name}: {key}", default_name="session")
        if (edited.n_samples, edited.inputs.shape, edited.targets.shape) != (
            base.n_samples,
            base.inputs.shape,
            base.targets.shape,
        ):
            raise c.fail(key, "expected the samples of the session's network, in number and size")
        result[starts[epoch]] = (
            start,
            replace(
                base,
                learning_rate=edited.learning_rate,
                inputs=edited.inputs,
                targets=edited.targets,
                param_refs=base.param_refs,
            ),
        )
    return result


def _predict(
    c: _SessionChecker, value: Any, history: History, end: int
) -> tuple[bool, list[tuple[int, int, str]]]:
    """Predict mode's table: on or off, and the answers (each a number as typed, or "" for
    a step skipped), each at a step of an epoch the history holds."""
    from bptui.engine.predict import MAX_TYPED, NotANumber, read_number
    from bptui.engine.trace import step_count

    if value is None:
        return False, []
    table = c.section(value, "predict", PREDICT_KEYS, "predict mode's table")
    on = c.boolean(table["on"], "predict.on")
    entries = c.array(table["answers"], "predict.answers", "a list of answers", MAX_ANSWERS)
    answers: list[tuple[int, int, str]] = []
    seen: set[tuple[int, int]] = set()
    for k, entry in enumerate(entries):
        key = f"predict.answers[{k}]"
        item = c.section(entry, key, ANSWER_KEYS, "an answer")
        epoch = c.whole(item["epoch"], f"{key}.epoch", 1, end)
        steps = step_count(history.network_for(epoch))
        index = c.whole(item["index"], f"{key}.index", 0, steps - 1)
        text = c.string(item["answer"], f"{key}.answer")
        if len(text) > MAX_TYPED:
            raise c.fail(
                f"{key}.answer", f"expected at most {MAX_TYPED} characters, found {len(text):,}"
            )
        if text:
            try:
                read_number(text)
            except NotANumber as error:
                raise c.fail(
                    f"{key}.answer", f'expected a number or "" (skipped): {error}'
                ) from None
        if (epoch, index) in seen:
            raise c.fail(key, f"a second answer for epoch {epoch:,}, step {index + 1:,}")
        seen.add((epoch, index))
        answers.append((epoch, index, text))
    return on, answers


def _breakpoints(c: _SessionChecker, value: Any, network: Network) -> list[Breakpoint]:
    entries = c.array(value, "breakpoints", "a list of breakpoints", MAX_BREAKPOINTS)
    result = []
    for k, entry in enumerate(entries):
        key = f"breakpoints[{k}]"
        bp = c.section(entry, key, BREAKPOINT_KEYS, "a breakpoint")
        kind = c.choice(bp["kind"], f"{key}.kind", KINDS)
        param, threshold = bp["param"], bp["threshold"]
        if kind == "gradient" or (kind == "gradient_above" and param is not None):
            param = c.parameter(param, f"{key}.param", network, trained=True)
        elif param is not None:
            raise c.fail(
                f"{key}.param",
                f"expected null (a {kind} breakpoint names no parameter), "
                f"found {_type_name(param)}",
            )
        if kind in ("loss_below", "gradient_above"):
            threshold = c.number(threshold, f"{key}.threshold")
            if threshold < 0 or (kind == "loss_below" and threshold == 0):
                least = "above 0" if kind == "loss_below" else "0 or more"
                raise c.fail(f"{key}.threshold", f"expected {least}, found {threshold!r}")
        elif threshold is not None:
            raise c.fail(
                f"{key}.threshold",
                f"expected null (a {kind} breakpoint has no threshold), "
                f"found {_type_name(threshold)}",
            )
        enabled = c.boolean(bp["enabled"], f"{key}.enabled")
        result.append(Breakpoint(kind, param, threshold, enabled))
    return result
