"""A learner's own numbers for `bptui compare`: the file YOURS, read as text.

YOURS maps step symbols to numbers, in the spellings go-to takes (`net_h1`, `out_o1`,
`E_total`, `delta_o1`, `dE_total/dw5`, `w5+`) or the trace's Unicode ones (`δ_o1`,
`∂E_total/∂w5`, `w5⁺`). Three shapes in JSON or TOML, and CSV:

- a table of symbols and numbers: epoch 1, sample 1 (`{"net_h1": 0.3775, "out_h1": 0.5933}`);
- an entry: `{"epoch": 2, "sample": 1, "values": {...}}` (epoch and sample default to 1);
- a list of entries: `{"entries": [entry, ...]}`, or in JSON the list alone (`[entry, ...]`);
  in TOML `[[entries]]` tables, each with its `[entries.values]`;
- CSV: a header row `symbol,value` with optional `epoch` and `sample` columns (in any order),
  then one row per number.

Every number is kept as the text the learner wrote (JSON and TOML are parsed with hooks that
hand over the literal), since how many digits were written decides how close it must come
(`digits_tolerance`). `nan`, `inf` and `-inf` (JSON's NaN and Infinity, TOML's nan and inf, or
those words in a string or a cell) are allowed: they are the learner's numbers, and differ
unless bptui's is the same. A string holding a number (`"0.5933"`, `"−0.0381"` with the
minus sign `bptui trace` prints) counts as that number.

Every problem is a one-line `NetworkFileError` naming the file, the key path (JSON and TOML:
`entries[1].values.net_h1`, 0-based as the network files' are; CSV: `row 4, column value`) and
what was expected. Whether a symbol names a step of the network is `check_yours`'s question:
it needs the network.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bptui.engine.csvfile import CsvError, parse_csv, shown
from bptui.engine.errors import NetworkFileError, one_line
from bptui.engine.numtext import MINUS
from bptui.engine.symbols import normalize

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAX_YOURS_BYTES = 16 * 1024 * 1024
MAX_VALUES = 100_000
MAX_NUMBER_TEXT = 100  # characters of one number as written
MAX_SYMBOL = 200  # characters of one symbol
MAX_EPOCH = 10_000_000
MIN_DIGITS = 3  # a number is held to at least 3 significant digits...
MAX_DIGITS = 12  # ...and at most 12: float64 in another order differs in the last ones
ENTRY_KEYS = ("epoch", "sample", "values")
CSV_COLUMNS = ("symbol", "value", "epoch", "sample")
WHAT = "file of your values"

_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?:(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]*))?|\.(?P<frac2>[0-9]+))"
    r"(?:[eE](?P<exp>[+-]?[0-9]+))?"
)
_SPECIAL = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_WHOLE = re.compile(r"\+?[0-9]{1,9}")


@dataclass(frozen=True)
class Given:
    """One number of YOURS: the step it is for and the text it was written as."""

    epoch: int  # from 1
    sample: int  # from 1
    symbol: str  # as written (the key, or the CSV cell, stripped)
    text: str  # the number as written (TOML's underscores taken out)
    value: float
    source: str  # the file, as messages name it
    key: str  # where in the file: `values."dE_total/dw5"`, `row 4, column symbol`
    epoch_key: str = ""  # where its epoch is given (`entries[1].epoch`, `row 4, column epoch`)
    sample_key: str = ""  # ...and its sample (the entry, if it gives none)

    @property
    def step_symbol(self) -> str:
        """The trace's spelling of the symbol (`dE_total/dw5` → `∂E_total/∂w5`)."""
        return normalize(self.symbol)

    @property
    def tolerance(self) -> float:
        """How far from the exact number this text still matches (`digits_tolerance`)."""
        return digits_tolerance(self.text)

    def error(self, message: str, key: str | None = None) -> NetworkFileError:
        """A one-line error about this number, at its key (or at `key`)."""
        return NetworkFileError(self.source, self.key if key is None else key, message)


class Written:
    """A number literal as the parser saw it (the text, not yet a float)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_CONSTANTS = {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}


def _json_constant(text: str) -> Written:
    return Written(_CONSTANTS.get(text, text))


def number_text(text: str) -> str | None:
    """`text` as a number's text (spaces, a Unicode minus and TOML's underscores tidied), or
    None if it is not one."""
    s = text.strip().replace(MINUS, "-")
    if len(s) > MAX_NUMBER_TEXT:
        return None
    if _SPECIAL.fullmatch(s):
        return s.lower().replace("infinity", "inf")
    return s if _NUMBER.fullmatch(s) else None


def digits_tolerance(text: str) -> float:
    """Half a unit in the last place written, the place taken at least at the 3rd and at most
    at the 12th significant digit: `0.593` → 0.0005 (0.593269992 matches, 0.594 does not),
    `0.59` → 0.0005 too (held to 3 digits), `1e-5` → 5e-8. A zero, or a non-finite number,
    matches only itself: 0."""
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        return 0.0
    whole = match.group("int") or ""
    fraction = match.group("frac") or match.group("frac2") or ""
    exponent = int(match.group("exp") or 0)
    digits = whole + fraction
    first = next((k for k, ch in enumerate(digits) if ch != "0"), None)
    if first is None:
        return 0.0
    last_place = exponent - len(fraction)  # the power of ten of the last digit written
    lead_place = exponent + len(whole) - 1 - first  # ...and of the first significant one
    place = min(max(last_place, lead_place - MAX_DIGITS + 1), lead_place - MIN_DIGITS + 1)
    if place > 400:  # (1e99999999: beyond float64, and beyond Decimal's exponents)
        return math.inf
    if place < -400:
        return 0.0
    return float(Decimal(5).scaleb(place - 1))


# ---------------------------------------------------------------------------------------------
# Reading


def read_yours(path: str | Path) -> list[Given]:
    """The numbers of the file at `path` (a regular file or a pipe, at most 16 MB)."""
    from bptui.engine.source import read_limited

    name = str(path)
    data = read_limited(path, MAX_YOURS_BYTES, WHAT)
    return parse_yours(data, name, Path(name).suffix.lower())


def parse_yours(data: bytes, source: str, suffix: str = "") -> list[Given]:
    """The numbers in the bytes of a YOURS file: CSV, JSON or TOML by `suffix` (`.csv`,
    `.json`, `.toml`), else by a look at the text."""
    if len(data) > MAX_YOURS_BYTES:
        raise NetworkFileError(source, "", f"holds over {MAX_YOURS_BYTES // 2**20} MB, the limit")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NetworkFileError(
            source,
            "",
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start:,})",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise NetworkFileError(source, "", f"the file is empty; expected {SHAPES}")
    kind = {".csv": "csv", ".json": "json", ".toml": "toml"}.get(suffix) or _sniff(text)
    reader = _Reader(source)
    if kind == "csv":
        reader.csv(data)
    else:
        document = _parse_json(text, source) if kind == "json" else _parse_toml(text, source)
        reader.document(document)
    if not reader.given:
        raise NetworkFileError(source, "", f"holds no numbers; expected {SHAPES}")
    return reader.given


SHAPES = (
    'a table of symbols and numbers ({"net_h1": 0.3775}), an entry '
    '({"epoch": 1, "sample": 1, "values": {...}}), a list of entries, or CSV with a header '
    "row symbol,value[,epoch,sample]"
)


def _sniff(text: str) -> str:
    first = next(line for line in text.splitlines() if line.strip())
    cells = {cell.strip().strip('"').strip().lower() for cell in first.split(",")}
    if {"symbol", "value"} <= cells and "=" not in first:
        return "csv"
    from bptui.engine.filetext import _is_toml_table_first

    if text.lstrip().startswith(("{", "[")) and not _is_toml_table_first(text):
        return "json"
    return "toml"


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _TooMany(Exception):
    pass


def _parse_json(text: str, source: str) -> Any:
    pairs_seen = 0

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal pairs_seen
        pairs_seen += len(items)
        if pairs_seen > 3 * MAX_VALUES + 3:  # (an entry's epoch and sample are pairs too)
            raise _TooMany
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise _Duplicate(key)
            result[key] = value
        return result

    try:
        return json.loads(
            text,
            parse_float=Written,
            parse_int=Written,
            parse_constant=_json_constant,
            object_pairs_hook=pairs,
        )
    except _Duplicate as error:
        quoted = json.dumps(error.key, ensure_ascii=False)
        places = [m.start() for m in re.finditer(re.escape(quoted) + r"\s*:", text)]
        line = text.count("\n", 0, places[-1]) + 1 if places else 1
        raise NetworkFileError(
            source,
            "",
            f"the key {one_line(shown(quoted, 60))} is given twice in one JSON object "
            f"(again at line {line:,})",
        ) from None
    except _TooMany:
        raise NetworkFileError(source, "", f"over {MAX_VALUES:,} values, the limit") from None
    except json.JSONDecodeError as error:
        raise NetworkFileError(
            source,
            "",
            f"JSON syntax error at line {error.lineno:,}, column {error.colno:,}: {error.msg}",
        ) from None
    except RecursionError:
        raise NetworkFileError(source, "", "JSON nested too deeply") from None


def _parse_toml(text: str, source: str) -> Any:
    from bptui.engine.filetext import _toml_where, _too_many_digits, check_toml_keys

    check_toml_keys(text, source)
    if text.count("=") > 3 * MAX_VALUES + 3:  # every value needs one: refused before parsing
        raise NetworkFileError(source, "", f"over {MAX_VALUES:,} values, the limit")
    try:
        return tomllib.loads(text, parse_float=Written)
    except tomllib.TOMLDecodeError as error:
        where = _toml_where(str(error), text)
        raise NetworkFileError(source, "", f"TOML syntax error {where}") from None
    except RecursionError:
        raise NetworkFileError(source, "", "TOML nested too deeply") from None
    except ValueError:  # int() refusing a number of over 4,300 digits
        too_long = _too_many_digits(text, source, "TOML")
        if too_long is None:
            raise
        raise too_long from None


def _type_name(value: Any) -> str:
    if isinstance(value, Written):
        return f"the number {shown(value.text)}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the number {shown(str(value))}" if value.bit_length() < 200 else "a long number"
    if isinstance(value, str):
        return f'the string "{shown(value)}"'
    if isinstance(value, list):
        return f"a list of {len(value):,}"
    if isinstance(value, dict):
        return "a table"
    if value is None:
        return "null"
    return type(value).__name__


def _key_name(name: str) -> str:
    from bptui.engine.filecheck import _key_name as loader_key_name

    return loader_key_name(name)


def _path(key: str, name: str) -> str:
    return f"{key}.{_key_name(name)}" if key else _key_name(name)


class _Reader:
    """Walks a parsed document (or a CSV table) into `Given` numbers, in file order."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.given: list[Given] = []
        self.seen: dict[tuple[int, int, str], str] = {}  # (epoch, sample, symbol) → key

    def fail(self, key: str, message: str) -> NetworkFileError:
        return NetworkFileError(self.source, key, message)

    # -- JSON and TOML ------------------------------------------------------------------------
    def document(self, document: Any) -> None:
        if isinstance(document, list):
            self.entries(document, "")
        elif not isinstance(document, dict):
            raise self.fail("", f"expected {SHAPES}; found {_type_name(document)}")
        elif "entries" in document:
            extra = [name for name in document if name != "entries"]
            if extra:
                raise self.fail(
                    _path("", extra[0]),
                    "unknown key beside entries (a list of entries holds every number)",
                )
            self.entries(document["entries"], "entries")
        elif any(name in document for name in ENTRY_KEYS):
            self.entry(document, "")
        else:
            self.values(document, "", (1, ""), (1, ""))

    def entries(self, value: Any, key: str) -> None:
        if not isinstance(value, list):
            raise self.fail(
                key,
                f"expected a list of entries (epoch, sample, values), found {_type_name(value)}",
            )
        if not value:
            raise self.fail(key, "expected a list of entries, found an empty list")
        for k, entry in enumerate(value):
            self.entry(entry, f"{key}[{k}]")

    def entry(self, value: Any, key: str) -> None:
        if not isinstance(value, dict):
            raise self.fail(
                key,
                f"expected an entry (a table of epoch, sample, values), found {_type_name(value)}",
            )
        for name in value:
            if name not in ENTRY_KEYS:
                raise self.fail(
                    _path(key, name),
                    "unknown key in an entry; valid keys here: epoch, sample, values",
                )
        if "values" not in value:
            raise self.fail(
                key or "values",
                "missing: an entry needs values, a table of symbols and numbers "
                '(epoch and sample default to 1): {"epoch": 1, "sample": 1, "values": {...}}',
            )
        places = []
        for name, most in (("epoch", MAX_EPOCH), ("sample", MAX_VALUES)):
            where = _path(key, name) if name in value else key
            places.append((self.whole(value.get(name), _path(key, name), name, most), where))
        self.values(value["values"], _path(key, "values"), places[0], places[1])

    def whole(self, value: Any, key: str, what: str, most: int) -> int:
        if value is None:
            return 1
        text = value.text if isinstance(value, Written) else None
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value) if value.bit_length() < 64 else "a long number"
        expected = f"expected {_a(what)} number, a whole number from 1"
        if text is None or _WHOLE.fullmatch(text) is None:
            raise self.fail(key, f"{expected}, found {_type_name(value)}")
        number = int(text)
        if not 1 <= number <= most:
            raise self.fail(key, f"{expected} to {most:,}, found {number:,}")
        return number

    def values(self, value: Any, key: str, epoch: tuple[int, str], sample: tuple[int, str]) -> None:
        if not isinstance(value, dict):
            raise self.fail(
                key or "",
                f"expected a table of symbols and numbers, found {_type_name(value)}",
            )
        for symbol, number in value.items():
            where = _path(key, symbol)
            text = self.number(number, where)
            self.add(epoch, sample, symbol, text, where)

    def number(self, value: Any, key: str) -> str:
        if isinstance(value, Written):
            raw = value.text.replace("_", "")
        elif isinstance(value, int) and not isinstance(value, bool):
            if value.bit_length() > 332:  # over 100 digits
                raise self.fail(key, f"expected a number of at most {MAX_NUMBER_TEXT} characters")
            raw = str(value)
        elif isinstance(value, str):
            raw = value
        else:
            raise self.fail(key, f"expected a number, found {_type_name(value)}")
        text = number_text(raw)
        if text is None:
            if len(raw.strip()) > MAX_NUMBER_TEXT:
                raise self.fail(
                    key,
                    f"expected a number of at most {MAX_NUMBER_TEXT} characters, found "
                    f"{len(raw.strip()):,}",
                )
            raise self.fail(key, f"expected a number, found {_type_name(value)}")
        return text

    def add(
        self, epoch: tuple[int, str], sample: tuple[int, str], symbol: str, text: str, key: str
    ) -> None:
        written = symbol.strip()
        if not written:
            raise self.fail(
                key, "expected a step's symbol (net_h1, delta_o1, dE_total/dw5), found an empty one"
            )
        if len(written) > MAX_SYMBOL:
            raise self.fail(key, f"expected a step's symbol, found {len(written):,} characters")
        if not written.isprintable():
            raise self.fail(key, f'expected a step\'s symbol, found "{shown(written)}"')
        if len(self.given) == MAX_VALUES:
            raise self.fail(key, f"over {MAX_VALUES:,} values, the limit")
        place = (epoch[0], sample[0], normalize(written))
        if place in self.seen:
            raise self.fail(
                key,
                f"the same step as {self.seen[place]} (epoch {epoch[0]}, sample {sample[0]}): "
                "each step takes one number",
            )
        self.seen[place] = key.split(", column")[0]  # (a CSV row: "row 4")
        value = float(text)
        self.given.append(
            Given(epoch[0], sample[0], written, text, value, self.source, key, epoch[1], sample[1])
        )

    # -- CSV ----------------------------------------------------------------------------------
    def csv(self, data: bytes) -> None:
        try:
            table = parse_csv(
                data,
                MAX_VALUES,
                len(CSV_COLUMNS) * 4,
                what="values",
                too_wide="expected the columns symbol, value, epoch, sample",
            )
        except CsvError as error:
            raise self.fail("", str(error)) from None
        columns: dict[str, int] = {}
        for k, name in enumerate(table.header):
            lower = name.lower()
            if lower not in CSV_COLUMNS:
                raise self.fail(
                    f"row {table.header_row}, column {k + 1}",
                    f'unknown column "{shown(name)}"; expected symbol, value, and optionally '
                    "epoch and sample",
                )
            if lower in columns:
                raise self.fail(
                    f"row {table.header_row}, column {k + 1}",
                    f"the column {lower} is given twice (columns {columns[lower] + 1} and {k + 1})",
                )
            columns[lower] = k
        for needed in ("symbol", "value"):
            if needed not in columns:
                raise self.fail(
                    f"row {table.header_row}",
                    f"no column named {needed}; expected a header row symbol,value[,epoch,sample]",
                )
        for number, cells in table.rows:

            def key(column: str, row: int = number) -> str:
                return f"row {row}, column {column}"

            places = []
            for column, most in (("epoch", MAX_EPOCH), ("sample", MAX_VALUES)):
                if column not in columns:
                    places.append((1, f"row {number}"))
                    continue
                cell = cells[columns[column]].strip()
                if not cell:
                    raise self.fail(
                        key(column), f"expected {_a(column)} number, found an empty cell"
                    )
                places.append((self.whole(Written(cell), key(column), column, most), key(column)))
            raw = cells[columns["value"]]
            text = number_text(raw)
            if text is None:
                found = "an empty cell" if not raw.strip() else f'"{shown(raw.strip())}"'
                raise self.fail(key("value"), f"expected a number, found {found}")
            self.add(places[0], places[1], cells[columns["symbol"]], text, key("symbol"))


def _a(what: str) -> str:
    return f"an {what}" if what[0] in "aeiou" else f"a {what}"
