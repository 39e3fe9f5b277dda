"""Network files (TOML, or JSON with the same keys) and built-in presets.

Every problem in a file is raised as a `NetworkFileError` naming the file, the key path
(`layers[1].weights[0]`, 0-based), what was expected and what was found. Nothing else escapes
`load_network`: each check below is explicit, so that a new kind of bad input shows up as a
failing test rather than as a swallowed exception.

Layers given by `size` get their weights from `numpy.random.default_rng(seed)`: layer by layer,
in file order, a matrix of U(−a, a) with a = sqrt(6 / (n_in + n_out)) (Glorot's uniform
initialisation); their biases start at zero, one per neuron, unless `bias` or `biases` is given.

`samples = { file = "NAME.csv" }` reads the samples from a CSV file (`bptui.engine.csvfile`):
by column name when the file gives `input_names` (the inputs', then the output layer's names),
else by position (the inputs, then the targets); every problem is a one-line error at
`samples.file` naming the CSV file as given, the row and the column.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bptui.engine.csvfile import CsvError, CsvTable, first_bad_cell, parse_csv
from bptui.engine.errors import NetworkFileError, one_line
from bptui.engine.network import (
    HIDDEN_GRADIENTS,
    UPDATES,
    Network,
    Params,
    default_neuron_names,
    make_layers,
)
from bptui.engine.ops import ACTIVATIONS, LOSSES, OPTIMIZERS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Limits that keep a typo from allocating gigabytes (README lists them).
MAX_NEURONS = 4096
MAX_PARAMS = 1_000_000
MAX_SAMPLES = 100_000
MAX_NAME = 24  # characters of a neuron's name (it labels the diagram)
MAX_TITLE = 100  # characters of the network's name (it heads the screen)

TOP_KEYS = {
    "name",
    "description",
    "learning_rate",
    "loss",
    "update",
    "train_biases",
    "hidden_gradients",
    "seed",
    "input_names",
    "layers",
    "samples",
    "optimizer",
}
LAYER_KEYS = {"activation", "weights", "size", "bias", "biases", "names"}
SAMPLE_KEYS = {"inputs", "targets"}
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # used with fullmatch
# E_total is the total error's symbol: a neuron named "total" would make E_total (and
# ∂E_total/∂out_X, the path through it) mean two steps.
RESERVED_NAMES = {"total"}
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
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


# A preset names its CSV file on one line of its own: `samples = { file = "NAME.csv" }`.
_SAMPLES_FILE_LINE = re.compile(r"(?m)^samples[ \t]*=[ \t]*\{[^}\n]*\}[ \t]*(?:#.*)?\n?")


def preset_text(name: str) -> str:
    """The TOML source of a preset, self-contained: a preset that reads its samples from a CSV
    file is given with them written out as [[samples]] tables (what `bptui presets NAME`
    prints, to start a file of one's own from)."""
    text = preset_file_text(name)
    document = tomllib.loads(text)
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
    document = tomllib.loads(preset_file_text(name))
    return str(document.get("description", ""))


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
    document = parse_bytes(source.data, source.name, source.suffix)
    # A file with no folder (standard input, a pipe) reads a CSV from the current directory.
    folder = source.folder if source.folder is not None else Path()
    return parse_document(
        document, source=source.name, default_name=source.default_name, folder=folder
    )


def parse_bytes(data: bytes, source: str, suffix: str) -> dict[str, Any]:
    """Decode and parse file contents as TOML or JSON, chosen by suffix (or by sniffing)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NetworkFileError(
            source,
            "",
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise NetworkFileError(source, "", "the file is empty; expected a network (see README)")
    looks_json = text.lstrip().startswith(("{", "["))
    if suffix == ".json":
        document = _parse_json(text, source, named_json=True)
    elif suffix == ".toml":
        document = _parse_toml(text, source, named_toml=True, looks_json=looks_json)
    elif looks_json and not _is_toml_table_first(text):
        document = _parse_json(text, source, named_json=False)
    else:
        document = _parse_toml(text, source, named_toml=False, looks_json=looks_json)
    if not isinstance(document, dict):
        raise NetworkFileError(
            source, "", f"expected a table of keys at the top, found {_type_name(document)}"
        )
    return document


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (TOML refuses it too; JSON keeps the last)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _parse_json(text: str, source: str, named_json: bool) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as error:
        quoted = json.dumps(error.key)
        places = [m.start() for m in re.finditer(re.escape(quoted) + r"\s*:", text)]
        line = text.count("\n", 0, places[-1]) + 1 if places else 1
        raise NetworkFileError(
            source,
            "",
            f"JSON key {one_line(quoted)} given twice in one object (again at line {line})",
        ) from None
    except json.JSONDecodeError as error:
        hint = ""
        if named_json and _is_toml(text):
            hint = " (this file holds TOML, but its name ends in .json)"
        raise NetworkFileError(
            source,
            "",
            f"JSON syntax error at line {error.lineno}, column {error.colno}: {error.msg}{hint}",
        ) from None
    except RecursionError:
        raise NetworkFileError(source, "", "JSON nested too deeply") from None
    except ValueError:
        # Not a JSONDecodeError: int() refusing a number of over 4,300 digits.
        too_long = _too_many_digits(text, source, "JSON")
        if too_long is None:
            raise
        raise too_long from None


# A key of more dotted parts than this is refused before tomllib sees it (tomllib takes time
# that grows faster than the square of the parts: 30 s for 100,000).
MAX_KEY_PARTS = 32
_HEADER = re.compile(r"\[\[?([^\[\],]*)\]\]?")  # [table] or [[array]], used with match
_SAMPLE_HEADER = re.compile(r"(?m)^[ \t]*\[\[[ \t]*samples[ \t]*\]\]")
_INPUTS_KEY = re.compile(r"(?m)(?:^|[{,])[ \t]*inputs[ \t]*=")
_WEIGHTS_KEY = re.compile(r"(?m)(?:^|[{,])[ \t]*weights[ \t]*=[ \t]*\[")
_BRACKET = re.compile(r"[\[\]]")
_NUMBER = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9_]+)?")


def _prescan_toml(text: str, source: str) -> None:
    """Refuse, before parsing, a TOML file over the limits (tomllib parses about 2 MB a
    second, so a file of 100,001 samples would take seconds to be refused after parsing)."""
    check_toml_keys(text, source)
    samples = max(len(_SAMPLE_HEADER.findall(text)), len(_INPUTS_KEY.findall(text)))
    if samples > MAX_SAMPLES:
        raise NetworkFileError(
            source, "samples", f"{samples:,} entries is over the limit of {MAX_SAMPLES:,}"
        )
    weights = 0
    for match in _WEIGHTS_KEY.finditer(text):
        depth, end = 0, len(text)
        for bracket in _BRACKET.finditer(text, match.end() - 1):
            depth += 1 if bracket.group() == "[" else -1
            if depth == 0:
                end = bracket.end()
                break
        # a list of n numbers holds at least n - 1 commas: count them exactly only when the
        # commas allow more numbers than the limit
        most = text.count(",", match.end(), end) + 1
        weights += (
            most if weights + most <= MAX_PARAMS else len(_NUMBER.findall(text, match.end(), end))
        )
        if weights > MAX_PARAMS:
            raise NetworkFileError(
                source, "layers", f"the network has over {MAX_PARAMS:,} parameters, the limit"
            )


def check_toml_keys(text: str, source: str) -> None:
    """Refuse, before tomllib sees it, a TOML key of over MAX_KEY_PARTS dotted parts."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.count(".") < MAX_KEY_PARTS:
            continue
        header = _HEADER.match(line.strip())
        keys = [header.group(1)] if header else _keys(line)
        if any(key.count(".") >= MAX_KEY_PARTS for key in keys):
            raise NetworkFileError(
                source, "", f"TOML key at line {number} has over {MAX_KEY_PARTS} dotted parts"
            )


def _keys(line: str) -> list[str]:
    """The keys of a TOML line's `key = value` pairs (inline tables' too), roughly: the text
    before each `=` back to the line's start, a `{` or a `,`."""
    keys = []
    equals = line.find("=")
    while equals >= 0:
        start = max(line.rfind("{", 0, equals), line.rfind(",", 0, equals)) + 1
        keys.append(line[start:equals])
        equals = line.find("=", equals + 1)
    return keys


def _parse_toml(text: str, source: str, named_toml: bool, looks_json: bool) -> Any:
    _prescan_toml(text, source)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        if named_toml and looks_json and _is_json(text):
            message += " (this file holds JSON, but its name ends in .toml)"
        where = _toml_where(message, text)
        raise NetworkFileError(source, "", f"TOML syntax error {where}") from None
    except RecursionError:
        raise NetworkFileError(source, "", "TOML nested too deeply") from None
    except ValueError:
        # Not a TOMLDecodeError: int() refusing a number of over 4,300 digits.
        too_long = _too_many_digits(text, source, "TOML")
        if too_long is None:
            raise
        raise too_long from None


def _toml_where(message: str, text: str) -> str:
    """tomllib says 'Invalid value (at line 3, column 9)'; put the line first."""
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        what = " ".join(message.replace(match.group(0), "").split())
        return f"at line {match.group(1)}, column {match.group(2)}: {what}"
    if "(at end of document)" in message:
        what = " ".join(message.replace("(at end of document)", "").split())
        # tomllib's line of a position: the newlines before it, plus one
        return f"at line {text.count(chr(10)) + 1}, the end of the file: {what}"
    return f"at line 1: {message}"


def _too_many_digits(text: str, source: str, language: str) -> NetworkFileError | None:
    """The error for a number too long for int() (sys.get_int_max_str_digits), or None."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    match = re.search(rf"[0-9][0-9_]{{{limit},}}", text) if limit else None
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return NetworkFileError(
        source,
        "",
        f"{language} number at line {line} has over {limit:,} digits, too many for a network file",
    )


def _is_toml_table_first(text: str) -> bool:
    """Whether text that starts with "[" is TOML (a [table] or [[array]] header), not JSON."""
    return text.lstrip().startswith("[") and not _is_json(text) and _is_toml(text)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _is_toml(text: str) -> bool:
    try:
        tomllib.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Checking


def _shown(text: str, width: int = 30) -> str:
    """A string from the file as a message quotes it: shortened, on one line."""
    shown = text if len(text) <= width else text[: width - 3] + "..."
    return one_line(shown)


def _number_text(value: int | float) -> str:
    """A number as a message shows it; an int too long for str() is described instead."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"a whole number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    return str(value)


def _key_name(name: str) -> str:
    """A key as a key path shows it: bare if TOML allows it bare, else quoted; a long one
    shortened (a message stays one readable line whatever the file holds)."""
    shortened = name if len(name) <= 40 else name[:37] + "..."
    if BARE_KEY.fullmatch(name):
        return shortened
    return one_line(json.dumps(shortened, ensure_ascii=False))


class UnreadValue:
    """A JSON value kept out of Python's numbers by a reader that refuses it later, at its key
    path: a NaN or Infinity literal, or a whole number of too many digits (never given to
    int(), whose time grows with the square of the digits)."""

    __slots__ = ("description",)

    def __init__(self, description: str) -> None:
        self.description = description


class DuplicatedKeys(dict):
    """A JSON object that gave `duplicate` twice (the last value kept): a reader that refuses it
    later, at its key path, builds these instead of raising while parsing."""

    duplicate: str = ""


def _type_name(value: Any) -> str:
    if isinstance(value, UnreadValue):
        return value.description
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {_number_text(value)}"
    if isinstance(value, str):
        return f'the string "{_shown(value)}"'
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    if value is None:
        return "null"
    return type(value).__name__


class _Checker:
    """Checks one parsed document; each method raises with the offending key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> NetworkFileError:
        return NetworkFileError(self.source, key, message)

    def table(self, value: Any, key: str, allowed: set[str], what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected {what} (a table of keys), found {_type_name(value)}")
        if isinstance(value, DuplicatedKeys):
            where = self.key_path(key, value.duplicate)
            raise self.fail(where, "given twice in one JSON object")
        for name in value:
            if name not in allowed:
                where = self.key_path(key, name)
                valid = ", ".join(sorted(allowed))
                raise self.fail(where, f"unknown key; valid keys here: {valid}")
        return value

    @staticmethod
    def key_path(key: str, name: str) -> str:
        """The path of key `name` in the table at `key`."""
        return f"{key}.{_key_name(name)}" if key else _key_name(name)

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"expected a number, found {_type_name(value)}")
        if isinstance(value, int) and abs(value) > 1e300:
            raise self.fail(key, "expected a finite number, found a number too large for float64")
        result = float(value)
        if not math.isfinite(result):
            raise self.fail(key, f"expected a finite number, found {value}")
        return result

    def integer(self, value: Any, key: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, UnreadValue)):
            raise self.fail(key, f"expected a whole number, found {_type_name(value)}")
        if isinstance(value, UnreadValue):
            raise self.fail(
                key, f"expected a whole number from {low} to {high}, found {_type_name(value)}"
            )
        if not low <= value <= high:
            raise self.fail(
                key, f"expected a whole number from {low} to {high}, found {_number_text(value)}"
            )
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, found {_type_name(value)}")
        return value

    def choice(self, value: Any, key: str, options: tuple[str, ...]) -> str:
        text = self.string(value, key)
        if text not in options:
            raise self.fail(key, f'unknown "{_shown(text)}"; expected one of {", ".join(options)}')
        return text

    def one_line_text(self, value: Any, key: str) -> str:
        text = self.string(value, key)
        if not text.isprintable():
            raise self.fail(
                key, f'expected one line of printable text, found the string "{_shown(text)}"'
            )
        return text

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, found {_type_name(value)}")
        return value

    def array(self, value: Any, key: str, what: str, limit: int | None = None) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(key, f"expected {what}, found {_type_name(value)}")
        if limit is not None and len(value) > limit:
            raise self.fail(key, f"{len(value):,} entries is over the limit of {limit:,}")
        return value

    def vector(self, value: Any, key: str, size: int | None, what: str) -> list[float]:
        items = self.array(value, key, f"a list of {what}")
        if size is not None and len(items) != size:
            raise self.fail(key, f"expected {size} numbers ({what}), found {len(items)}")
        if not items:
            raise self.fail(key, f"expected a list of {what}, found an empty list")
        return [self.number(item, f"{key}[{k}]") for k, item in enumerate(items)]

    def names(self, value: Any, key: str, size: int, taken: set[str]) -> list[str]:
        items = self.array(value, key, f"a list of {size} names")
        if len(items) != size:
            raise self.fail(key, f"expected {size} names, found {len(items)}")
        result = []
        for k, item in enumerate(items):
            name = self.string(item, f"{key}[{k}]")
            if len(name) > MAX_NAME:
                raise self.fail(
                    f"{key}[{k}]",
                    f'expected a name of at most {MAX_NAME} characters, found "{_shown(name)}" '
                    f"({len(name):,} characters)",
                )
            if not NAME_PATTERN.fullmatch(name):
                raise self.fail(
                    f"{key}[{k}]",
                    f"expected a name of letters, digits and _ starting with a letter, "
                    f'found "{_shown(name)}"',
                )
            if name in RESERVED_NAMES:
                raise self.fail(
                    f"{key}[{k}]", f'the name "{name}" is reserved (E_{name} is the total error)'
                )
            if name in taken:
                raise self.fail(f"{key}[{k}]", f'the name "{name}" is used twice')
            taken.add(name)
            result.append(name)
        return result


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
    if "description" in doc:
        c.string(doc["description"], "description")
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
    n_inputs = _input_count(c, doc, layer_docs, sample_docs, csv)
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
        size = _layer_size(c, layer, key, n_in)
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
    )


def _sample_values(
    c: _Checker, sample_docs: list[dict[str, Any]], n_inputs: int, n_outputs: int, loss: str
) -> tuple[np.ndarray, np.ndarray]:
    """The inputs and targets of [[samples]] tables."""
    inputs, targets = [], []
    for k, sample in enumerate(sample_docs):
        key = f"samples[{k}]"
        for required in ("inputs", "targets"):
            if required not in sample:
                raise c.fail(f"{key}.{required}", "missing; a sample needs inputs and targets")
        inputs.append(c.vector(sample["inputs"], f"{key}.inputs", n_inputs, "one per input"))
        target = c.vector(sample["targets"], f"{key}.targets", n_outputs, "one per output")
        _check_targets(c, loss, target, f"{key}.targets")
        targets.append(target)
    return np.array(inputs, dtype=np.float64), np.array(targets, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Samples from a CSV file

SAMPLES_EXPECTED = 'a list of samples ([[samples]] tables) or a table { file = "NAME.csv" }'
FILE_KEY = "samples.file"
MAX_COLUMNS = 2 * MAX_NEURONS  # the inputs and the outputs of the widest network


@dataclass(frozen=True)
class _CsvSamples:
    name: str  # as the network file gives it (messages name it so)
    table: CsvTable

    def fail(self, c: _Checker, message: str) -> NetworkFileError:
        return c.fail(FILE_KEY, f"{self.name}: {message}")


def _read_samples_file(c: _Checker, raw: dict[str, Any], folder: Path | None) -> _CsvSamples:
    """`samples = { file = "NAME.csv" }`: the CSV file read (relative to `folder`) and its
    shape checked; its columns and numbers are checked once the network's are known."""
    from bptui.engine.source import MAX_NETWORK_BYTES, read_limited

    if "file" not in raw:
        keys = ", ".join(_key_name(key) for key in list(raw)[:4]) or "none"
        raise c.fail(
            "samples",
            "expected a list of samples ([[samples]] tables), found a table without file "
            f'(keys: {keys}); a table names a CSV file: samples = {{ file = "NAME.csv" }}',
        )
    c.table(raw, "samples", {"file"}, 'the samples\' file ({ file = "NAME.csv" })')
    given = c.string(raw["file"], FILE_KEY)
    if folder is None:
        raise c.fail(
            FILE_KEY,
            "expected the samples written out ([[samples]] tables): a saved network "
            "never reads a CSV file",
        )
    if "\x00" in given:
        raise c.fail(FILE_KEY, f'a file name cannot hold a NUL byte, found "{_shown(given)}"')
    if not given.strip():
        raise c.fail(FILE_KEY, "expected the name of a CSV file, found an empty string")
    path = folder / given
    try:
        data = read_limited(path, MAX_NETWORK_BYTES, "CSV file")
    except NetworkFileError as error:
        detail = error.detail
        if detail == "no such file" and str(path) != given:
            detail += f" (looked for {path})"
        raise c.fail(FILE_KEY, f"{given}: {detail}") from None
    try:
        table = parse_csv(data, MAX_SAMPLES, MAX_COLUMNS)
    except CsvError as error:
        raise c.fail(FILE_KEY, f"{given}: {error}") from None
    return _CsvSamples(given, table)


def _column_list(names: Any) -> str:
    return ", ".join(_shown(name, 24) for name in names)


def _csv_columns(c: _Checker, csv: _CsvSamples, names: list[list[str]], named: bool) -> list[int]:
    """The column of each input, then of each output (the network's names when the file gives
    input_names; else by position, the inputs first)."""
    header = csv.table.header
    n_inputs, n_outputs = len(names[0]), len(names[-1])
    if not named:
        if len(header) != n_inputs + n_outputs:
            raise csv.fail(
                c,
                f"expected {n_inputs + n_outputs} columns ({n_inputs} input"
                f"{'s' if n_inputs != 1 else ''}, then {n_outputs} target"
                f"{'s' if n_outputs != 1 else ''}, by position as the file gives no "
                f"input_names), found {len(header)}: {_column_list(header[:12])}"
                + (", ..." if len(header) > 12 else ""),
            )
        return list(range(len(header)))
    wanted = names[0] + names[-1]
    missing = [name for name in wanted if name not in header]
    extra = [name for name in header if name not in wanted]
    problems = []
    if missing:
        problems.append(
            f"no column {_column_list(missing[:8])}{', ...' if len(missing) > 8 else ''}"
        )
    if extra:
        s = "s" if len(extra) > 1 else ""
        problems.append(
            f"column{s} {_column_list(extra[:8])}{', ...' if len(extra) > 8 else ''} "
            f"{'are' if s else 'is'} not the network's"
        )
    if problems:
        raise csv.fail(
            c,
            f"row {csv.table.header_row}: {'; '.join(problems)} (the columns are the "
            f"inputs {_column_list(names[0][:8])}{', ...' if n_inputs > 8 else ''} and the "
            f"outputs {_column_list(names[-1][:8])}{', ...' if n_outputs > 8 else ''})",
        )
    return [header.index(name) for name in wanted]


def _csv_values(
    c: _Checker, csv: _CsvSamples, columns: list[int], n_inputs: int, loss: str
) -> tuple[np.ndarray, np.ndarray]:
    """The inputs and targets of a CSV's rows: every cell a finite number, the targets as the
    loss wants them."""
    table = csv.table
    try:
        values = np.array(
            [[float(cell) for cell in cells] for _, cells in table.rows], dtype=np.float64
        )
        finite = bool(np.isfinite(values).all())
    except ValueError:
        finite = False
    if not finite:
        number, column, message = first_bad_cell(table)
        raise csv.fail(c, f"row {number}, column {_shown(table.header[column])}: {message}")
    inputs = values[:, columns[:n_inputs]]
    targets = values[:, columns[n_inputs:]]
    check = LOSSES[loss].check_targets
    for (number, _), target in zip(table.rows, targets.tolist(), strict=True):
        problem = check(target)
        if problem is not None:
            index, message = problem
            where = f"row {number}"
            if index is not None:
                where += f", column {_shown(table.header[columns[n_inputs + index]])}"
            raise csv.fail(c, f"{where}: {message}")
    return np.ascontiguousarray(inputs), np.ascontiguousarray(targets)


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
) -> int:
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
    return count


def _layer_size(c: _Checker, layer: dict, key: str, n_in: int | None) -> int:
    """The layer's number of neurons; its weights' rows checked to hold `n_in` numbers each
    (unless None)."""
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
                    f"expected {n_in} numbers (the size of the layer before), found {len(items)}",
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


def _check_targets(c: _Checker, loss: str, target: list[float], key: str) -> None:
    problem = LOSSES[loss].check_targets(target)
    if problem is not None:
        index, message = problem
        raise c.fail(key if index is None else f"{key}[{index}]", message)


def _layer_keys(layer: Any) -> set[str]:
    """The keys a layer may hold: the common ones and its activation's parameters."""
    name = layer.get("activation") if isinstance(layer, dict) else None
    op = ACTIVATIONS.get(name) if isinstance(name, str) else None
    return LAYER_KEYS | set(op.parameters) if op is not None else LAYER_KEYS
