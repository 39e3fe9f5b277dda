"""Changing one number of a network: a weight or bias, an input, a target, the learning rate.

`parse_edit` reads what the user typed (`w5 = 0.3`, `i1 = 0.2`, `t_o1 = 0.5`, `eta = 0.4`, and
for a net of several samples `s2.i1 = 0.2`); `apply_edit` gives the new parameters or the new
network, checked by the loader's own rules (a bad value is one line naming what was expected).
`network_toml` writes a network with the parameters it has at some epoch as a network file
that `bptui` opens.
"""

from __future__ import annotations

import math
import re
from typing import Any

from bptui.engine.errors import BptuiError
from bptui.engine.network import Network, Params
from bptui.records import dataclass

LEARNING_RATE = ("eta", "η", "learning_rate", "lr")
_EDIT = re.compile(r"\s*(?:s(?P<sample>\d{1,6})\.)?(?P<name>[^\s=]+)\s*=\s*(?P<value>\S.*?)\s*")
MAX_TEXT = 200


class EditError(BptuiError):
    """What the user typed changes nothing (the message says what was expected)."""


@dataclass(frozen=True)
class Edit:
    """One number to change: a parameter, an input or target of a sample, or η."""

    kind: str  # param | input | target | learning_rate
    name: str  # w5, i1, t_o1 (the target of o1), learning_rate
    value: float
    sample: int = 0  # 0-based, for an input or a target

    def describe(self) -> str:
        where = f"s{self.sample + 1}." if self.kind in ("input", "target") else ""
        return f"{where}{self.name} = {self.value!r}"


def parse_edit(network: Network, text: str, sample: int = 0) -> Edit:
    """The edit `text` names (`w5 = 0.3`); inputs and targets are the given sample's unless
    the name says which (`s2.i1 = 0.2`)."""
    if len(text) > MAX_TEXT:
        raise EditError(f"{len(text):,} characters is too long: type NAME = VALUE (w5 = 0.3)")
    match = _EDIT.fullmatch(text)
    if match is None:
        raise EditError("type NAME = VALUE (w5 = 0.3, i1 = 0.2, t_o1 = 0.5, eta = 0.4)")
    name, raw = match["name"], match["value"].replace("−", "-")
    if match["sample"] is not None:
        sample = int(match["sample"]) - 1
        if not 0 <= sample < network.n_samples:
            raise EditError(f"sample {sample + 1} is not among the {network.n_samples:,} samples")
    try:
        # (Python's float takes 1_0 as 10 and other scripts' digits, ٣.٥ as 3.5; compare
        # files and network files refuse both: the second hostile trial)
        if "_" in raw or not raw.isascii():
            raise ValueError(raw)
        value = float(raw)
    except ValueError:
        raise EditError(f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise EditError(f"{name}: expected a finite number, found {raw}")
    if name.lower() in LEARNING_RATE:
        return Edit("learning_rate", "learning_rate", value)
    if name in network.input_names:
        return Edit("input", name, value, sample)
    outputs = network.layers[-1].names
    if name.startswith("t_") and name[2:] in outputs:
        return Edit("target", name, value, sample)
    try:
        network.param(name)
    except KeyError:
        known = [ref.name for ref in network.param_refs][:6]
        raise EditError(
            f"no parameter, input or target is called {name!r} (try {', '.join(known)}, "
            f"{network.input_names[0]}, t_{outputs[0]} or eta)"
        ) from None
    return Edit("param", name, value)


def apply_edit(
    network: Network, params: Params, edit: Edit, document_of
) -> tuple[Params | None, Network | None]:
    """(new parameters, None) for a parameter's edit, (None, new network) for the others.
    `document_of(network)` gives the network as the loader's document (sessions' writer);
    the new network is the loader's reading of the changed document, so that its rules (a
    positive learning rate, bce's targets in [0, 1], cross-entropy's summing to 1) hold."""
    from bptui.engine.loader import parse_document

    if edit.kind == "param":
        ref = network.param(edit.name)
        flat = params.flat().copy()
        flat[ref.flat_index] = edit.value
        return params.with_flat(flat), None
    document: dict[str, Any] = document_of(network)
    if edit.kind == "learning_rate":
        document["learning_rate"] = edit.value
    else:
        key = "inputs" if edit.kind == "input" else "targets"
        names = network.input_names if edit.kind == "input" else network.layers[-1].names
        unit = list(names).index(edit.name if edit.kind == "input" else edit.name[2:])
        document["samples"][edit.sample][key][unit] = edit.value
    try:
        changed = parse_document(document, source="the edit", default_name=network.name)
    except BptuiError as error:
        message = str(error).removeprefix("the edit: ")
        raise EditError(message) from None
    return None, changed


# ---------------------------------------------------------------------------------------------
# Writing a network file


def network_toml(document: dict[str, Any], comment: str = "") -> str:
    """A network document (the loader's keys) as TOML that reads back to the same numbers."""
    lines = [f"# {line}" for line in comment.splitlines()] if comment else []
    tables = {"layers", "samples", "optimizer"}
    for key, value in document.items():
        if key not in tables:
            lines.append(f"{key} = {_toml(value)}")
    if "optimizer" in document:
        lines += ["", "[optimizer]"]
        lines += [f"{key} = {_toml(value)}" for key, value in document["optimizer"].items()]
    for layer in document["layers"]:
        lines += ["", "[[layers]]"]
        lines += [f"{key} = {_toml(value)}" for key, value in layer.items()]
    for sample in document["samples"]:
        lines += ["", "[[samples]]"]
        lines += [f"{key} = {_toml(value)}" for key, value in sample.items()]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)  # (the shortest text that reads back as this float64)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        escaped = "".join(
            c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
            for c in escaped
        )
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")
