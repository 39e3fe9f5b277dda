"""The samples of a network file read from a CSV file: `samples = { file = "xor.csv" }`.

The CSV is UTF-8 (a byte-order mark is allowed), comma-separated, with a header row naming the
columns and then one row per sample; fields may be quoted (`"0.5"`), blank lines are skipped.
This module reads the table as text and checks its shape: which columns are inputs and which
are targets, and the numbers themselves, are the loader's (`bptui.engine.filesamples`), which names
the network file, `samples.file`, the CSV file, the row and the column in every message.

Rows are counted before any number is converted, and the rows are read one at a time, so a file
of more rows than the limit is refused after reading one row over it; a row of more cells than
the header (or a header of more than `max_columns`) is refused as soon as its line is seen,
before the cells are split out (a 64 MB line of commas never becomes millions of strings).
Rows are numbered from 1, the header being row 1 (blank lines count, as an editor shows them).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator

from bptui.engine.errors import one_line
from bptui.records import dataclass

_LONE_CR = re.compile(r"\r(?!\n)")
LONE_CR = 'a line ends in a lone carriage return ("\\r"); expected "\\n" or "\\r\\n" line ends'


class CsvError(Exception):
    """A problem with the CSV's contents; str() is the message, without the file's name."""


@dataclass(frozen=True)
class CsvTable:
    header: tuple[str, ...]  # the column names, stripped of surrounding spaces
    header_row: int  # the header's row number (1 unless blank lines come first)
    rows: list[tuple[int, list[str]]]  # (row number, cells), as many cells as the header


def shown(text: str, width: int = 30) -> str:
    """A cell or a name as a message quotes it: shortened, on one line."""
    text = text if len(text) <= width else text[: width - 3] + "..."
    return one_line(text)


def cell_text(cell: str) -> str:
    """What a message says was found in a cell that is not a number."""
    if not cell.strip():
        return "an empty cell"
    return f'"{shown(cell.strip())}"'


def cell_number(cell: str) -> float:
    """A cell's number as a person writes it: Python's float syntax, − (U+2212) for minus
    as bptui writes it, but neither its underscores (`1_0` read as 10: the hostile trial) nor
    other scripts' digits (`３`); a ValueError otherwise."""
    text = cell.strip().replace("\u2212", "-")
    if "_" in text or not text.isascii():
        raise ValueError(cell)
    return float(text)


def _is_number(cell: str) -> bool:
    try:
        cell_number(cell)
    except ValueError:
        return False
    return True


class _TooManyCells(Exception):
    def __init__(self, cells: int) -> None:
        super().__init__(cells)
        self.cells = cells


def _split_lines(text: str) -> Iterator[str]:
    """The lines of `text`, each with its "\n", one at a time (io.StringIO would hold a copy
    of the whole text, four bytes a character)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


class _Lines:
    """The CSV's lines for csv.reader, counting the cells of the record being read (the commas
    outside quotes) so that a record of more than `most` cells is refused before csv.reader
    splits it. The count follows the quotes as the default dialect does for any well-formed
    field; for a quote in the middle of an unquoted field it can only count fewer commas."""

    def __init__(self, text: str, most: int) -> None:
        self._lines = _split_lines(text)
        self.most = most
        self._inside = False  # within a quoted field that goes on to the next line
        self._cells = 1

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if not self._inside:
            self._cells = 1
        if not self._inside and '"' not in line:
            self._cells += line.count(",")
        else:
            parts = line.split('"')
            self._cells += sum(part.count(",") for part in parts[1 if self._inside else 0 :: 2])
            if len(parts) % 2 == 0:
                self._inside = not self._inside
        if self._cells > self.most:
            raise _TooManyCells(self._cells)
        return line


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CsvError(
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_csv(
    data: bytes,
    max_rows: int,
    max_columns: int,
    what: str = "samples",
    too_wide: str = "more than a network's inputs and outputs can be",
) -> CsvTable:
    """The header and the rows of a CSV file, as text; a `CsvError` for a file that is not
    UTF-8, empty, without a header or rows, with a duplicate or empty column name, a row of
    another number of cells than the header, or over `max_rows` rows. `what` the rows hold
    and why a header of over `max_columns` columns is refused say so in the messages."""
    text = decode(data)
    if not text.strip():
        raise CsvError("the file is empty; expected a header row naming the columns, then rows")
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise CsvError(f"row {row}: a NUL byte; expected text")
    lone = _LONE_CR.search(text)
    if lone is not None:  # (else a file of "\r" line ends would be one line of many cells)
        row = text.count("\n", 0, lone.start()) + 1
        raise CsvError(f"row {row}: {LONE_CR}")
    lines = _Lines(text, max_columns)
    reader = csv.reader(lines, strict=True)
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[tuple[int, list[str]]] = []
    number = 0  # the row being read
    try:
        for number, cells in enumerate(reader, start=1):
            if not cells:
                continue  # a blank line
            if header is None:
                header, header_row = _header(cells, number), number
                lines.most = len(header)
                continue
            if len(cells) != len(header):
                raise CsvError(
                    f"row {number}: expected {_cells(len(header))} (as the header has), "
                    f"found {len(cells)}"
                )
            if len(rows) == max_rows:
                raise CsvError(f"over {max_rows:,} rows of {what}, the limit")
            rows.append((number, cells))
    except _TooManyCells as error:
        row = number + 1
        if header is None:
            raise CsvError(f"row {row}: over {max_columns:,} columns, {too_wide}") from None
        raise CsvError(
            f"row {row}: expected {_cells(len(header))} (as the header has), found {error.cells:,}"
        ) from None
    except csv.Error as error:
        raise CsvError(f"row {number + 1}: {_csv_problem(str(error))}") from None
    if header is None:  # pragma: no cover (a file of blank lines is empty)
        raise CsvError("the file is empty; expected a header row naming the columns, then rows")
    if not rows:
        raise CsvError(f"has a header row (row {header_row}) but no rows of {what}")
    return CsvTable(header, header_row, rows)


def _csv_problem(message: str) -> str:
    """csv.Error's message in the words of the other messages."""
    if "unexpected end of data" in message:
        return 'a quoted cell is never closed (a " with no closing ")'
    if "expected after" in message:
        return "expected a comma after a quoted cell's closing \""
    if "new-line character seen in unquoted field" in message:  # pragma: no cover
        return LONE_CR
    if "field larger than field limit" in message:
        return f"a cell of over {csv.field_size_limit():,} characters"
    return f"not valid CSV ({one_line(message)})"


def _header(cells: list[str], number: int) -> tuple[str, ...]:
    names = tuple(cell.strip() for cell in cells)
    if any(_is_number(cell) for cell in cells):  # (a number names no column: a row of values)
        found = ", ".join(shown(name, 12) for name in names[:4])
        more = ", ..." if len(names) > 4 else ""
        what = "numbers" if all(_is_number(cell) for cell in cells) else "values"
        raise CsvError(
            f"row {number}: expected a header row naming the columns, found {what} ({found}{more})"
        )
    seen: dict[str, int] = {}
    for column, name in enumerate(names, start=1):
        if not name:
            raise CsvError(
                f"row {number}, column {column}: expected a column name, found an empty cell"
            )
        if name in seen:
            raise CsvError(
                f'row {number}: the column name "{shown(name)}" is given twice '
                f"(columns {seen[name]} and {column})"
            )
        seen[name] = column
    return names


def first_bad_cell(table: CsvTable) -> tuple[int, int, str]:
    """(row number, column index, message) of the first cell, row by row, that is not a finite
    number (`cell_number`); a `ValueError` if there is none."""
    for number, cells in table.rows:
        for column, cell in enumerate(cells):
            try:
                value = cell_number(cell)
            except ValueError:
                return number, column, f"expected a number, found {cell_text(cell)}"
            if not math.isfinite(value):
                return number, column, f"expected a finite number, found {shown(cell.strip())}"
    raise ValueError("every cell is a finite number")


def _cells(count: int) -> str:
    """`1 cell`, `3 cells`."""
    return f"{count:,} cell" if count == 1 else f"{count:,} cells"
