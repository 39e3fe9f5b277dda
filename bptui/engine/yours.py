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

The numbers as written and their tolerance are `bptui.engine.yours_values`'; the walk of a
parsed document or a CSV table into them is `bptui.engine.yours_reader`'s.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from bptui.engine.csvfile import shown
from bptui.engine.errors import NetworkFileError, one_line
from bptui.engine.filetext import decode_text
from bptui.engine.yours_reader import _Reader
from bptui.engine.yours_values import (
    MAX_VALUES,
    MAX_YOURS_BYTES,
    SHAPES,
    WHAT,
    Given,
    Written,
    _json_constant,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# ---------------------------------------------------------------------------------------------
# Reading


def read_yours(path: str | Path, pipe_wait: float | None = None) -> list[Given]:
    """The numbers of the file at `path` (a regular file or a pipe, at most 16 MB; a pipe's
    writer waited for `pipe_wait` seconds, by default the command line's)."""
    from bptui.engine.source import PIPE_WAIT_SECONDS, read_limited

    name = str(path)
    wait = PIPE_WAIT_SECONDS if pipe_wait is None else pipe_wait
    data = read_limited(path, MAX_YOURS_BYTES, WHAT, wait)
    return parse_yours(data, name, Path(name).suffix.lower())


def parse_yours(data: bytes, source: str, suffix: str = "") -> list[Given]:
    """The numbers in the bytes of a YOURS file: CSV, JSON or TOML by `suffix` (`.csv`,
    `.json`, `.toml`), else by a look at the text."""
    if len(data) > MAX_YOURS_BYTES:
        raise NetworkFileError(source, "", f"holds over {MAX_YOURS_BYTES // 2**20} MB, the limit")
    text = decode_text(data, source, SHAPES)
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
