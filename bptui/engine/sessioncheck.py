"""Checking a saved session (a `.bptui` file) as strictly as a network file, before any screen
opens.

A session may come from anyone (a teacher hands one out), so nothing in it is trusted: every
key is checked for its type and range, and every problem is one line naming the file, the key
path (`history.checkpoints."21"[3]`, `breakpoints[2].threshold`, `position.epoch`), what was
expected and what was found, like the loader's messages (they share its `_Checker`). Python's
own exception text never reaches the user.

The JSON is parsed so that nothing costly or ambiguous gets through: a key given twice, a
NaN or Infinity literal (the writer writes non-finite numbers as the strings "nan", "inf",
"-inf") and a whole number of over 20 digits (never given to int()) are each kept as a marker
that the check refuses at its key path; nesting too deep for the parser is refused with the
path where it goes too deep.

Besides the types, the check holds the history to what `History` itself keeps, so that
reopening can never replay more than a checkpoint interval of epochs: the interval is at most
the network's own (`checkpoint_interval`), there is a checkpoint at epoch 1 + k·every for every
such epoch up to the end of the history, and at the first epoch of every hidden-gradient order.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from typing import Any

import numpy as np

from bptui.engine.breakpoints import KINDS, Breakpoint, untrained_message
from bptui.engine.errors import NetworkFileError, one_line
from bptui.engine.filecheck import DuplicatedKeys, UnreadValue, _Checker, _shown, _type_name
from bptui.engine.history import History, checkpoint_interval
from bptui.engine.loader import parse_document
from bptui.engine.network import HIDDEN_GRADIENTS, Network, Params
from bptui.engine.session import Session
from bptui.engine.sessionfile import FORMAT, VERSION
from bptui.engine.trace import step_count
from bptui.engine.updates import Moments, initial_moments

MAX_DIGITS = 20  # a whole number of more digits is refused without calling int()
MAX_DEPTH = 64  # how deep a too deeply nested file is followed to name the place
MAX_PATH = 120  # characters of a key path in a message
MAX_LOSSES = 10_000_000
MAX_EVERY = 1000
MAX_PRECISION = 17
MAX_MESSAGE = 1000
MAX_BREAKPOINTS = 1000
NONFINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}

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
POSITION_KEYS = {"epoch", "index"}
HISTORY_KEYS = {"every", "checkpoints", "losses", "nonfinite_epoch", "moments"}
BREAKPOINT_KEYS = {"kind", "param", "threshold", "enabled"}
PREDICT_KEYS = {"on", "answers"}
ANSWER_KEYS = {"epoch", "index", "answer"}
MAX_ANSWERS = 100_000
EPOCH_KEY = re.compile(r"[1-9][0-9]{0,19}")  # canonical: no sign, no leading zero, no space


# ---------------------------------------------------------------------------------------------
# Parsing


def _whole(text: str) -> int | UnreadValue:
    digits = len(text) - text.startswith("-")
    if digits > MAX_DIGITS:
        return UnreadValue(f"a whole number of {digits:,} digits")
    return int(text)


def _constant(text: str) -> UnreadValue:
    return UnreadValue(f"the JSON literal {text}")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    marked = DuplicatedKeys(result)
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def parse_session(data: bytes, name: str) -> Any:
    """The JSON document in a session's bytes (see the module's docstring)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NetworkFileError(
            name,
            "",
            f"not a readable bptui session: not UTF-8 text (byte 0x{data[error.start]:02x} "
            f"at offset {error.start:,}; corrupt?)",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return json.loads(
            text, parse_int=_whole, parse_constant=_constant, object_pairs_hook=_pairs
        )
    except json.JSONDecodeError as error:
        raise NetworkFileError(
            name,
            "",
            f"not a readable bptui session: JSON syntax error at line {error.lineno:,}, "
            f"column {error.colno:,}: {error.msg} (corrupt or truncated?)",
        ) from None
    except RecursionError:
        raise NetworkFileError(
            name, _deep_path(text), f"nested over {MAX_DEPTH} levels deep"
        ) from None


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*:?|[\[\]{},]', re.S)


def _deep_path(text: str) -> str:
    """The key path of the first place nested over MAX_DEPTH levels (called only when the
    parser gave up on the nesting: a slow walk, but never of a valid file)."""
    stack: list[list[Any]] = []  # per open container: its bracket, and the key or index in it
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == '"':
            if token.endswith(":") and stack and stack[-1][0] == "{":
                stack[-1][1] = token[1 : token.rindex('"')]
        elif first in "[{":
            if len(stack) >= MAX_DEPTH:
                break
            stack.append([first, 0 if first == "[" else None])
        elif first in "]}":
            if stack:
                stack.pop()
        elif stack and stack[-1][0] == "[":
            stack[-1][1] += 1
    path = ""
    for bracket, where in stack:
        if bracket == "[":
            path += f"[{where}]"
        elif path == "history.checkpoints":
            path += f".{_quoted(where)}"
        elif where is not None:
            path = _Checker.key_path(path, where)
        if len(path) > MAX_PATH:
            return path[: MAX_PATH - 3] + "..."
    return path


# ---------------------------------------------------------------------------------------------
# Checking


class _SessionChecker(_Checker):
    """The loader's checks, and those a session needs besides."""

    def no_duplicate(self, value: Any, key: str) -> None:
        if isinstance(value, DuplicatedKeys):
            raise self.fail(self.key_path(key, value.duplicate), "given twice in one JSON object")

    def section(self, document: Any, key: str, allowed: set[str], what: str) -> dict[str, Any]:
        """A table whose keys are all required."""
        table = self.table(document, key, allowed, what)
        for name in sorted(allowed):
            if name not in table:
                raise self.fail(
                    self.key_path(key, name), f"missing; {what} holds {', '.join(sorted(allowed))}"
                )
        return table

    def whole(self, value: Any, key: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, UnreadValue)):
            raise self.fail(key, f"expected a whole number, found {_type_name(value)}")
        if isinstance(value, UnreadValue) or not low <= value <= high:
            raise self.fail(
                key, f"expected a whole number from {low:,} to {high:,}, found {_type_name(value)}"
            )
        return value

    def real(self, value: Any, key: str) -> float:
        """A number, or one of the strings the writer writes for nan and ±inf."""
        if isinstance(value, str) and value in NONFINITE:
            return NONFINITE[value]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(
                key, f'expected a number (or "nan", "inf", "-inf"), found {_type_name(value)}'
            )
        result = float(value)  # (a whole number has at most MAX_DIGITS digits here)
        if not math.isfinite(result):  # a float too large for float64, such as 1e400
            raise self.fail(
                key,
                "expected a number within float64's range (non-finite ones are written "
                '"inf", "-inf"), found a number beyond it',
            )
        return result

    def reals(self, value: Any, key: str, size: int | None, limit: int, what: str) -> np.ndarray:
        """A list of numbers (`real`), checked and converted at C speed when all are floats."""
        items = self.array(value, key, f"a list of {what}", limit)
        if size is not None and len(items) != size:
            raise self.fail(key, f"expected {size:,} numbers ({what}), found {len(items):,}")
        odd: list[int] = []
        numbers = items
        if not set(map(type, items)) <= {float}:
            odd = [k for k, item in enumerate(items) if type(item) is not float]
            numbers = list(items)
            for k in odd:
                numbers[k] = self.real(items[k], f"{key}[{k}]")
        array = np.array(numbers, dtype=np.float64)
        bad = ~np.isfinite(array)
        if odd:
            bad[odd] = False  # "nan", "inf", "-inf" as the writer writes them
        if bad.any():
            k = int(np.argmax(bad))
            self.real(items[k], f"{key}[{k}]")  # raises: a float beyond float64's range
        return array

    def parameter(self, value: Any, key: str, network: Network, trained: bool) -> str:
        name = self.string(value, key)
        try:
            ref = network.param(name)
        except KeyError:
            names = [ref.name for ref in network.param_refs]
            listed = ", ".join(names[:8])
            if len(names) > 8:
                listed += f", ... ({len(names):,} in all)"
            raise self.fail(
                key, f'no parameter named "{_shown(name)}" (parameters: {listed})'
            ) from None
        if trained and not ref.trained:
            raise self.fail(key, untrained_message(name))
        return name


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
    settings = c.section(doc["settings"], "settings", SETTINGS_KEYS, "settings")
    precision = c.whole(settings["precision"], "settings.precision", 0, MAX_PRECISION)
    networks = _orders(c, settings["orders"], network, checkpoints, len(losses) + 1)
    networks = _edits(c, doc.get("edits"), networks, doc["network"], name)
    history = History.from_state(networks, every, checkpoints, losses, nonfinite, moments)

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
    return Session(history, epoch, index, pinned, breakpoints, precision, message, predict, answers)


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


def _quoted(text: str) -> str:
    """A checkpoint's key as a key path shows it: always quoted (`"21"`), shortened."""
    shortened = text if len(text) <= 40 else text[:37] + "..."
    return one_line(json.dumps(shortened, ensure_ascii=False))


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
        elif threshold is not None:
            raise c.fail(
                f"{key}.threshold",
                f"expected null (a {kind} breakpoint has no threshold), "
                f"found {_type_name(threshold)}",
            )
        enabled = c.boolean(bp["enabled"], f"{key}.enabled")
        result.append(Breakpoint(kind, param, threshold, enabled))
    return result
