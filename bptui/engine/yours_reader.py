"""The walk of a learner's parsed file (`bptui.engine.yours`) into `Given` numbers, in file
order: the three shapes of JSON and TOML (a table, an entry, a list of entries) and CSV rows,
each value checked and every problem one line naming its key path or its row and column.
"""

from __future__ import annotations

from typing import Any

from bptui.engine.csvfile import CsvError, parse_csv, shown
from bptui.engine.errors import NetworkFileError
from bptui.engine.symbols import normalize
from bptui.engine.yours_values import (
    _WHOLE,
    CSV_COLUMNS,
    ENTRY_KEYS,
    MAX_EPOCH,
    MAX_NUMBER_TEXT,
    MAX_SYMBOL,
    MAX_VALUES,
    SHAPES,
    Given,
    Written,
    number_text,
)


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
        expected = f"expected {_a(what)} number, a whole number from 1 to {most:,}"
        if text is None or _WHOLE.fullmatch(text) is None:
            raise self.fail(key, f"{expected}, found {_type_name(value)}")
        number = int(text)
        if not 1 <= number <= most:
            raise self.fail(key, f"{expected}, found {number:,}")
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
                if not any(cell.lower() in CSV_COLUMNS for cell in table.header):
                    raise self.fail(  # (a file of numbers without its header row)
                        f"row {table.header_row}",
                        "the first row must name the columns: symbol,value (and optionally "
                        f'epoch,sample), found "{shown(",".join(table.header))}"',
                    )
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
