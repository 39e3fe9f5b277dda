"""A network file's samples: [[samples]] tables, or `samples = { file = "NAME.csv" }`.

A CSV file (`bptui.engine.csvfile`) is read by column name when the network file gives
`input_names` (the inputs', then the output layer's names), else by position (the inputs, then
the targets); every problem is a one-line error at `samples.file` naming the CSV file as given,
the row and the column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bptui.engine.errors import NetworkFileError
from bptui.engine.filecheck import MAX_NEURONS, MAX_SAMPLES, _Checker, _key_name, _shown
from bptui.engine.ops import LOSSES
from bptui.records import dataclass

if TYPE_CHECKING:  # (the CSV reader is imported when a network names a CSV file: most do not)
    from bptui.engine.csvfile import CsvTable


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
    from bptui.engine.csvfile import CsvError, parse_csv
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
    from bptui.engine.csvfile import cell_number  # (a CSV's reader: only for a CSV's net)

    table = csv.table
    try:
        values = np.array(
            [[cell_number(cell) for cell in cells] for _, cells in table.rows], dtype=np.float64
        )
        finite = bool(np.isfinite(values).all())
    except ValueError:
        finite = False
    if not finite:
        from bptui.engine.csvfile import first_bad_cell

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


def _check_targets(c: _Checker, loss: str, target: list[float], key: str) -> None:
    problem = LOSSES[loss].check_targets(target)
    if problem is not None:
        index, message = problem
        raise c.fail(key if index is None else f"{key}[{index}]", message)
