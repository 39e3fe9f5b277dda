"""Network files (TOML, or JSON with the same keys) and built-in presets.

Every problem in a file is raised as a `NetworkFileError` naming the file, the key path
(`layers[1].weights[0]`, 0-based), what was expected and what was found. Nothing else escapes
`load_network`: each check is explicit, so that a new kind of bad input shows up as a
failing test rather than as a swallowed exception. The file's text is parsed in
`bptui.engine.filetext`, its values checked with `bptui.engine.filecheck` (which holds the
limits), its layers' shapes and its optimizer read in `bptui.engine.filelayers` and its samples
in `bptui.engine.filesamples`; `parse_document` here puts them together into a `Network`.

Layers given by `size` get their weights from `numpy.random.default_rng(seed)`: layer by layer,
in file order, a matrix of U(−a, a) with a = sqrt(6 / (n_in + n_out)) (Glorot's uniform
initialisation); their biases start at zero, one per neuron, unless `bias` or `biases` is given.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bptui.engine.errors import NetworkFileError
from bptui.engine.filecheck import (
    MAX_PARAMS,
    MAX_SAMPLES,
    MAX_TITLE,
    SAMPLE_KEYS,
    TOP_KEYS,
    _Checker,
    _shown,
)
from bptui.engine.filelayers import _input_count, _layer_keys, _layer_size, _optimizer
from bptui.engine.filesamples import (
    SAMPLES_EXPECTED,
    _csv_columns,
    _csv_values,
    _CsvSamples,
    _read_samples_file,
    _sample_values,
)
from bptui.engine.filetext import parse_bytes, toml_reader
from bptui.engine.network import (
    HIDDEN_GRADIENTS,
    UPDATES,
    Network,
    Params,
    default_neuron_names,
    make_layers,
)
from bptui.engine.ops import ACTIVATIONS, LOSSES

PRESET_SUFFIX = ".toml"


# ---------------------------------------------------------------------------------------------
# Presets


def presets_folder() -> Path:
    """The presets' package folder: a preset's `samples = { file = ... }` is read from it."""
    import bptui.presets

    return Path(bptui.presets.__file__).parent


def preset_names() -> list[str]:
    """The built-in presets, `mazur` first (the .toml files of the presets' folder; a preset's
    CSV file beside them is no preset)."""
    files = resources.files("bptui.presets")
    names = sorted(
        entry.name[: -len(PRESET_SUFFIX)]
        for entry in files.iterdir()
        if entry.name.endswith(PRESET_SUFFIX)
    )
    return sorted(names, key=lambda name: (name != "mazur", name))


def preset_file_text(name: str) -> str:
    """The preset's file as it is in the package (it may read its samples from a CSV file)."""
    return resources.files("bptui.presets").joinpath(name + PRESET_SUFFIX).read_text("utf-8")


PRESET_DOCUMENTS = "documents.json"
"""Every preset's TOML file parsed, by name (written by `preset_documents_text`; a test checks
that it is the files' own): a preset is read without importing a TOML parser."""


def preset_document(name: str) -> dict[str, Any]:
    """The preset's file, parsed (from PRESET_DOCUMENTS)."""
    return json.loads(_preset_documents())[name]


@cache
def _preset_documents() -> str:
    return resources.files("bptui.presets").joinpath(PRESET_DOCUMENTS).read_text("utf-8")


def preset_documents_text() -> str:
    """PRESET_DOCUMENTS's text: every preset's file parsed, as JSON (which keeps each number's
    value and whether it is an integer). Written by
    `python -c "import bptui.engine.loader as l; l.write_preset_documents()"`."""
    documents = {name: toml_reader().loads(preset_file_text(name)) for name in preset_names()}
    return json.dumps(documents, indent=1, sort_keys=True, allow_nan=False) + "\n"


def write_preset_documents() -> None:  # pragma: no cover (run by hand after a preset changes)
    (presets_folder() / PRESET_DOCUMENTS).write_text(preset_documents_text(), encoding="utf-8")


# A preset names its CSV file on one line of its own: `samples = { file = "NAME.csv" }`.
_SAMPLES_FILE_LINE = re.compile(r"(?m)^samples[ \t]*=[ \t]*\{[^}\n]*\}[ \t]*(?:#.*)?\n?")


def preset_text(name: str) -> str:
    """The TOML source of a preset, self-contained: a preset that reads its samples from a CSV
    file is given with them written out as [[samples]] tables (what `bptui presets NAME`
    prints, to start a file of one's own from)."""
    text = preset_file_text(name)
    document = toml_reader().loads(text)
    samples = document.get("samples")
    if not isinstance(samples, dict):
        return text
    network = parse_document(document, f"preset {name}", name, folder=presets_folder())
    lines = _SAMPLES_FILE_LINE.findall(text)
    if len(lines) != 1:  # pragma: no cover (the presets' own files, checked by the tests)
        raise ValueError(f"preset {name}: expected one line `samples = {{ file = ... }}`")
    note = f"# The samples of {samples['file']}, written out as [[samples]] tables below.\n"
    written = "".join(
        f"\n[[samples]]\ninputs = {_toml_list(x)}\ntargets = {_toml_list(t)}\n"
        for x, t in zip(network.inputs, network.targets, strict=True)
    )
    return _SAMPLES_FILE_LINE.sub(lambda _: note, text, count=1).rstrip("\n") + "\n" + written


def _toml_list(values: Any) -> str:
    """Numbers as a TOML list, each as Python's shortest round-trip repr (so they read back the
    same)."""
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def preset_description(name: str) -> str:
    return str(preset_document(name).get("description", ""))


# ---------------------------------------------------------------------------------------------
# Reading


def load_network(spec: str | Path | None = None) -> Network:
    """Load NET: a preset by name (`mazur` when None), or a .toml or .json path (see
    `bptui.engine.source`: a bare word is a preset, anything else a path)."""
    from bptui.engine.source import open_source

    return load_source(open_source("mazur" if spec is None else spec))


def load_source(source) -> Network:
    """The network in an already read `Source`."""
    from bptui.engine.source import MAX_NETWORK_BYTES

    if len(source.data) > MAX_NETWORK_BYTES:
        raise NetworkFileError(
            source.name, "", f"holds over {MAX_NETWORK_BYTES // (1024 * 1024)} MB, the limit"
        )
    if source.preset is not None:
        document = preset_document(source.preset)  # (the package's file, parsed)
    else:
        document = parse_bytes(source.data, source.name, source.suffix)
    # A file with no folder (standard input, a pipe) reads a CSV from the current directory.
    folder = source.folder if source.folder is not None else Path()
    return parse_document(
        document, source=source.name, default_name=source.default_name, folder=folder
    )


def parse_document(
    document: dict[str, Any], source: str, default_name: str, folder: Path | None = None
) -> Network:
    """Check a parsed network document and build the `Network` it describes.

    `folder` is where `samples = { file = "NAME.csv" }` is read from (a relative NAME); None
    refuses such samples (a session holds its samples written out, never a file's name)."""
    c = _Checker(source)
    doc = c.table(document, "", TOP_KEYS, "a network")
    for required in ("layers", "samples"):
        if required not in doc:
            raise c.fail(required, "missing; a network needs layers and samples (see README)")

    default_name = _shown(default_name, MAX_TITLE)
    name = c.one_line_text(doc.get("name", default_name), "name").strip() or default_name
    if len(name) > MAX_TITLE:
        raise c.fail(
            "name",
            f'expected at most {MAX_TITLE} characters, found "{_shown(name)}" '
            f"({len(name):,} characters)",
        )
    description = c.string(doc["description"], "description") if "description" in doc else ""
    learning_rate = c.number(doc.get("learning_rate", 0.5), "learning_rate")
    if learning_rate <= 0:
        raise c.fail("learning_rate", f"expected a positive number, found {learning_rate:g}")
    loss = c.choice(doc.get("loss", "half_sse"), "loss", tuple(LOSSES))
    update = c.choice(doc.get("update", "online"), "update", UPDATES)
    train_biases = c.boolean(doc.get("train_biases", True), "train_biases")
    order = c.choice(
        doc.get("hidden_gradients", "before_update"), "hidden_gradients", HIDDEN_GRADIENTS
    )
    if order == "after_output_update" and update != "online":
        raise c.fail(
            "hidden_gradients",
            f'"after_output_update" works with update = "online" only, found "{update}"',
        )
    seed = c.integer(doc.get("seed", 0), "seed", 0, 2**63 - 1)
    optimizer, optimizer_settings = _optimizer(c, doc.get("optimizer"))
    if optimizer != "sgd" and order == "after_output_update":
        raise c.fail(
            "hidden_gradients",
            f'"after_output_update" (the post\'s order) applies to plain SGD only, found '
            f'optimizer "{optimizer}"',
        )

    raw_layers = c.array(doc["layers"], "layers", "a list of layers ([[layers]] tables)")
    if not raw_layers:
        raise c.fail("layers", "expected at least one layer, found an empty list")
    if len(raw_layers) > 64:
        raise c.fail("layers", f"{len(raw_layers)} layers is over the limit of 64")
    csv: _CsvSamples | None = None
    sample_docs: list[dict[str, Any]] = []
    if isinstance(doc["samples"], dict):
        csv = _read_samples_file(c, doc["samples"], folder)
    else:
        raw_samples = c.array(doc["samples"], "samples", SAMPLES_EXPECTED, MAX_SAMPLES)
        if not raw_samples:
            raise c.fail("samples", "expected at least one sample, found an empty list")
        sample_docs = [
            c.table(sample, f"samples[{k}]", SAMPLE_KEYS, "a sample")
            for k, sample in enumerate(raw_samples)
        ]

    layer_docs = [
        c.table(layer, f"layers[{k}]", _layer_keys(layer), "a layer")
        for k, layer in enumerate(raw_layers)
    ]

    # The number of inputs: from input_names, the first layer's weights, or the samples.
    n_inputs, inputs_key = _input_count(c, doc, layer_docs, sample_docs, csv)
    # (the first layer's rows are as long as the inputs are many: without input_names, its
    # first row says how many)
    first_size_of = (
        "layers[0].weights[0], which sets the number of inputs"
        if inputs_key == "layers[0].weights[0]"
        else "the layer before"
    )
    sizes, activations, bias_kinds, options = [], [], [], []
    n_in, n_params = n_inputs, 0
    known = tuple(ACTIVATIONS)
    for k, layer in enumerate(layer_docs):
        key = f"layers[{k}]"
        if "activation" not in layer:
            raise c.fail(f"{key}.activation", f"missing; expected one of {', '.join(known)}")
        activation = c.choice(layer["activation"], f"{key}.activation", known)
        op = ACTIVATIONS[activation]
        if op.output_only and k != len(layer_docs) - 1:
            raise c.fail(f"{key}.activation", f"{activation} is allowed on the output layer only")
        options.append(
            tuple(
                (name, c.number(layer[name], f"{key}.{name}"))
                for name in op.parameters
                if name in layer
            )
        )
        size = _layer_size(c, layer, key, n_in, first_size_of if k == 0 else "the layer before")
        if activation == "softmax" and size == 1:
            # (its one output is 1 whatever its input: every gradient 0, a net that cannot
            # learn, which `check` called valid; the newcomer trial)
            raise c.fail(
                f"{key}.activation",
                "softmax over one neuron is always 1 (its gradients are all 0): use sigmoid, "
                "or give the layer two neurons or more",
            )
        if "bias" in layer and "biases" in layer:
            raise c.fail(f"{key}.biases", "give either bias (shared) or biases (one per neuron)")
        if "biases" in layer or ("size" in layer and "bias" not in layer):
            bias_kind = "neuron"
        elif "bias" in layer:
            bias_kind = "shared"
        else:
            bias_kind = "none"
        n_params += size * n_in + {"none": 0, "shared": 1, "neuron": size}[bias_kind]
        if n_params > MAX_PARAMS:
            raise c.fail(key, f"the network has over {MAX_PARAMS:,} parameters, the limit")
        sizes.append(size)
        activations.append(activation)
        bias_kinds.append(bias_kind)
        n_in = size

    last_activation = activations[-1]
    needed = LOSSES[loss].requires_output
    if needed is not None and last_activation != needed:
        raise c.fail("loss", f'"{loss}" needs a {needed} output layer, found {last_activation}')

    # Names: the defaults, overridden where the file gives its own.
    names = default_neuron_names(n_inputs, sizes)
    taken: set[str] = set()
    if "input_names" in doc:
        names[0] = c.names(doc["input_names"], "input_names", n_inputs, taken)
    else:
        taken.update(names[0])
    for k, layer in enumerate(layer_docs):
        if "names" in layer:
            names[k + 1] = c.names(layer["names"], f"layers[{k}].names", sizes[k], taken)
        else:
            for default in names[k + 1]:
                if default in taken:
                    raise c.fail(
                        f"layers[{k}].names", f'the default name "{default}" is taken; give names'
                    )
                taken.add(default)

    # Parameters: given, or drawn from the seeded generator.
    rng = None  # made only when a layer is given by size (importing numpy.random costs ~20 ms)
    weights, biases = [], []
    n_in = n_inputs
    for k, layer in enumerate(layer_docs):
        key = f"layers[{k}]"
        size = sizes[k]
        if "weights" in layer:
            rows = layer["weights"]
            matrix = np.array(
                [
                    c.vector(
                        row,
                        f"{key}.weights[{j}]",
                        n_in,
                        "one weight per neuron of the layer before",
                    )
                    for j, row in enumerate(rows)
                ],
                dtype=np.float64,
            ).reshape(size, n_in)
        else:
            if rng is None:
                rng = np.random.default_rng(seed)
            bound = math.sqrt(6.0 / (n_in + size))
            matrix = rng.uniform(-bound, bound, size=(size, n_in))
        weights.append(matrix)
        if bias_kinds[k] == "shared":
            biases.append(np.array([c.number(layer["bias"], f"{key}.bias")]))
        elif "biases" in layer:
            biases.append(
                np.array(c.vector(layer["biases"], f"{key}.biases", size, "one bias per neuron"))
            )
        elif bias_kinds[k] == "neuron":
            biases.append(np.zeros(size))
        else:
            biases.append(np.zeros(0))
        n_in = size

    if csv is not None:
        input_columns = _csv_columns(c, csv, names, "input_names" in doc)
        inputs, targets = _csv_values(c, csv, input_columns, n_inputs, loss)
    else:
        inputs, targets = _sample_values(c, sample_docs, n_inputs, sizes[-1], loss)

    layers = make_layers(activations, sizes, bias_kinds, names, options)
    return Network(
        name=name,
        input_names=tuple(names[0]),
        layers=layers,
        loss=loss,
        update=update,
        learning_rate=learning_rate,
        train_biases=train_biases,
        hidden_gradients=order,
        seed=seed,
        inputs=inputs,
        targets=targets,
        params=Params.of(weights, biases),
        optimizer=optimizer,
        optimizer_settings=optimizer_settings,
        description=description,
    )
