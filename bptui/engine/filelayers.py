"""A network file's layers and optimizer: the number of inputs, each layer's size and keys, and
the [optimizer] table's settings, each checked with the key path of a bad value.
"""

from __future__ import annotations

from typing import Any

from bptui.engine.filecheck import LAYER_KEYS, MAX_NEURONS, _Checker, _count, _type_name
from bptui.engine.filesamples import FILE_KEY, _CsvSamples
from bptui.engine.ops import ACTIVATIONS, OPTIMIZERS


def _optimizer(c: _Checker, raw: Any) -> tuple[str, tuple]:
    """The [optimizer] table: its name and the settings it gives (torch's rules)."""
    if raw is None:
        return "sgd", ()
    if not isinstance(raw, dict):
        raise c.fail("optimizer", f"expected a table of keys, found {_type_name(raw)}")
    if "name" not in raw:
        raise c.fail("optimizer.name", f"missing; expected one of {', '.join(OPTIMIZERS)}")
    name = c.choice(raw["name"], "optimizer.name", tuple(OPTIMIZERS))
    op = OPTIMIZERS[name]
    table = c.table(raw, "optimizer", {"name", *op.settings}, f"the {name} optimizer's settings")
    settings: list[tuple[str, Any]] = []
    for key in op.settings:
        if key not in table:
            continue
        where = f"optimizer.{key}"
        if key == "betas":
            pair = c.vector(table[key], where, 2, "β1 and β2")
            for k, beta in enumerate(pair):
                if not 0.0 <= beta < 1.0:
                    raise c.fail(f"{where}[{k}]", f"expected 0 ≤ β < 1, found {beta:g}")
            settings.append((key, (pair[0], pair[1])))
            continue
        value = c.number(table[key], where)
        if value < 0:
            raise c.fail(where, f"expected a number ≥ 0, found {value:g}")
        settings.append((key, value))
    if name == "nesterov" and dict(settings).get("momentum", 1.0) <= 0:
        raise c.fail("optimizer.momentum", "nesterov needs a momentum above 0 (as torch does)")
    return name, tuple(settings)


def _input_count(
    c: _Checker, doc: dict, layers: list[dict], samples: list[dict], csv: _CsvSamples | None
) -> tuple[int, str]:
    """The number of inputs, and the key it was read from."""
    if "input_names" in doc:
        count = len(c.array(doc["input_names"], "input_names", "a list of names"))
        key = "input_names"
    elif "weights" in layers[0]:
        rows = c.array(layers[0]["weights"], "layers[0].weights", "a list of rows")
        if not rows:
            raise c.fail("layers[0].weights", "expected at least one row, found an empty list")
        first = c.array(rows[0], "layers[0].weights[0]", "a list of numbers")
        count, key = len(first), "layers[0].weights[0]"
    elif csv is not None:
        # by position: the columns left of the outputs' (the last layer's size)
        last = len(layers) - 1
        outputs = _layer_size(c, layers[last], f"layers[{last}]", None)
        count, key = len(csv.table.header) - outputs, FILE_KEY
        if count < 1:
            raise csv.fail(
                c,
                f"expected at least {outputs + 1} columns (the inputs, then {outputs} "
                f"target{'s' if outputs != 1 else ''}), found {len(csv.table.header)}",
            )
    else:
        inputs = samples[0].get("inputs")
        if inputs is None:
            raise c.fail("samples[0].inputs", "missing; a sample needs inputs and targets")
        count = len(c.array(inputs, "samples[0].inputs", "a list of numbers"))
        key = "samples[0].inputs"
    if count == 0:
        raise c.fail(key, "expected at least one input, found none")
    if count > MAX_NEURONS:
        raise c.fail(key, f"{count:,} inputs is over the limit of {MAX_NEURONS:,} neurons a layer")
    return count, key


def _layer_size(
    c: _Checker, layer: dict, key: str, n_in: int | None, size_of: str = "the layer before"
) -> int:
    """The layer's number of neurons; its weights' rows checked to hold `n_in` numbers each
    (unless None), `size_of` saying where that number comes from."""
    if "weights" in layer and "size" in layer:
        raise c.fail(f"{key}.size", "give either weights or size, not both")
    if "weights" in layer:
        rows = c.array(
            layer["weights"], f"{key}.weights", "a list of rows, one per neuron", MAX_NEURONS
        )
        if not rows:
            raise c.fail(f"{key}.weights", "expected at least one row, found an empty list")
        for j, row in enumerate(rows):
            items = c.array(row, f"{key}.weights[{j}]", "a list of numbers")
            if n_in is not None and len(items) != n_in:
                raise c.fail(
                    f"{key}.weights[{j}]",
                    f"expected {_count(n_in, 'number')} (the size of {size_of}), "
                    f"found {len(items)}",
                )
        return len(rows)
    if "size" in layer:
        size = layer["size"]
        if isinstance(size, int) and not isinstance(size, bool) and size > MAX_NEURONS:
            raise c.fail(
                f"{key}.size",
                f"{size:,} neurons is over the limit of {MAX_NEURONS:,} neurons a layer",
            )
        return c.integer(size, f"{key}.size", 1, MAX_NEURONS)
    raise c.fail(f"{key}.weights", "missing; give weights (a list of rows) or size")


def _layer_keys(layer: Any) -> set[str]:
    """The keys a layer may hold: the common ones and its activation's parameters."""
    name = layer.get("activation") if isinstance(layer, dict) else None
    op = ACTIVATIONS.get(name) if isinstance(name, str) else None
    return LAYER_KEYS | set(op.parameters) if op is not None else LAYER_KEYS
