"""Samples from a CSV file (`samples = { file = "xor.csv" }`): columns by name or by position,
one line naming the network file, samples.file, the CSV file, the row and the column for every
bad CSV, the row limit refused fast, the CSV-backed preset printed self-contained, and sessions
that never depend on the CSV file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from bptui.cli import main
from bptui.engine.csvfile import CsvError, parse_csv
from bptui.engine.errors import BptuiError, NetworkFileError
from bptui.engine.history import History
from bptui.engine.loader import MAX_SAMPLES, load_network, preset_names, preset_text
from bptui.engine.session import Session, load_session, network_document, save_session

ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

# A 2-3-1 XOR network whose columns are named: input_names, and the output layer's names.
NAMED = """
input_names = ["i1", "i2"]
samples = { file = "xor.csv" }
[[layers]]
activation = "tanh"
weights = [[0.8, -0.6], [-0.7, 0.9], [0.5, 0.4]]
[[layers]]
activation = "sigmoid"
weights = [[0.7, 0.6, -0.5]]
"""
XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [[0.0], [1.0], [1.0], [0.0]]
XOR_CSV = "i1,i2,o1\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def xor_net(folder: Path, csv: str | bytes = XOR_CSV, net: str = NAMED) -> Path:
    write(folder, "xor.csv", csv)
    return write(folder, "net.toml", net)


def assert_samples(path: Path | str, inputs: list, targets: list) -> None:
    network = load_network(path)
    assert network.inputs.tolist() == inputs
    assert network.targets.tolist() == targets
    assert network.inputs.dtype == network.targets.dtype == np.float64


# ---------------------------------------------------------------------------------------------
# What loads


def test_named_columns_in_another_order(tmp_path: Path) -> None:
    """With input_names, each column is found by its name, whatever the order."""
    csv = 'o1, i2 ,i1\n0,0,0\n1,1,0\n"1",0,1\n0,1.0,1e0\n'  # spaces, a quoted number
    assert_samples(xor_net(tmp_path, csv), XOR_INPUTS, XOR_TARGETS)


def test_named_columns_use_the_output_layers_names(tmp_path: Path) -> None:
    net = NAMED.replace('input_names = ["i1", "i2"]', 'input_names = ["a", "b"]') + (
        'names = ["xor"]\n'
    )
    csv = "xor,b,a\n0,0,0\n1,1,0\n1,0,1\n0,1,1\n"
    assert_samples(xor_net(tmp_path, csv, net), XOR_INPUTS, XOR_TARGETS)
    assert load_network(tmp_path / "net.toml").input_names == ("a", "b")


def test_positional_columns_with_the_inputs_from_the_first_layers_weights(tmp_path: Path) -> None:
    """Without input_names the header only names the columns: inputs first, then targets."""
    net = NAMED.replace('input_names = ["i1", "i2"]\n', "")
    csv = "o1,x,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"  # names that would mislead by name
    assert_samples(xor_net(tmp_path, csv, net), XOR_INPUTS, XOR_TARGETS)
    assert load_network(tmp_path / "net.toml").input_names == ("i1", "i2")


def test_positional_columns_with_a_sized_first_layer_count_the_outputs(tmp_path: Path) -> None:
    """A first layer given by size and no input_names: the inputs are the columns left of the
    last layer's outputs (here 4 columns, 2 outputs: 2 inputs)."""
    net = (
        'samples = { file = "data.csv" }\n'
        '[[layers]]\nactivation = "tanh"\nsize = 3\n'
        '[[layers]]\nactivation = "sigmoid"\nsize = 2\n'
    )
    write(tmp_path, "data.csv", "p,q,r,s\n0.1,0.2,0.3,0.4\n0.5,0.6,0.7,0.8\n")
    network = load_network(write(tmp_path, "net.toml", net))
    assert network.inputs.tolist() == [[0.1, 0.2], [0.5, 0.6]]
    assert network.targets.tolist() == [[0.3, 0.4], [0.7, 0.8]]
    assert [layer.n_out for layer in network.layers] == [3, 2]


def test_the_path_is_relative_to_the_network_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xor_net(tmp_path / "nets")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert_samples(tmp_path / "nets" / "net.toml", XOR_INPUTS, XOR_TARGETS)
    assert_samples("../nets/net.toml", XOR_INPUTS, XOR_TARGETS)


def test_an_absolute_path_a_dotdot_path_and_a_json_network(tmp_path: Path) -> None:
    data = write(tmp_path, "data/xor.csv", XOR_CSV)
    absolute = NAMED.replace('"xor.csv"', json.dumps(str(data)))
    assert_samples(write(tmp_path, "a/net.toml", absolute), XOR_INPUTS, XOR_TARGETS)
    dotdot = NAMED.replace('"xor.csv"', '"../data/xor.csv"')
    assert_samples(write(tmp_path, "b/net.toml", dotdot), XOR_INPUTS, XOR_TARGETS)
    document = {
        "input_names": ["i1", "i2"],
        "samples": {"file": "../data/xor.csv"},
        "layers": [{"activation": "sigmoid", "weights": [[0.1, 0.2]]}],
    }
    assert_samples(write(tmp_path, "c/net.json", json.dumps(document)), XOR_INPUTS, XOR_TARGETS)


def test_a_bom_crlf_line_ends_and_blank_lines(tmp_path: Path) -> None:
    csv = "\ufeffi1,i2,o1\r\n0,0,0\r\n\r\n0,1,1\r\n1,0,1\r\n1,1,0"  # and no last line end
    assert_samples(xor_net(tmp_path, csv.encode("utf-8")), XOR_INPUTS, XOR_TARGETS)


def run_in(cwd: Path, *args: str, stdin=None, input: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "bptui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        stdin=stdin,
        input=input,
        env=ENV,
        timeout=120,
    )


def test_standard_input_reads_the_csv_from_the_current_directory(tmp_path: Path) -> None:
    """A network given on standard input (a redirect or a pipe) has no folder: its CSV is read
    from the current directory, never from /dev or /proc."""
    net = xor_net(tmp_path / "nets")
    write(tmp_path, "xor.csv", "i1,i2,o1\n0.25,0.5,1\n")  # the current directory's own
    args = ("train", "/dev/stdin", "--epochs", "1", "--format", "json")
    with open(net, encoding="utf-8") as handle:
        redirected = run_in(tmp_path, *args, stdin=handle)
    piped = run_in(tmp_path, *args, input=net.read_text(encoding="utf-8"))
    for result in (redirected, piped):
        assert result.returncode == 0, result.stderr
        assert len(json.loads(result.stdout)["outputs"]) == 1  # the one row of ./xor.csv
    missing = run_in(tmp_path, *args, input=NAMED.replace("xor.csv", "no.csv"))
    assert missing.returncode == 2
    assert missing.stderr == "bptui: /dev/stdin: samples.file: no.csv: no such file\n"


# ---------------------------------------------------------------------------------------------
# What is refused: one line, exit status 2, naming the file, samples.file, the CSV, the row and
# the column

NAMED_BCE = NAMED.replace("input_names", 'loss = "bce"\ninput_names')
SOFTMAX = """
loss = "cross_entropy"
input_names = ["x"]
samples = { file = "xor.csv" }
[[layers]]
activation = "softmax"
weights = [[0.1], [0.2]]
"""
POSITIONAL = NAMED.replace('input_names = ["i1", "i2"]\n', "")
SIZED = (
    'samples = { file = "xor.csv" }\n'
    '[[layers]]\nactivation = "tanh"\nsize = 3\n'
    '[[layers]]\nactivation = "sigmoid"\nsize = 2\n'
)

BAD_CSV = [
    # (id, network, CSV contents, the message after "bptui: NET: samples.file: xor.csv: ")
    (
        "text",
        NAMED,
        "i1,i2,o1\n0,0,0\n0,1,1\nabc_row,abc,1\n",
        'row 4, column i1: expected a number, found "abc_row"',
    ),
    (
        "text-in-named-order",
        NAMED,
        "o1,i2,i1\n0,0,0\n1,abc,0\n",
        'row 3, column i2: expected a number, found "abc"',
    ),
    (
        "empty-cell",
        NAMED,
        "i1,i2,o1\n0,,0\n",
        "row 2, column i2: expected a number, found an empty cell",
    ),
    (
        "blank-cell",
        NAMED,
        "i1,i2,o1\n0,0,  \n",
        "row 2, column o1: expected a number, found an empty cell",
    ),
    (
        "quoted-text",
        NAMED,
        'i1,i2,o1\n0,"0.5",0\n"1 2",0,1\n',
        'row 3, column i1: expected a number, found "1 2"',
    ),
    # (Python reads 1_0 as 10 and ３ as 3: a typo let through, the hostile trial)
    (
        "underscore",
        NAMED,
        "i1,i2,o1\n0,1_0,0\n",
        'row 2, column i2: expected a number, found "1_0"',
    ),
    ("wide-digit", NAMED, "i1,i2,o1\n0,３,0\n", 'row 2, column i2: expected a number, found "３"'),
    ("nan", NAMED, "i1,i2,o1\n0,nan,0\n", "row 2, column i2: expected a finite number, found nan"),
    (
        "inf",
        NAMED,
        "i1,i2,o1\n0,0,-inf\n",
        "row 2, column o1: expected a finite number, found -inf",
    ),
    (
        "overflow",
        NAMED,
        "i1,i2,o1\n1e999,0,0\n",
        "row 2, column i1: expected a finite number, found 1e999",
    ),
    (
        "no-header",
        NAMED,
        "0,0,0\n0,1,1\n",
        "row 1: expected a header row naming the columns, found numbers (0, 0, 0)",
    ),
    ("no-rows", NAMED, "i1,i2,o1\n", "has a header row (row 1) but no rows of samples"),
    ("only-blank-lines-after", NAMED, "i1,i2,o1\n\n\n", "has a header row (row 1) but no rows"),
    ("empty", NAMED, "", "the file is empty; expected a header row naming the columns"),
    ("whitespace", NAMED, " \n\n", "the file is empty"),
    ("not-utf8", NAMED, b"i1,i2,o1\n0,0,\xe9\n", "is not UTF-8 text (byte 0xe9 at offset 13)"),
    (
        "more-cells",
        NAMED,
        "i1,i2,o1\n0,0,0\n0,1,1,1\n",
        "row 3: expected 3 cells (as the header has), found 4",
    ),
    (
        "fewer-cells",
        NAMED,
        "i1,i2,o1\n0,0\n",
        "row 2: expected 3 cells (as the header has), found 2",
    ),
    (
        "duplicate-header",
        NAMED,
        "i1,i2,i1\n0,0,0\n",
        'row 1: the column name "i1" is given twice (columns 1 and 3)',
    ),
    (
        "empty-header-name",
        NAMED,
        "i1,,o1\n0,0,0\n",
        "row 1, column 2: expected a column name, found an empty cell",
    ),
    (
        "extra-columns",
        NAMED,
        "i1,i2,o1,note,w\n0,0,0,0,0\n",
        "row 1: columns note, w are not the network's",
    ),
    (
        "missing-column",
        NAMED,
        "i1,o1\n0,0\n",
        "row 1: no column i2 (the columns are the inputs i1, i2 and the outputs o1)",
    ),
    (
        "misspelt-column",
        NAMED,
        "i1,i3,o1\n0,0,0\n",
        "row 1: no column i2; column i3 is not the network's",
    ),
    (
        "positional-count",
        POSITIONAL,
        "a,b,c,d\n0,0,0,0\n",
        "expected 3 columns (2 inputs, then 1 target, by position",
    ),
    (
        "sized-too-few",
        SIZED,
        "a,b\n0,0\n",
        "expected at least 3 columns (the inputs, then 2 targets), found 2",
    ),
    (
        "bce-target",
        NAMED_BCE,
        "i1,i2,o1\n0,0,0\n0,1,1.5\n",
        "row 3, column o1: bce targets must lie between 0 and 1, found 1.5",
    ),
    (
        "cross-entropy-sum",
        SOFTMAX,
        "x,o1,o2\n1,0.5,0.5\n2,0.5,0.6\n",
        "row 3: cross_entropy targets must sum to 1",
    ),
    (
        "cross-entropy-sum-digits",  # (it said `found 1`: the second hostile trial)
        SOFTMAX,
        "x,o1,o2\n1,0.5,0.5000001\n",
        "row 2: cross_entropy targets must sum to 1 (within 1e-9), found 1.0000001",
    ),
    (
        "cross-entropy-negative",
        SOFTMAX,
        "o2,x,o1\n1,0,0\n-1,2,2\n",
        "row 3, column o2: cross_entropy targets must not be negative",
    ),
    ("unclosed-quote", NAMED, 'i1,i2,o1\n0,"0,0\n', "row 2: a quoted cell is never closed"),
    (
        "text-after-quote",
        NAMED,
        'i1,i2,o1\n0,"0"x,0\n',
        "row 2: expected a comma after a quoted cell's closing",
    ),
    ("nul-byte", NAMED, "i1,i2,o1\n0,0\x00,0\n", "row 2: a NUL byte; expected text"),
    (
        "carriage-returns",
        NAMED,
        "i1,i2,o1\r0,0,0\r",
        "row 1: a line ends in a lone carriage return",
    ),
    (
        "carriage-returns-many-rows",  # one "line" of 15,000 cells, were it not refused first
        NAMED,
        "i1,i2,o1\r" + "0,0,0\r" * 5000,
        "row 1: a line ends in a lone carriage return",
    ),
    (
        "a-carriage-return-in-row-3",
        NAMED,
        "i1,i2,o1\n0,0,0\n1,1\r,1\n",
        "row 3: a line ends in a lone",
    ),
    ("too-many-columns", NAMED, "," * 9000 + "\n", "row 1: over 8,192 columns"),
    (
        "a-long-row",
        NAMED,
        "i1,i2,o1\n0,0,0\n" + "0," * 100_000 + "0\n",
        "row 3: expected 3 cells (as the header has), found 100,001",
    ),
    (
        "huge-cell",
        NAMED,
        'i1,i2,o1\n0,0,"' + "1" * 200_000 + '"\n',
        "row 2: a cell of over 131,072 characters",
    ),
]


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code: int, out: str, err: str, expected_start: str, fragment: str) -> None:
    assert "Traceback" not in err, err
    assert (code, out) == (2, ""), err
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    assert lines[0].startswith(expected_start), lines[0]
    assert fragment in lines[0], lines[0]
    assert lines[0].isprintable()


@pytest.mark.parametrize(("name", "net", "csv", "fragment"), BAD_CSV, ids=[c[0] for c in BAD_CSV])
def test_a_bad_csv_is_one_line_naming_file_row_and_column(
    name: str, net: str, csv: str | bytes, fragment: str, tmp_path: Path, capsys
) -> None:
    path = xor_net(tmp_path, csv, net)
    with pytest.raises(NetworkFileError) as info:
        load_network(path)
    assert info.value.key == "samples.file"
    assert str(info.value).startswith(f"{path}: samples.file: xor.csv: ")
    assert fragment in str(info.value)
    for command in (["check"], ["trace"], ["train", "--epochs", "2"], []):
        result = in_process(capsys, *command, str(path))
        assert_one_line(*result, f"bptui: {path}: samples.file: xor.csv: ", fragment)


def test_a_bad_csv_through_python_m_bptui(tmp_path: Path) -> None:
    """The example of the brief, as a real process: exit status 2 and this exact line."""
    xor_net(tmp_path, "i1,i2,o1\n0,0,0\n0,1,1\n1,abc,1\n1,1,0\n")
    result = run_in(tmp_path, "trace", "net.toml")
    assert (result.returncode, result.stdout) == (2, "")
    expected = (
        'bptui: net.toml: samples.file: xor.csv: row 4, column i2: expected a number, found "abc"\n'
    )
    assert result.stderr == expected


@pytest.mark.parametrize(
    ("csv", "fragment"),
    [
        (None, "xor.csv: no such file"),
        ("i1,i1,o1\n0,0,0\n", 'row 1: the column name "i1" is given twice'),
        (b"i1,i2,o1\n\xff\n", "is not UTF-8 text"),
    ],
)
def test_bad_csvs_as_processes(tmp_path: Path, csv: str | bytes | None, fragment: str) -> None:
    net = xor_net(tmp_path / "nets", csv if csv is not None else XOR_CSV)
    if csv is None:
        (tmp_path / "nets" / "xor.csv").unlink()
    result = run_in(tmp_path, "trace", "nets/net.toml")
    assert_one_line(
        result.returncode,
        result.stdout,
        result.stderr,
        "bptui: nets/net.toml: samples.file: xor.csv: ",
        fragment,
    )
    assert net.exists()


def test_a_missing_csv_says_where_it_looked(tmp_path: Path, capsys) -> None:
    net = write(tmp_path / "nets", "net.toml", NAMED)
    result = in_process(capsys, "check", str(net))
    where = tmp_path / "nets" / "xor.csv"
    assert_one_line(
        *result, f"bptui: {net}: samples.file: xor.csv: ", f"no such file (looked for {where})"
    )


def test_a_directory_a_device_and_a_file_over_the_size_limit(tmp_path: Path, capsys) -> None:
    (tmp_path / "xor.csv").mkdir()
    net = write(tmp_path, "net.toml", NAMED)
    result = in_process(capsys, "check", str(net))
    assert_one_line(
        *result, f"bptui: {net}: samples.file: xor.csv: ", "is a directory, not a CSV file"
    )

    device = write(tmp_path, "device.toml", NAMED.replace('"xor.csv"', '"/dev/zero"'))
    result = in_process(capsys, "check", str(device))
    assert_one_line(
        *result,
        f"bptui: {device}: samples.file: /dev/zero: ",
        "is not a regular file or a pipe (a character device)",
    )

    with open(tmp_path / "big.csv", "wb") as out:
        out.truncate(65 * 1024 * 1024)  # sparse: nothing is written
    big = write(tmp_path, "big.toml", NAMED.replace('"xor.csv"', '"big.csv"'))
    started = time.perf_counter()
    result = in_process(capsys, "check", str(big))
    assert time.perf_counter() - started < 5
    assert_one_line(
        *result, f"bptui: {big}: samples.file: big.csv: ", "is 65 MB, over the limit of 64 MB"
    )


def test_an_unreadable_csv(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    net = xor_net(tmp_path)
    csv = str(tmp_path / "xor.csv")
    real_open = os.open

    def refuse(name, *args, **kwargs) -> int:
        if str(name) == csv:
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    result = in_process(capsys, "check", str(net))
    assert_one_line(
        *result, f"bptui: {net}: samples.file: xor.csv: ", "cannot be read: permission denied"
    )


@pytest.mark.parametrize(
    ("samples", "start", "fragment"),
    [
        (
            '{ file = "xor.csv", sheet = 1 }',
            "samples.sheet: ",
            "unknown key; valid keys here: file",
        ),
        ("{ file = 3 }", "samples.file: ", "expected a string, found the number 3"),
        ('{ file = "xor\\u0000.csv" }', "samples.file: ", "a file name cannot hold a NUL byte"),
        (
            '{ file = "" }',
            "samples.file: ",
            "expected the name of a CSV file, found an empty string",
        ),
        (
            "{ inputs = [0, 0], targets = [0] }",
            "samples: ",
            "found a table without file (keys: inputs, targets)",
        ),
        ('"xor.csv"', "samples: ", 'or a table { file = "NAME.csv" }, found the string "xor.csv"'),
    ],
)
def test_the_samples_table(tmp_path: Path, capsys, samples: str, start: str, fragment: str) -> None:
    net = xor_net(tmp_path, XOR_CSV, NAMED.replace('{ file = "xor.csv" }', samples))
    result = in_process(capsys, "check", str(net))
    assert_one_line(*result, f"bptui: {net}: {start}", fragment)


# ---------------------------------------------------------------------------------------------
# The row limit


def many_rows(tmp_path: Path, rows: int) -> Path:
    return xor_net(tmp_path, "i1,i2,o1\n" + "0.123456789,0.987654321,0.5\n" * rows)


def test_100001_rows_are_refused_fast(tmp_path: Path, capsys) -> None:
    """Counted before any number is converted: refused in well under the bound (0.2 s in
    process, 0.6 s as a process on this project's loaded two cores)."""
    net = many_rows(tmp_path, MAX_SAMPLES + 1)
    started = time.perf_counter()
    with pytest.raises(NetworkFileError):  # (before `check` runs on 100,001 samples)
        load_network(net)
    assert time.perf_counter() - started < 5
    started = time.perf_counter()
    result = in_process(capsys, "check", str(net))
    seconds = time.perf_counter() - started
    assert_one_line(
        *result,
        f"bptui: {net}: samples.file: xor.csv: ",
        f"over {MAX_SAMPLES:,} rows of samples, the limit",
    )
    assert seconds < 5, seconds
    started = time.perf_counter()
    process = run_in(tmp_path, "train", "net.toml")
    seconds = time.perf_counter() - started
    assert process.returncode == 2 and "over 100,000 rows of samples" in process.stderr
    assert seconds < 5, seconds


def test_a_row_of_millions_of_cells_is_refused_before_csv_splits_it() -> None:
    """A 10 MB row of 2.5 million cells is refused from its line alone: never made into 2.5
    million strings (150 MB); the text and the line are all that is held."""
    data = b"i1,i2,o1\n0,0,0\n" + b"0.5," * 2_500_000 + b"0\n"
    tracemalloc.start()
    try:
        with pytest.raises(CsvError) as info:
            parse_csv(data, MAX_SAMPLES, 8192)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(info.value) == "row 3: expected 3 cells (as the header has), found 2,500,001"
    assert peak < 4 * len(data), f"{peak:,} bytes"


def test_100000_rows_load(tmp_path: Path) -> None:
    network = load_network(many_rows(tmp_path, MAX_SAMPLES))
    assert network.inputs.shape == (MAX_SAMPLES, 2)
    assert network.targets.shape == (MAX_SAMPLES, 1)


# ---------------------------------------------------------------------------------------------
# The preset


def test_the_csv_preset_is_listed_and_its_csv_is_not(capsys) -> None:
    assert "and-or" in preset_names()
    assert not any(name.endswith("csv") for name in preset_names())
    assert resources.files("bptui.presets").joinpath("and-or.csv").is_file()
    code, out, _ = in_process(capsys, "presets")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()].count("and-or") == 1
    assert "and-or.csv" not in out.split()


def test_the_csv_preset_prints_self_contained_toml(tmp_path: Path, capsys) -> None:
    code, text, _ = in_process(capsys, "presets", "and-or")
    assert code == 0
    assert text == preset_text("and-or")
    assert "file =" not in text and text.count("\n[[samples]]\n") == 4
    copy = write(tmp_path, "copy.toml", text)  # no and-or.csv beside it
    network, again = load_network("and-or"), load_network(copy)
    assert np.array_equal(again.inputs, network.inputs)
    assert np.array_equal(again.targets, network.targets)
    assert again.inputs.tolist() == XOR_INPUTS
    assert again.targets.tolist() == [[0.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 1.0]]
    assert again.params.equals(network.params)
    assert again.input_names == network.input_names == ("a", "b")
    assert again.layers[-1].names == ("AND", "OR")
    assert (again.name, again.loss, again.update) == (network.name, "bce", "batch_mean")


def test_the_csv_preset_runs_from_any_directory(tmp_path: Path) -> None:
    result = run_in(tmp_path, "train", "and-or", "--epochs", "2000", "--format", "json")
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)["outputs"]
    assert [[round(v) for v in row] for row in outputs] == [[0, 0], [0, 1], [0, 1], [1, 1]]


# ---------------------------------------------------------------------------------------------
# Sessions


def test_a_session_of_a_csv_network_reopens_without_the_csv(tmp_path: Path) -> None:
    net = xor_net(tmp_path)
    network = load_network(net)
    path = save_session(Session(History(network)), tmp_path / "lesson.bptui")
    (tmp_path / "xor.csv").unlink()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["network"]["samples"] == [
        {"inputs": x, "targets": t} for x, t in zip(XOR_INPUTS, XOR_TARGETS, strict=True)
    ]
    again = load_session(path).history.network_for(1)
    assert np.array_equal(again.inputs, network.inputs)
    assert np.array_equal(again.targets, network.targets)
    assert again.params.equals(network.params)


def test_a_session_naming_a_csv_file_is_refused(tmp_path: Path) -> None:
    """A session never reads a CSV file, even one that is there: its samples are written out."""
    xor_net(tmp_path)
    path = save_session(Session(History(load_network(tmp_path / "net.toml"))), tmp_path / "s.bptui")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["network"]["samples"] = {"file": str(tmp_path / "xor.csv")}
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(BptuiError) as info:
        load_session(path)
    message = str(info.value)
    assert message.startswith(f"{path}: network: samples.file: expected the samples written out")


def test_network_document_writes_the_samples_out(tmp_path: Path) -> None:
    document = network_document(load_network("and-or"))
    assert isinstance(document["samples"], list) and len(document["samples"]) == 4


def test_a_cell_may_write_minus_as_bptui_does(tmp_path: Path) -> None:
    """−1 (U+2212), as bptui writes its numbers and `compare` reads them, was refused."""
    path = xor_net(tmp_path, "i1,i2,o1\n−1,0.5,1\n", NAMED)
    assert load_network(path).inputs.tolist() == [[-1.0, 0.5]]


def test_one_cell_is_one_cell() -> None:
    """ "expected 1 cells" (the hostile trial)."""
    from bptui.engine.csvfile import _cells

    assert (_cells(1), _cells(3), _cells(1000)) == ("1 cell", "3 cells", "1,000 cells")
