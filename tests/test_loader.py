"""Network files: what loads, and a one-line error naming the file and key for what does not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bptui.engine.errors import NetworkFileError
from bptui.engine.loader import load_network, preset_names, preset_text

MAZUR = """
learning_rate = 0.5
train_biases = false
[[layers]]
activation = "sigmoid"
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = 0.35
[[layers]]
activation = "sigmoid"
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = 0.60
[[samples]]
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
"""


def write(tmp_path: Path, text: str, name: str = "net.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> NetworkFileError:
    with pytest.raises(NetworkFileError) as info:
        load_network(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return info.value


def test_a_minimal_file_gets_mazurs_names(tmp_path: Path) -> None:
    network = load_network(write(tmp_path, MAZUR))
    assert network.name == "net"
    assert network.input_names == ("i1", "i2")
    assert [layer.names for layer in network.layers] == [("h1", "h2"), ("o1", "o2")]
    assert [ref.name for ref in network.param_refs] == [
        "w1",
        "w2",
        "w3",
        "w4",
        "w5",
        "w6",
        "w7",
        "w8",
        "b1",
        "b2",
    ]
    w2 = network.param("w2")
    assert (w2.source, w2.target) == ("i2", "h1")
    assert network.param("w7").source == "h1" and network.param("w7").target == "o2"


def test_json_with_the_same_keys_loads_the_same_network(tmp_path: Path) -> None:
    toml_net = load_network(write(tmp_path, MAZUR))
    document = {
        "learning_rate": 0.5,
        "train_biases": False,
        "layers": [
            {"activation": "sigmoid", "weights": [[0.15, 0.20], [0.25, 0.30]], "bias": 0.35},
            {"activation": "sigmoid", "weights": [[0.40, 0.45], [0.50, 0.55]], "bias": 0.60},
        ],
        "samples": [{"inputs": [0.05, 0.10], "targets": [0.01, 0.99]}],
    }
    json_net = load_network(write(tmp_path, json.dumps(document), "net.json"))
    assert json_net.params.equals(toml_net.params)


def test_deeper_nets_and_per_neuron_biases_are_named(tmp_path: Path) -> None:
    text = """
[[layers]]
activation = "tanh"
size = 3
[[layers]]
activation = "relu"
size = 2
[[layers]]
activation = "sigmoid"
weights = [[0.1, 0.2]]
biases = [0.5]
[[samples]]
inputs = [1.0, 2.0]
targets = [0.5]
"""
    network = load_network(write(tmp_path, text))
    assert [layer.names for layer in network.layers] == [
        ("h1_1", "h1_2", "h1_3"),
        ("h2_1", "h2_2"),
        ("o1",),
    ]
    assert [ref.name for ref in network.param_refs][-6:] == [
        "b_h1_1",
        "b_h1_2",
        "b_h1_3",
        "b_h2_1",
        "b_h2_2",
        "b_o1",
    ]


def test_size_layers_come_from_the_documented_generator(tmp_path: Path) -> None:
    """Glorot uniform from numpy.random.default_rng(seed), layer by layer."""
    text = (
        "seed = 7\n"
        + """
[[layers]]
activation = "tanh"
size = 3
[[layers]]
activation = "sigmoid"
size = 1
[[samples]]
inputs = [1.0, 2.0]
targets = [0.5]
"""
    )
    network = load_network(write(tmp_path, text))
    rng = np.random.default_rng(7)
    first = rng.uniform(-np.sqrt(6 / 5), np.sqrt(6 / 5), (3, 2))
    second = rng.uniform(-np.sqrt(6 / 4), np.sqrt(6 / 4), (1, 3))
    assert np.array_equal(network.params.weights[0], first)
    assert np.array_equal(network.params.weights[1], second)
    assert np.array_equal(network.params.biases[0], np.zeros(3))


@pytest.mark.parametrize("name", preset_names())
def test_presets_load_and_print_as_toml(name: str, tmp_path: Path) -> None:
    network = load_network(name)
    again = load_network(write(tmp_path, preset_text(name), f"{name}.toml"))
    assert again.params.equals(network.params)


def _edit(old: str, new: str) -> str:
    assert old in MAZUR
    return MAZUR.replace(old, new, 1)


BAD = [
    # (file text, key path, fragment of the message)
    (
        _edit("[0.40, 0.45], [0.50, 0.55]", "[0.40, 0.45, 0.1], [0.50, 0.55]"),
        "layers[1].weights[0]",
        "expected 2 numbers",
    ),
    (
        _edit("targets = [0.01, 0.99]", "targets = [0.01]"),
        "samples[0].targets",
        "expected 2 numbers",
    ),
    (
        _edit('activation = "sigmoid"', 'activation = "sigmod"'),
        "layers[0].activation",
        "sigmoid, tanh, relu, linear, softmax",
    ),
    ('loss = "l2"\n' + MAZUR, "loss", "half_sse, sse, mse, bce, cross_entropy"),
    ('update = "minibatch"\n' + MAZUR, "update", "online, batch_sum, batch_mean"),
    (
        _edit('activation = "sigmoid"', 'activation = "softmax"'),
        "layers[0].activation",
        "output layer only",
    ),
    (
        # (a softmax of one output is 1 whatever comes in: a net that cannot learn, once called
        # valid by `check`; the newcomer trial)
        'layers = [{activation = "sigmoid", weights = [[0.1, 0.2]]}, '
        '{activation = "softmax", weights = [[0.5]]}]\n'
        "samples = [{inputs = [1.0, 0.5], targets = [1.0]}]\n",
        "layers[1].activation",
        "softmax over one neuron is always 1",
    ),
    (
        'loss = "bce"\n'
        + _edit(
            '[[layers]]\nactivation = "sigmoid"\nweights = [[0.40',
            '[[layers]]\nactivation = "tanh"\nweights = [[0.40',
        ),
        "loss",
        "needs a sigmoid output layer",
    ),
    ('loss = "cross_entropy"\n' + MAZUR, "loss", "needs a softmax output"),
    (_edit("0.15", "nan"), "layers[0].weights[0][0]", "finite"),
    (_edit("0.05", "inf"), "samples[0].inputs[0]", "finite"),
    ("samples = []\n" + MAZUR.split("[[samples]]")[0], "samples", "at least one sample"),
    (_edit("learning_rate = 0.5", "learning_rate = 0"), "learning_rate", "positive"),
    (_edit("learning_rate = 0.5", "learning_rate = -1"), "learning_rate", "positive"),
    (
        'hidden_gradients = "after_output_update"\nupdate = "batch_sum"\n' + MAZUR,
        "hidden_gradients",
        "online",
    ),
    (_edit("learning_rate = 0.5", "learning_reate = 0.5"), "learning_reate", "unknown key"),
    (_edit("bias = 0.35", "bais = 0.35"), "layers[0].bais", "unknown key"),
    (_edit("weights = [[0.15", "weights = [[0.15,, "), "", "TOML syntax error at line"),
    (MAZUR.split("[[samples]]")[0], "samples", "missing"),
    (_edit('activation = "sigmoid"\n', ""), "layers[0].activation", "missing"),
    (
        _edit("learning_rate = 0.5", 'learning_rate = "fast"'),
        "learning_rate",
        'expected a number, found the string "fast"',
    ),
    (_edit("train_biases = false", "train_biases = 0"), "train_biases", "true or false"),
    (_edit("bias = 0.35", "bias = 0.35\nbiases = [0.1, 0.2]"), "layers[0].biases", "either"),
    (
        _edit('activation = "sigmoid"', 'activation = "sigmoid"\nsize = 2'),
        "layers[0].size",
        "either weights or size",
    ),
    (
        'loss = "cross_entropy"\n'
        + _edit(
            '[[layers]]\nactivation = "sigmoid"\nweights = [[0.40',
            '[[layers]]\nactivation = "softmax"\nweights = [[0.40',
        ).replace("0.99", "0.9"),
        "samples[0].targets",
        "sum to 1",
    ),
    # one number, a number, not "1 numbers" (the hostile trial)
    (
        _edit("[0.40, 0.45], [0.50, 0.55]", "[0.40, 0.45]"),
        "samples[0].targets",
        "expected 1 number (",
    ),
    # a number of 401 digits is "a whole number of 401 digits", not "the number a whole…"
    ("seed = " + "9" * 401 + "\n" + MAZUR, "seed", "found a whole number of 401 digits"),
    ("seed = 1" + "0" * 400 + "\n" + MAZUR, "seed", "found a whole number of 401 digits"),
]


@pytest.mark.parametrize("text, key, fragment", BAD)
def test_bad_files_name_the_key_and_the_problem(
    tmp_path: Path, text: str, key: str, fragment: str
) -> None:
    error = error_of(write(tmp_path, text))
    assert error.key == key
    assert fragment in error.detail


def test_syntax_errors_give_their_line(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, _edit("weights = [[0.15", "weights = [[0.15,, ")))
    assert "line 6" in str(error)
    error = error_of(write(tmp_path, '{"layers": [}', "net.json"))
    assert "JSON syntax error at line 1" in str(error)


def test_json_in_a_toml_file_and_the_reverse_are_named(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, '{"layers": [1, 2],\n "samples": []}', "net.toml"))
    assert "holds JSON" in str(error)
    error = error_of(write(tmp_path, MAZUR, "net.json"))
    assert "holds TOML" in str(error)


def test_missing_empty_and_non_text_files(tmp_path: Path) -> None:
    assert str(error_of(tmp_path / "absent.toml")).endswith("absent.toml: no such file")
    # (a path is never a preset; one named as a preset's file is told the preset's name)
    assert str(error_of(Path("mazur.toml"))).endswith(
        "mazur.toml: no such file (the preset is named mazur, without .toml)"
    )
    assert "empty" in str(error_of(write(tmp_path, "  \n")))
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8" in str(error_of(path))
    assert "directory" in str(error_of(tmp_path))


def test_the_presets_parsed_documents_are_their_toml_files_parsed() -> None:
    """A preset is read from bptui/presets/documents.json, without a TOML parser (5 ms of the
    start): it must hold every preset's file as tomllib parses it, and nothing else. After a
    preset changes: python -c "import bptui.engine.loader as l; l.write_preset_documents()"."""
    import tomllib

    from bptui.engine.loader import (
        PRESET_DOCUMENTS,
        preset_document,
        preset_documents_text,
        preset_file_text,
        presets_folder,
    )

    written = (presets_folder() / PRESET_DOCUMENTS).read_text(encoding="utf-8")
    assert written == preset_documents_text()
    documents = json.loads(written)
    assert sorted(documents) == sorted(preset_names())
    for name in preset_names():
        parsed = tomllib.loads(preset_file_text(name))
        assert preset_document(name) == parsed == documents[name]
        # (ints stay ints and floats floats: the loader tells them apart)
        assert json.dumps(preset_document(name), sort_keys=True) == json.dumps(
            parsed, sort_keys=True
        )
        network = load_network(name)
        from_text = load_network_text(preset_text(name), name)
        assert network.name == from_text.name
        assert np.array_equal(network.params.flat(), from_text.params.flat())
        assert np.array_equal(network.inputs, from_text.inputs)
        assert np.array_equal(network.targets, from_text.targets)


def load_network_text(text: str, name: str):
    from bptui.engine.filetext import toml_reader
    from bptui.engine.loader import parse_document

    return parse_document(toml_reader().loads(text), f"preset {name}", name)


def test_the_default_start_reads_no_toml_and_no_csv_parser() -> None:
    """The default preset's start imports neither tomllib (5 ms) nor csv (4 ms)."""
    import subprocess
    import sys

    code = (
        "import sys; from bptui.engine.loader import load_network; load_network('mazur'); "
        "print(sorted(m for m in ('tomllib', 'tomli', 'csv', 'bptui.engine.csvfile') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
