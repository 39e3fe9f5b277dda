"""Fuzzing the loader: whatever a file holds, it loads or it raises `NetworkFileError`.

Nothing here catches broadly: any other exception (TypeError, OverflowError, ValueError,
RecursionError...) fails the test, and the fix belongs in bptui/engine/loader.py as an explicit
check. Every example is derandomized, so a run is deterministic.
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bptui.engine.errors import NetworkFileError
from bptui.engine.filecheck import LAYER_KEYS, SAMPLE_KEYS, TOP_KEYS
from bptui.engine.loader import parse_bytes, parse_document, preset_names, preset_text
from bptui.engine.network import HIDDEN_GRADIENTS, UPDATES, Network
from bptui.engine.ops import ACTIVATIONS as ACTIVATION_OPS
from bptui.engine.ops import LOSSES as LOSS_OPS

ACTIVATIONS = tuple(ACTIVATION_OPS)
LOSSES = tuple(LOSS_OPS)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FUZZ = settings(
    deadline=None,
    max_examples=300,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

REAL_KEYS = sorted(TOP_KEYS | LAYER_KEYS | SAMPLE_KEYS)
WORDS = sorted({*ACTIVATIONS, *LOSSES, *UPDATES, *HIDDEN_GRADIENTS, "h1", "o1", "total", ""})


def check_error(error: NetworkFileError, source: str) -> None:
    """What every loader error must be: one line naming the source, the key and the problem."""
    message = str(error)
    assert message.isprintable(), message
    assert message.startswith(f"{source}: ")
    assert error.detail
    if error.key:
        assert message.startswith(f"{source}: {error.key}: ")


def parse_or_error(document: Any) -> NetworkFileError | None:
    """parse_document's outcome: None for a Network; the error otherwise. Only
    NetworkFileError is caught: anything else propagates and fails the test."""
    try:
        network = parse_document(document, "fuzz", "fuzz")
    except NetworkFileError as error:
        check_error(error, "fuzz")
        return error
    assert isinstance(network, Network)
    return None


# ---------------------------------------------------------------------------------------------
# (a) random documents: TOML/JSON-like values with the real keys mixed with junk


def huge_int() -> int:
    """An int that str() refuses (over 4,300 digits), as TOML's 0x... literals can give.
    Built lazily: hypothesis cannot repr it in a strategy's description."""
    return 16**5000


numbers = st.one_of(
    st.integers(min_value=-5, max_value=5000),
    st.integers(),
    st.sampled_from([0, -3, 10**9, 2**63, 2**64, 10**400, -(10**400), 4097]),
    st.builds(huge_int),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-320, 1e308, -1e308, 0.5, 1.0]),
)
strings = st.one_of(
    st.sampled_from(WORDS), st.text(max_size=12), st.sampled_from(["a\nb", "\u2028", "\ud800"])
)
scalars = st.one_of(
    numbers,
    strings,
    st.booleans(),
    st.none(),
    st.datetimes(),
    st.dates(),
    st.times(),
)
keys = st.one_of(st.sampled_from(REAL_KEYS), st.text(max_size=8))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(keys, children, max_size=6),
    ),
    max_leaves=40,
)


def plausible_table(key_names: list[str], value_strategy) -> st.SearchStrategy:
    """A table with mostly real keys and now and then a junk one."""
    return st.dictionaries(
        st.one_of(st.sampled_from(key_names), st.sampled_from(key_names), st.text(max_size=6)),
        value_strategy,
        max_size=len(key_names) + 1,
    )


small_numbers = st.one_of(
    st.floats(-2, 2), st.integers(-2, 4), st.sampled_from([math.nan, math.inf, 10**400])
)
vectors = st.one_of(st.lists(small_numbers, max_size=4), values)
layer_values = st.one_of(
    st.sampled_from(ACTIVATIONS),
    st.lists(vectors, max_size=4),
    vectors,
    st.integers(-2, 5),
    st.lists(st.sampled_from(["h1", "h2", "o1", "x y", "total", "a\n"]), max_size=4),
)
layers = plausible_table(sorted(LAYER_KEYS), layer_values)
samples = plausible_table(sorted(SAMPLE_KEYS), vectors)
top_values = st.one_of(
    values,
    st.lists(layers, max_size=3),
    st.lists(samples, max_size=3),
    st.sampled_from(WORDS),
)


@st.composite
def shaped_networks(draw) -> dict:
    """Networks of a consistent shape with random settings, so that the checks past the
    shapes (activations, losses, targets, names, limits) are reached too."""
    n_inputs = draw(st.integers(1, 3))
    n_layers = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3)) for _ in range(n_layers)]
    document: dict[str, Any] = {}
    for key, options in (
        ("loss", LOSSES),
        ("update", UPDATES),
        ("hidden_gradients", HIDDEN_GRADIENTS),
    ):
        if draw(st.booleans()):
            document[key] = draw(st.sampled_from(options))
    rarely = st.integers(0, 5).map(lambda n: n == 0)  # a bad value now and then
    if draw(st.booleans()):
        document["learning_rate"] = draw(small_numbers if draw(rarely) else st.floats(0.01, 1))
    if draw(st.booleans()):
        bad_seeds = st.one_of(st.integers(-1, 2**64), st.floats())
        document["seed"] = draw(bad_seeds if draw(rarely) else st.integers(0, 100))
    if draw(rarely):
        document["input_names"] = draw(
            st.lists(st.sampled_from(["i1", "i2", "x", "h1", "total", "a b"]), max_size=3)
        )

    def entries():
        return small_numbers if draw(rarely) else st.floats(-2, 2)

    layer_docs = []
    n_in = n_inputs
    for k, size in enumerate(sizes):
        hidden = [name for name in ACTIVATIONS if name != "softmax"]
        activations = ACTIVATIONS if k == n_layers - 1 or draw(rarely) else hidden
        layer: dict[str, Any] = {"activation": draw(st.sampled_from(activations))}
        if draw(st.booleans()):
            longer = 1 if draw(rarely) else 0
            row = st.lists(entries(), min_size=n_in, max_size=n_in + longer)
            layer["weights"] = draw(st.lists(row, min_size=size, max_size=size))
        else:
            layer["size"] = draw(st.integers(-1, 5000)) if draw(rarely) else size
        bias = "both" if draw(rarely) else draw(st.sampled_from(["none", "bias", "biases"]))
        if bias in ("bias", "both"):
            layer["bias"] = draw(entries())
        if bias in ("biases", "both"):
            layer["biases"] = draw(st.lists(entries(), min_size=size, max_size=size))
        if draw(rarely):
            layer["names"] = draw(
                st.lists(st.sampled_from(["h1", "h2", "o1", "n", "total"]), max_size=size)
            )
        layer_docs.append(layer)
        n_in = size
    document["layers"] = layer_docs
    targets = st.one_of(
        st.lists(st.sampled_from([0.0, 1.0, 0.5, -0.5, 2.0]), min_size=n_in, max_size=n_in),
        st.lists(small_numbers, min_size=n_in, max_size=n_in),
    )
    if n_in == 2 and not draw(rarely):  # one-hot, as softmax and cross_entropy need
        targets = st.sampled_from([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    inputs = st.lists(entries(), min_size=n_inputs, max_size=n_inputs)
    document["samples"] = draw(
        st.lists(
            st.fixed_dictionaries({"inputs": inputs, "targets": targets}),
            min_size=0 if draw(rarely) else 1,
            max_size=3,
        )
    )
    return document


documents = st.one_of(
    shaped_networks(),
    values,
    plausible_table(sorted(TOP_KEYS), top_values),
    st.fixed_dictionaries(
        {
            "layers": st.lists(layers, min_size=1, max_size=3),
            "samples": st.lists(samples, min_size=1, max_size=3),
        },
        optional={key: top_values for key in sorted(TOP_KEYS - {"layers", "samples"})},
    ),
)


@FUZZ
@given(documents)
def test_random_documents_load_or_raise_a_network_file_error(document: Any) -> None:
    parse_or_error(document)


# ---------------------------------------------------------------------------------------------
# (b) the presets, mutated at any depth

PRESETS = {name: tomllib.loads(preset_text(name)) for name in preset_names()}
MUTATIONS = ("remove", "rename", "retype", "nonfinite", "drop", "duplicate")
RETYPED = [
    "0.5",
    "sigmoid",
    "",
    0,
    -1,
    2.5,
    True,
    None,
    [],
    [0.5],
    [[]],
    {},
    {"x": 1},
    10**400,
    datetime.date(2024, 1, 1),
]


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a document (a tuple of keys and indexes), the root excepted."""
    found = []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return found
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def mutate(document: dict, path: tuple, kind: str, draw) -> None:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    value = parent[last]
    if kind == "remove":
        del parent[last]
    elif kind == "rename":
        new = draw(st.one_of(st.sampled_from(REAL_KEYS), st.text(max_size=6)))
        if isinstance(parent, dict):
            parent[new] = parent.pop(last)
        else:  # a list's element: rename a key inside it, if it is a table
            parent[last] = {new: value}
    elif kind == "retype":
        # a copy: RETYPED's lists and tables must not be changed by a later mutation (a shared
        # one made later examples depend on earlier ones, and could even hold itself)
        parent[last] = copy.deepcopy(draw(st.one_of(st.sampled_from(RETYPED), st.builds(huge_int))))
    elif kind == "nonfinite":
        parent[last] = draw(st.sampled_from([math.nan, math.inf, -math.inf, 10**400, 1e308]))
    elif kind in ("drop", "duplicate") and isinstance(value, list) and value:
        k = draw(st.integers(0, len(value) - 1))
        if kind == "drop":
            del value[k]
        else:
            value.insert(k, copy.deepcopy(value[k]))
    elif kind in ("drop", "duplicate"):  # not a list: drop or duplicate it in its parent
        if isinstance(parent, list):
            if kind == "drop":
                del parent[last]
            else:
                parent.insert(last, copy.deepcopy(value))
        else:
            parent[last] = [value, value] if kind == "duplicate" else []


def mutated_preset(draw) -> dict:
    name = draw(st.sampled_from(sorted(PRESETS)))
    document = copy.deepcopy(PRESETS[name])
    for _ in range(draw(st.integers(1, 3))):
        candidates = paths(document)
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        mutate(document, path, draw(st.sampled_from(MUTATIONS)), draw)
    return document


@FUZZ
@given(st.data())
def test_mutated_presets_load_or_name_the_key_at_fault(data) -> None:
    document = mutated_preset(data.draw)
    error = parse_or_error(document)
    if error is not None:
        assert error.key, str(error)


@FUZZ
@given(st.data())
def test_mutated_presets_as_json_files(data) -> None:
    """The same mutations, written as JSON and read back through parse_bytes."""
    document = mutated_preset(data.draw)
    try:  # the test's own serialisation, not the loader
        text = json.dumps(document)
    except (TypeError, ValueError):
        return  # a date (TOML only) or an int too long for str(): JSON cannot hold it
    try:
        parsed = parse_bytes(text.encode("utf-8"), "fuzz.json", ".json")
    except NetworkFileError as error:  # only an integer of over 4,300 digits gets here
        check_error(error, "fuzz.json")
        assert "line 1" in error.detail
        return
    error = parse_or_error(parsed)
    if error is not None:
        assert error.key, str(error)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_presets_themselves_load(name: str) -> None:
    assert parse_or_error(copy.deepcopy(PRESETS[name])) is None


# ---------------------------------------------------------------------------------------------
# parse_bytes: random bytes and text

FILE_LEVEL = (
    "is not UTF-8 text",
    "the file is empty",
    "expected a table of keys at the top",
    "JSON nested too deeply",
    "TOML nested too deeply",
)


def parse_bytes_or_error(data: bytes, suffix: str) -> None:
    source = f"fuzz{suffix}"
    try:
        document = parse_bytes(data, source, suffix)
    except NetworkFileError as error:
        check_error(error, source)
        assert error.key == ""
        assert "line " in error.detail or error.detail.startswith(FILE_LEVEL), str(error)
        return
    assert isinstance(document, dict)
    parse_or_error(document)


SUFFIXES = st.sampled_from([".toml", ".json", ".txt", ""])
TOML_BITS = st.sampled_from(
    [
        "[[layers]]\n",
        "[[samples]]\n",
        'activation = "sigmoid"\n',
        "weights = [[0.1, 0.2]]\n",
        "inputs = [1, 2]\n",
        "targets = [0.5]\n",
        "size = 2\n",
        "bias = nan\n",
        "x = inf\n",
        "= 1\n",
        "[",
        "{",
        '"',
        "1" * 4400,
        "0x" + "f" * 5000,
        "\n",
        " ",
        "\\",
        "\x00",
        "\ufeff",
        '{"layers": [',
        '{"inputs": [1e400]}',
        "NaN",
        ",",
        "]",
        "}",
    ]
)
texts = st.one_of(
    st.text(max_size=80),
    st.lists(TOML_BITS, max_size=12).map("".join),
    st.lists(st.one_of(TOML_BITS, st.text(max_size=4)), max_size=12).map("".join),
)


@FUZZ
@given(st.binary(max_size=200), SUFFIXES)
def test_random_bytes_parse_or_raise(data: bytes, suffix: str) -> None:
    parse_bytes_or_error(data, suffix)


@FUZZ
@given(texts, SUFFIXES)
def test_random_text_parses_or_raises(text: str, suffix: str) -> None:
    parse_bytes_or_error(text.encode("utf-8"), suffix)


@pytest.mark.parametrize("suffix", [".toml", ".json", ".txt"])
@pytest.mark.parametrize("depth", [50, 5000, 200_000])
def test_deep_nesting_is_a_network_file_error(suffix: str, depth: int) -> None:
    for text in ("[" * depth + "]" * depth, "x = " + "[" * depth + "]" * depth):
        parse_bytes_or_error(text.encode(), suffix)
