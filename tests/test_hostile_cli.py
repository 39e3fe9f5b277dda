"""The commands against everything a hostile user can hand them: every command in every format
on every preset and on random nets of every update mode, special files, closed and full output
streams, names that look like presets, huge keys and names, files over the limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bptui.cli import main
from bptui.engine.history import History
from bptui.engine.loader import MAX_PARAMS, MAX_SAMPLES, load_network, preset_names
from bptui.engine.session import Session, save_session
from tests.netgen import document

PYTHON = sys.executable
PRESETS = preset_names()
RUNS = [
    ["trace", "--format", "text"],
    ["trace", "--format", "markdown"],
    ["trace", "--format", "json"],
    ["trace", "--epochs", "2", "--precision", "2"],
    ["train", "--epochs", "30"],
    ["train", "--epochs", "30", "--format", "json"],
    ["check"],
]


def bptui(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "bptui", *args], capture_output=True, text=True, timeout=120, **kwargs
    )


def run_main(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("command", RUNS, ids=" ".join)
def test_every_command_in_every_format_on_every_preset(
    preset: str, command: list[str], capsys
) -> None:
    code, out, err = run_main([command[0], preset, *command[1:]], capsys)
    assert (code, err) == (0, ""), err
    assert out.strip()
    if "json" in command:
        json.loads(out)


RANDOM_NETS = [
    # (loss, output, hidden, sizes, biases, update, order, train_biases, samples)
    ("half_sse", "sigmoid", ["tanh"], [2, 3, 2], ["shared", "neuron"], "online",
     "before_update", True, 2),
    ("sse", "softmax", ["relu"], [3, 2, 3], ["neuron", "none"], "online",
     "after_output_update", False, 3),
    ("mse", "linear", ["sigmoid", "tanh"], [2, 2, 3, 1], ["none", "shared", "neuron"],
     "batch_sum", "before_update", True, 4),
    ("bce", "sigmoid", ["relu"], [2, 4, 2], ["shared", "shared"], "batch_mean",
     "before_update", True, 3),
    ("cross_entropy", "softmax", [], [3, 3], ["neuron"], "batch_sum", "before_update", True, 2),
    ("half_sse", "tanh", ["linear"], [1, 2, 1], ["none", "none"], "batch_mean",
     "before_update", False, 1),
]  # fmt: skip


@pytest.mark.parametrize("spec", RANDOM_NETS, ids=lambda spec: f"{spec[0]}-{spec[5]}")
@pytest.mark.parametrize("command", RUNS, ids=" ".join)
def test_every_command_on_random_nets_of_every_update_mode(
    spec: tuple, command: list[str], tmp_path: Path, capsys
) -> None:
    path = tmp_path / "random.json"
    path.write_text(json.dumps(document(7, *spec)), encoding="utf-8")
    code, _, err = run_main([command[0], str(path), *command[1:]], capsys)
    assert (code, err) == (0, ""), err


# -- output streams ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["trace", "--epochs", "300"], ["trace", "--format", "json", "--epochs", "300"], ["presets"]],
)
def test_a_reader_that_goes_away_ends_the_command_quietly(args: list[str]) -> None:
    """As `yes | head` ends: status 141 (128 + SIGPIPE), nothing on stderr."""
    process = subprocess.Popen(
        [PYTHON, "-m", "bptui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()
    status = process.wait(timeout=60)
    stderr = process.stderr.read().decode()
    if args == ["presets"] and status == 0:
        return  # it had written everything before the reader left
    assert (status, stderr) == (141, "")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize(
    "args",
    [
        ["trace"],
        ["train", "--epochs", "5"],
        ["check"],
        ["presets"],
        ["--help"],
        ["compare", "-h"],
        ["--version"],
    ],
)
def test_a_full_disk_is_one_line_and_exit_2(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [PYTHON, "-m", "bptui", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr == "bptui: cannot write the output: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("args", [["trace"], ["train", "--epochs", "5"], ["check"], ["--help"]])
def test_a_full_disk_with_standard_error_closed_is_exit_2(args: list[str]) -> None:
    """With stderr closed, the error line went to stdout (print(file=None) writes there),
    whose failing write left status 1 (the hostile trial)."""
    result = subprocess.run(
        ["bash", "-c", f'{PYTHON} -m bptui "$@" >/dev/full 2>&-', "bptui", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2


@pytest.mark.parametrize(
    "args",
    [["trace"], ["train", "--epochs", "5"], ["check"], ["presets"], ["--help"], ["--version"]],
)
def test_a_closed_standard_output_is_one_line_and_exit_2(args: list[str]) -> None:
    result = subprocess.run(
        ["bash", "-c", f'{PYTHON} -m bptui "$@" >&-', "bptui", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("bptui: standard output is closed")


# -- special files -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["trace"], ["check"]])
def test_a_device_is_refused_at_once(command: list[str]) -> None:
    started = time.monotonic()
    result = bptui(*command, "/dev/zero")
    assert time.monotonic() - started < 20
    assert result.returncode == 2
    assert result.stderr == (
        "bptui: /dev/zero: is not a regular file or a pipe (a character device)\n"
    )


def test_a_fifo_no_one_writes_to_is_waited_for_and_then_named(tmp_path: Path) -> None:
    """It read as an empty file at once (the hostile trial): a writer is waited for (10 s from
    the command line, a second in the app; 0.3 s here), and none is one line saying so."""
    from bptui.engine.errors import NetworkFileError
    from bptui.engine.source import open_source

    fifo = tmp_path / "net.toml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(NetworkFileError) as info:
        open_source(str(fifo), pipe_wait=0.3)
    assert 0.3 <= time.monotonic() - started < 5
    assert str(info.value) == (
        f"{fifo}: nothing came through this pipe in 0.3 s (is a program writing to it?)"
    )


def test_a_fifo_whose_writer_comes_late_or_writes_nothing(tmp_path: Path) -> None:
    from bptui.engine.errors import NetworkFileError
    from bptui.engine.loader import load_source
    from bptui.engine.source import open_source

    fifo = tmp_path / "net.toml"
    os.mkfifo(fifo)
    text = (Path(__file__).parent.parent / "bptui" / "presets" / "xor.toml").read_text()
    for written in (text, ""):

        def write(written: str = written) -> None:
            time.sleep(0.3)
            with open(fifo, "w") as out:
                out.write(written)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            if written:
                assert open_source(str(fifo), pipe_wait=5).data == text.encode()
            else:
                with pytest.raises(NetworkFileError) as info:
                    load_source(open_source(str(fifo), pipe_wait=5))
                assert "the file is empty" in str(info.value)
        finally:
            writer.join()


def test_a_fifo_with_a_writer_is_read_whole(tmp_path: Path) -> None:
    fifo = tmp_path / "net.toml"
    os.mkfifo(fifo)
    text = (Path(__file__).parent.parent / "bptui" / "presets" / "xor.toml").read_text()

    def write() -> None:
        with open(fifo, "w") as out:
            for line in text.splitlines(keepends=True):  # slowly, as a process would
                out.write(line)
                out.flush()
                time.sleep(0.001)

    writer = threading.Thread(target=write)
    writer.start()
    result = bptui("train", str(fifo), "--epochs", "10", "--format", "json")
    writer.join()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["network"] == "XOR 2-3-1"


def test_standard_input_from_a_pipe_is_read_whole() -> None:
    """`bptui trace /dev/stdin < net` and `<(…)`: nothing is eaten by a first look."""
    text = bptui("presets", "tanh-2332").stdout
    assert len(text) > 4096 or text  # (a session sniff used to eat the first 4 KB)
    result = bptui("trace", "/dev/stdin", "--format", "json", input=text)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["network"] == "tanh 2-3-3-2"


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as out:
        out.truncate(65 * 1024 * 1024)  # sparse: nothing is written
    started = time.monotonic()
    result = bptui("check", str(big))
    assert time.monotonic() - started < 20
    assert result.returncode == 2
    assert "is 65 MB, over the limit of 64 MB" in result.stderr


# -- names --------------------------------------------------------------------------------------


def test_a_folder_called_like_a_preset_never_hides_it(tmp_path: Path) -> None:
    (tmp_path / "mazur").mkdir()
    (tmp_path / "xor").write_text("not a network")
    assert bptui("train", "mazur", "--epochs", "3", cwd=tmp_path).returncode == 0
    assert bptui("check", "xor", cwd=tmp_path).returncode == 0
    result = bptui("check", "./mazur", cwd=tmp_path)
    assert result.returncode == 2 and "is a directory" in result.stderr
    result = bptui("check", "nosuchpreset", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such preset" in result.stderr and "./nosuchpreset" in result.stderr


def test_a_huge_unknown_key_gives_a_short_line(tmp_path: Path) -> None:
    path = tmp_path / "net.toml"
    path.write_text(load_network_text("mazur") + "k" * 100_000 + " = 1\n")
    result = bptui("check", str(path))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert len(line) < 400 and "unknown key" in line


def test_a_3000_character_input_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "net.toml"
    name = "i" * 3000
    text = load_network_text("mazur").replace('input_names = ["i1"', f'input_names = ["{name}"')
    path.write_text(text)
    result = bptui("check", str(path))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "input_names[0]: expected a name of at most 24 characters" in line
    assert len(line) < 400


def load_network_text(preset: str) -> str:
    return bptui("presets", preset).stdout


# -- sessions are told by parsing -------------------------------------------------------------


def test_a_network_mentioning_sessions_is_still_a_network(tmp_path: Path) -> None:
    toml = tmp_path / "net.toml"
    toml.write_text(
        load_network_text("mazur").replace(
            'description = "', 'description = "not a \\"format\\": \\"bptui-session\\" file; '
        )
    )
    assert bptui("check", str(toml)).returncode == 0, bptui("check", str(toml)).stderr
    as_json = tmp_path / "net.json"
    network = {
        "description": '"format": "bptui-session"',
        "layers": [{"activation": "sigmoid", "weights": [[0.5]]}],
        "samples": [{"inputs": [1.0], "targets": [0.5]}],
    }
    as_json.write_text(json.dumps(network))
    assert bptui("trace", str(as_json)).returncode == 0


def test_a_real_session_is_refused_by_the_commands(tmp_path: Path) -> None:
    history = History(load_network("mazur"))
    path = save_session(Session(history), tmp_path / "any-name.json")
    result = bptui("trace", str(path))
    assert result.returncode == 2
    assert "a saved session opens in the app" in result.stderr


def test_ctrl_s_never_overwrites_a_notes_file_that_quotes_a_session(tmp_path: Path) -> None:
    notes = tmp_path / "notes.bptui"
    notes.write_text('My notes: a session starts {"format": "bptui-session", "version": 1}\n')
    history = History(load_network("mazur"))
    with pytest.raises(Exception, match="exists and is not a bptui session"):
        save_session(Session(history), notes)
    assert notes.read_text().startswith("My notes")


# -- numbers ------------------------------------------------------------------------------------


def test_check_calls_an_overflow_not_finite(tmp_path: Path) -> None:
    path = tmp_path / "overflow.toml"
    path.write_text(
        '[[layers]]\nactivation = "linear"\nweights = [[1e200]]\n'
        "[[samples]]\ninputs = [1e200]\ntargets = [0.0]\n"
    )
    result = bptui("check", str(path))
    assert result.returncode == 1
    assert "not finite" in result.stdout and "MISMATCH" not in result.stdout


@pytest.mark.parametrize(
    "loss, output, targets",
    [("bce", "sigmoid", [0.0]), ("cross_entropy", "softmax", [0.0, 1.0])],
)
def test_trace_of_a_saturated_fused_output_is_finite(
    loss: str, output: str, targets: list[float], tmp_path: Path
) -> None:
    """δ = out − t is what the algorithm uses: ∂E/∂out (infinite here) is no step of it."""
    rows = [[800.0]] if output == "sigmoid" else [[800.0], [-800.0]]
    network = {
        "loss": loss,
        "layers": [{"activation": output, "weights": rows, "bias": 0.0}],
        "samples": [{"inputs": [1.0], "targets": targets}],
    }
    path = tmp_path / "saturated.json"
    path.write_text(json.dumps(network))
    for args in (["trace"], ["trace", "--format", "json"], ["train", "--epochs", "50"]):
        result = bptui(*args, str(path))
        assert result.returncode == 0, (args, result.stderr)
    steps = json.loads(bptui("trace", "--format", "json", str(path)).stdout)
    symbols = [step["symbol"] for step in steps["epochs"][0]["samples"][0]["steps"]]
    assert "δ_o1" in symbols and "∂E_total/∂out_o1" not in symbols


def test_a_trace_that_diverges_names_where(tmp_path: Path) -> None:
    path = tmp_path / "diverges.toml"
    path.write_text(
        'learning_rate = 1e150\n[[layers]]\nactivation = "linear"\nweights = [[1.0]]\n'
        "[[samples]]\ninputs = [1e100]\ntargets = [0.0]\n"
    )
    result = bptui("trace", str(path), "--epochs", "3")
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    # w1⁺ = 1 − 1e150 × (1e100 × 1e100) overflows in the first update
    assert line.endswith("the first non-finite value is at epoch 1, sample 1: w1⁺ = -inf"), line


# -- limits, refused before the whole document is built -----------------------------------------


def test_a_toml_of_100001_samples_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "many.toml"
    head = '[[layers]]\nactivation = "linear"\nweights = [[1.0]]\n'
    path.write_text(head + "[[samples]]\ninputs = [0.5]\ntargets = [0.5]\n" * (MAX_SAMPLES + 1))
    started = time.monotonic()
    result = bptui("check", str(path))
    assert time.monotonic() - started < 20  # ~0.2 s measured (bench_limits.py); 5 s parsed
    assert result.returncode == 2
    assert f"samples: {MAX_SAMPLES + 1:,} entries is over the limit" in result.stderr


def test_a_toml_of_over_a_million_weights_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "heavy.toml"
    row = "[" + ", ".join(["0.1"] * 1001) + "]"
    rows = ",\n".join([row] * 1000)
    path.write_text(
        f'[[layers]]\nactivation = "linear"\nweights = [{rows}]\n'
        "[[samples]]\ninputs = [0.5]\ntargets = [0.5]\n"
    )
    assert MAX_PARAMS < 1001 * 1000
    result = bptui("check", str(path))
    assert result.returncode == 2
    assert f"over {MAX_PARAMS:,} parameters, the limit" in result.stderr


def test_a_key_of_100000_dotted_parts_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "dotted.toml"
    path.write_text("a" + ".a" * 100_000 + " = 1\n")
    started = time.monotonic()
    result = bptui("check", str(path))
    assert time.monotonic() - started < 20  # tomllib alone would take minutes
    assert result.returncode == 2
    assert "TOML key at line 1 has over 32 dotted parts" in result.stderr


@pytest.mark.parametrize("command", [[], ["trace"], ["check"]])
def test_an_empty_name_is_named_as_given(command: list[str]) -> None:
    """`bptui trace ''` said `.: is a directory` (the hostile trial)."""
    result = bptui(*command, "")
    assert result.returncode == 2
    assert result.stderr == "bptui: '': an empty name; expected a network file or a preset\n"


def many_samples(tmp_path: Path, count: int) -> Path:
    """A 2-2-1 net of `count` samples."""
    layers = [
        {"activation": "sigmoid", "weights": [[0.1, 0.2], [0.3, 0.4]], "bias": 0.1},
        {"activation": "sigmoid", "weights": [[0.5, 0.6]], "bias": 0.2},
    ]
    samples = [{"inputs": [k / count, 0.5], "targets": [0.5]} for k in range(count)]
    path = tmp_path / f"many{count}.json"
    path.write_text(json.dumps({"name": "many", "layers": layers, "samples": samples}))
    return path


def test_the_debugger_refuses_more_samples_than_it_steps_through(tmp_path: Path) -> None:
    """100,000 samples took 15 s and a gigabyte an epoch in the debugger, keys waiting seconds
    behind it (the hostile trial): it takes 10,000 at most, in one line before any screen (a
    session of such a net too), and `train` still runs the net."""
    from bptui.engine.history_state import MAX_DEBUGGER_SAMPLES

    path = many_samples(tmp_path, MAX_DEBUGGER_SAMPLES + 1)
    result = bptui(str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"bptui: {path}: 10,001 samples, over the 10,000 the debugger steps through "
        "(`bptui train` runs it; `bptui check` checks its gradients)\n"
    )
    session = save_session(Session(History(load_network(str(path)))), tmp_path / "s.bptui")
    assert bptui(str(session)).stderr.startswith(f"bptui: {session}: 10,001 samples, over")
    assert bptui("train", "--epochs", "1", str(path)).returncode == 0
    fits = many_samples(tmp_path, MAX_DEBUGGER_SAMPLES)
    assert "needs a terminal" in bptui(str(fits), stdin=subprocess.DEVNULL).stderr


def test_compare_given_a_presets_name_alone_says_yours_is_missing(tmp_path: Path) -> None:
    """`bptui compare mazur` said "mazur: no such file", as if the preset were missing (the
    hostile trial): YOURS is, and the message says how to name both."""
    result = bptui("compare", "mazur", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "bptui: mazur: no such file of your numbers; mazur is a preset network "
        "(`bptui compare mazur YOURS` compares YOURS with it)\n"
    )


@pytest.mark.parametrize("text", ["３", "1_0", "٣"])
def test_a_whole_number_option_takes_ascii_digits_only(text: str) -> None:
    """`--epochs ３` ran 3 epochs (int() reads other scripts' digits, and 1_0 as 10: the
    hostile trial)."""
    result = bptui("train", "--epochs", text)
    assert (result.returncode, result.stdout) == (2, "")
    assert f"argument --epochs: expected a whole number, found {text!r}" in result.stderr


def test_an_option_before_a_command_and_the_version() -> None:
    """`bptui --precision 5 trace` said "trace: no such preset"; there was no --version."""
    result = bptui("--precision", "5", "trace")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "bptui: trace: a command comes first, its options after it (bptui trace --precision 5)\n"
    )
    from importlib.metadata import version

    assert bptui("--version").stdout == f"bptui {version('bptui')}\n"


def test_a_file_a_byte_over_the_size_limit_says_its_size_exactly(tmp_path: Path) -> None:
    """64 MB and a byte read "is 64 MB, over the limit of 64 MB" (the hostile trial)."""
    big = tmp_path / "big.json"
    with open(big, "wb") as out:
        out.truncate(64 * 1024 * 1024 + 1)  # sparse: nothing is written
    result = bptui("check", str(big))
    assert result.returncode == 2
    assert result.stderr == f"bptui: {big}: is 67,108,865 bytes, over the limit of 64 MB\n"
