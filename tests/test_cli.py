"""The commands without a screen. What they print is read from `bptui.cli.main` run in this
process (what `python -m bptui` calls); exit statuses and stderr, and what a fresh interpreter
imports, from real `python -m bptui` processes, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bptui.cli import main
from bptui.engine.loader import load_network
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace
from tests.reference import AFTER_TRAINING, MAZUR, show, shown

PYTHON = sys.executable


def bptui(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "bptui", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """`bptui ARGS` through `bptui.cli.main` in this process: its status, stdout and stderr."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["bptui", *args], code, out, err)

    return run


def mazur_trace() -> EpochTrace:
    network = load_network("mazur")
    return EpochTrace(compute_epoch(network, network.params))


def test_trace_json_holds_every_number_at_full_precision(run) -> None:
    result = run("trace", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["network"] == "Mazur 2-2-2"
    (epoch,) = document["epochs"]
    (sample,) = epoch["samples"]
    assert sample["inputs"] == [0.05, 0.1] and sample["targets"] == [0.01, 0.99]
    assert abs(sample["loss"] - MAZUR["E_total"]) < 1e-12
    assert abs(sample["values"]["∂E_total/∂w5"] - MAZUR["∂E_total/∂w5"]) < 1e-12
    assert abs(sample["values"]["w1⁺"] - MAZUR["w1⁺"]) < 1e-12
    symbols = [step.symbol for step in mazur_trace()]
    assert [step["symbol"] for step in sample["steps"]] == symbols
    assert len(sample["values"]) == len(symbols)
    first = sample["steps"][0]
    assert first == {
        "phase": "forward",
        "symbol": "net_h1",
        "formula": "w1·i1 + w2·i2 + b1",
        "numbers": "0.15·0.05 + 0.2·0.1 + 0.35",
        "value": first["value"],
        "uses": ["w1", "i1", "w2", "i2", "b1"],
        "concerns": ["h1"],
    }
    gradients = sample["gradients"]
    assert [len(layer["biases"]) for layer in gradients] == [2, 2]
    # a shared bias: each entry holds the shared parameter's gradient, δ_h1 + δ_h2
    assert gradients[0]["biases"][0] == gradients[0]["biases"][1]
    assert abs(gradients[0]["biases"][0] - (MAZUR["δ_h1"] + MAZUR["δ_h2"])) < 1e-9
    assert epoch["steps"] == []
    assert abs(epoch["layers_after"][1]["weights"][0][0] - MAZUR["w5⁺"]) < 1e-12
    assert epoch["layers_after"][0]["biases"] == [0.35, 0.35]
    assert abs(epoch["loss_after"] - AFTER_TRAINING["mazur"].first_loss) < 1e-12


def test_trace_json_batch_mode_keeps_the_update_on_the_epoch(run) -> None:
    document = json.loads(run("trace", "tanh-2332", "--format", "json").stdout)
    (epoch,) = document["epochs"]
    assert epoch["steps"] and all(step["phase"] == "update" for step in epoch["steps"])
    assert all(step["phase"] != "update" for s in epoch["samples"] for step in s["steps"])


def test_trace_text_reads_like_the_post(run) -> None:
    result = run("trace")
    assert result.returncode == 0
    text = result.stdout
    s = show
    for line in [
        "net_h1 = w1·i1 + w2·i2 + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775",
        f"out_h1 = 1/(1 + e^(−net_h1)) = 1/(1 + e^(−0.3775)) = {s('out_h1')}",
        f"E_total = E_o1 + E_o2 = {s('E_o1')} + {s('E_o2')} = {s('E_total')}",
        "∂E_total/∂w5 = ∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5 = "
        f"{s('∂E_total/∂out_o1')} × {s('∂out_o1/∂net_o1')} × {s('out_h1')} = {s('∂E_total/∂w5')}",
        f"delta rule: δ_o1 × out_h1 = {s('δ_o1')} × {s('out_h1')} = {s('∂E_total/∂w5')}\n",
        "∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1 = "
        f"{s('∂E_o1/∂out_h1')} + ({s('∂E_o2/∂out_h1')}) = {s('∂E_total/∂out_h1')}",
        f"w5⁺ = w5 − η·∂E_total/∂w5 = 0.4 − 0.5 × {s('∂E_total/∂w5')} = {s('w5⁺')}",
        f"w1⁺ = w1 − η·∂E_total/∂w1 = 0.15 − 0.5 × {s('∂E_total/∂w1')} = {s('w1⁺')}",
        f"after the update: {shown(AFTER_TRAINING['mazur'].first_loss)}",
    ]:
        assert line in text, line


def test_trace_precision_changes_the_decimals(run) -> None:
    text = run("trace", "--precision", "4").stdout
    assert f"out_h1 = 1/(1 + e^(−net_h1)) = 1/(1 + e^(−0.3775)) = {show('out_h1', 4)}" in text


def test_trace_markdown_writes_latex(run) -> None:
    result = run("trace", "--format", "markdown")
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith("# Backpropagation, step by step: Mazur 2-2-2")
    assert r"\frac{\partial E_{\mathrm{total}}}{\partial w_{5}}" in text
    assert r"\delta_{\mathrm{o1}}" in text
    assert f"| $w_{{5}}$ | h1 → o1 | 0.400000000 | {show('∂E_total/∂w5')} |" in text
    # the delta rule ends in the value it makes, as the debugger shows it
    assert (
        rf"\mathrm{{out}}_{{\mathrm{{h1}}}} = {show('δ_o1')} \times {show('out_h1')} = "
        f"{show('∂E_total/∂w5')}$)"
    ) in text


def test_train_and_trace_agree(run) -> None:
    trained = json.loads(run("train", "xor", "--epochs", "3", "--format", "json").stdout)
    traced = json.loads(run("trace", "xor", "--epochs", "3", "--format", "json").stdout)
    assert trained["epochs"] == 3
    assert abs(trained["loss"] - traced["epochs"][-1]["loss_after"]) <= 1e-12 * trained["loss"]
    for a, b in zip(trained["layers"], traced["epochs"][-1]["layers_after"], strict=True):
        for row_a, row_b in zip(a["weights"], b["weights"], strict=True):
            for x, y in zip(row_a, row_b, strict=True):
                assert abs(x - y) <= 1e-12 * max(1.0, abs(y))


def test_train_json_reports_the_posts_run(run) -> None:
    expected = AFTER_TRAINING["mazur"]
    before = time.perf_counter()
    document = json.loads(run("train", "--format", "json").stdout)
    elapsed = time.perf_counter() - before
    assert document["epochs"] == 10_000
    assert abs(document["loss"] - expected.loss) < 0.5e-13
    for actual, wanted in zip(document["outputs"][0], expected.outputs, strict=True):
        assert abs(actual - wanted) < 0.5e-12
    # the training loop's time in seconds: some, and less than the whole command took
    assert 0 < document["train_seconds"] < elapsed


def test_check_passes_presets_and_fails_at_a_relu_kink(tmp_path: Path, run) -> None:
    assert run("check").returncode == 0
    result = run("check", "mazur-2015")
    assert result.returncode == 0 and "after_output_update" in result.stdout
    kink = tmp_path / "kink.toml"
    kink.write_text(
        '[[layers]]\nactivation = "relu"\nweights = [[0.0]]\nbias = 0.0\n'
        '[[layers]]\nactivation = "linear"\nweights = [[1.0]]\n'
        "[[samples]]\ninputs = [1.0]\ntargets = [1.0]\n"
    )
    result = run("check", str(kink))
    assert result.returncode == 1
    assert "MISMATCH" in result.stdout


def test_presets_list_and_print(run) -> None:
    listing = run("presets").stdout.splitlines()
    assert listing[0].startswith("mazur ")
    assert {line.split()[0] for line in listing} >= {"mazur", "mazur-2015", "xor"}
    assert 'name = "Mazur 2-2-2"' in run("presets", "mazur").stdout


BAD_NET = (
    '[[layers]]\nactivation = "sigmoid"\nweights = [[0.1, 0.2]]\n'
    "[[samples]]\ninputs = [1.0]\ntargets = [0.5]\n"
)


@pytest.mark.parametrize("command", [[], ["trace"], ["train"], ["check"]])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_NET)
    result = bptui(*command, str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{bad}: samples[0].inputs: expected 2 numbers" in lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["trace", "--epochs", "x"],
        ["train", "--format", "xml"],
        ["trace", "--bogus"],
        ["presets", "nope"],
        ["trace", "--epochs", "1001"],
        ["train", "--epochs", "10000001"],
        ["trace", "saved.bptui"],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str]) -> None:
    result = bptui(*args)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


CHECK_IMPORTS = """
import sys
from bptui.cli import main
code = main({args!r})
bad = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})
print(bad, file=sys.stderr)
sys.exit(1 if bad else code)
"""


@pytest.mark.parametrize("args", [["trace"], ["trace", "--format", "json"], ["train"], ["check"]])
def test_headless_commands_never_import_textual(args: list[str]) -> None:
    code = CHECK_IMPORTS.format(args=args, forbidden={"textual"})
    result = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_engine_imports_neither_textual_nor_rich() -> None:
    code = (
        "import sys, pkgutil, importlib, bptui.engine\n"
        "for m in pkgutil.iter_modules(bptui.engine.__path__):\n"
        "    importlib.import_module('bptui.engine.' + m.name)\n"
        "import bptui.fmt\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


ACTION_ONLY = (
    "bptui.engine.edits",
    "bptui.engine.goto",
    "bptui.engine.predict",
    "bptui.engine.nonfinite",
    "bptui.engine.compare",
    "bptui.engine.check_yours",
    "secrets",
)


def test_the_app_imports_no_module_only_an_action_needs() -> None:
    """Start-up to the first frame is one of the app's figures (README): what only a key's
    action needs is imported when the action runs."""
    code = (
        "import sys, bptui.cli, bptui.app.app\n"
        f"bad = sorted(m for m in sys.modules if m in {ACTION_ONLY!r})\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


DIVERGING = (
    "learning_rate = 50.0\n"
    '[[layers]]\nactivation = "linear"\nweights = [[0.5, -0.3], [0.2, 0.4]]\n'
    '[[layers]]\nactivation = "linear"\nweights = [[0.3, 0.6]]\n'
    "[[samples]]\ninputs = [1.0, 2.0]\ntargets = [1.0]\n"
)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_train_stops_at_the_first_nonfinite_epoch(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "diverging.toml"
    path.write_text(DIVERGING)
    result = bptui("train", str(path), "--format", fmt)
    assert result.returncode == 1
    assert result.stdout == ""  # no partial JSON, no table
    (line,) = result.stderr.splitlines()
    assert line.endswith(
        "the loss after epoch 5 is not finite: epoch 5's steps were finite, but its update "
        "overflowed the next forward pass, whose first non-finite value is at epoch 6, "
        "sample 1: net_o1 = nan"
    ), line
    assert "RuntimeWarning" not in result.stderr


def test_trace_writes_nonfinite_numbers_as_strings_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "diverging.toml"
    path.write_text(DIVERGING)
    result = bptui("trace", str(path), "--epochs", "7", "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["epochs"][-1]["loss_after"] == "nan"
    assert len(result.stderr.splitlines()) == 1


def test_train_text_counts_one_epoch_in_the_singular_and_says_the_posts_number(run) -> None:
    """`1 epoch in`, not `1 epochs in`; and the post's loss after epoch 1 said with no
    parentheses in parentheses (it read `(the post prints 0.291027924, this order's (its
    code's) loss)`, and mazur's note `(… (preset mazur-2015))`)."""
    out = run("train", "mazur-2015", "--epochs", "1").stdout
    assert "1 epoch in " in out and "1 epochs" not in out
    assert "\nthe post prints 0.291027924, this order's loss: its code's\n" in out
    for preset in ("mazur", "mazur-2015"):
        for command in (
            ["train", preset, "--epochs", "1"],
            ["trace", preset],
            ["trace", preset, "--format", "markdown"],
        ):
            notes = [line for line in run(*command).stdout.splitlines() if "the post" in line]
            assert notes and not any(line.strip("*").startswith("(") for line in notes)
    assert "2 epochs in " in run("train", "mazur", "--epochs", "2").stdout


def test_trace_and_compare_refuse_an_epoch_of_millions_of_steps(run, monkeypatch, tmp_path) -> None:
    """A million-weight net's epoch is 3,000,000 steps: `trace --format json` ran past 120 s
    (the hostile trial). Over the limit (made 50 here: Mazur's epoch is 51 steps), `trace` and
    `compare` refuse it in one line at once; `train` and `check` go on."""
    from bptui import cli

    monkeypatch.setattr(cli, "MAX_EPOCH_STEPS", 50)
    yours = tmp_path / "yours.csv"
    yours.write_text("symbol,value\nnet_h1,0.3775\n")
    for args in (["trace", "mazur", "--format", "json"], ["compare", "mazur", str(yours)]):
        result = run(*args)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr == (
            f"bptui: mazur: an epoch of this network is 51 steps, over the 50 that "
            f"`bptui {args[0]}` works through (`bptui train` runs it; `bptui check` checks its "
            "gradients)\n"
        )
    assert run("train", "mazur").returncode == 0
    assert run("check", "mazur").returncode == 0
    monkeypatch.setattr(cli, "MAX_EPOCH_STEPS", 51)
    assert run("trace", "mazur").returncode == 0


def test_readmes_command_table_names_every_option_of_every_command() -> None:
    """README's table left out `train --precision`, which `--help` gives (the newcomer
    trial): each command's row names each of its options."""
    from pathlib import Path

    from bptui.cli import build_parsers

    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    rows = {}
    for line in readme.splitlines():
        if line.startswith("| `bptui"):
            usage = line.split("`")[1].split()
            command = usage[1] if len(usage) > 1 and not usage[1].startswith(("[", "-")) else "app"
            rows.setdefault(command, line.split("` |")[0])
    for command, parser in build_parsers().items():
        assert command in rows, command
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in rows[command], (command, option)


@pytest.mark.parametrize("net", ["mazur", "tanh-2332", "relu-softmax"])
def test_a_text_trace_to_a_file_has_every_number_whole(net: str) -> None:
    """Piped, the trace was 80 columns wide and cut its table's numbers to `0.149999999…`
    (the newcomer trial): to a file it is as wide as its tables need, and a number too wide
    for a terminal's column folds, never cut."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "bptui", "trace", net, "--precision", "17"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "…" not in result.stdout
    from bptui.engine.loader import load_network
    from bptui.engine.passes import compute_epoch
    from bptui.fmt import fixed

    network = load_network(net)
    epoch = compute_epoch(network, network.params)
    for value in epoch.params_after.flat():  # every new value, whole
        assert fixed(float(value), 17) in result.stdout


def test_train_text_shows_the_first_200_samples_outputs(run, tmp_path) -> None:
    """100,000 samples' outputs took 38 s to print (the hostile trial): the table stops at
    200 rows and says how many more, as the parameters' table does."""
    import json

    document = {
        "layers": [{"activation": "sigmoid", "size": 2}, {"activation": "sigmoid", "size": 1}],
        "samples": [{"inputs": [0.001 * k, 0.2], "targets": [0.5]} for k in range(250)],
    }
    path = tmp_path / "many.json"
    path.write_text(json.dumps(document))
    result = run("train", str(path), "--epochs", "2")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    rows = [line for line in lines if line.startswith("│") and line.split("│")[1].strip().isdigit()]
    assert [int(line.split("│")[1]) for line in rows] == list(range(1, 201))
    assert "… and 50 more (use --format json for all)" in result.stdout


def test_trace_and_the_apps_export_take_the_same_epochs() -> None:
    from bptui import cli
    from bptui.engine.trace import MAX_WORKED_STEPS

    assert cli.MAX_EPOCH_STEPS == MAX_WORKED_STEPS
