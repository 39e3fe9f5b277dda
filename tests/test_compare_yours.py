"""`bptui compare`: a learner's numbers against bptui's.

The learners here are independent implementations of backprop written in this file (plain
Python floats, one loop per layer, no bptui code), each making one classic mistake, on Mazur's
net and on a 2-3-3-2 net (tanh hidden layers, sigmoid outputs, per-neuron and shared biases,
three samples, online or batch_sum). Their numbers are written as YOURS files in all three
formats and compared through `bptui.cli.main` (and a few real processes): the first divergence
must be the step where the mistake first shows, its cause named, and the later numbers marked
as following from it; the correct implementation matches everywhere.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptui.cli import main
from bptui.engine.yours_values import digits_tolerance

PYTHON = sys.executable
HERE = Path(__file__).parent
CORPUS = HERE / "yours"

# ---------------------------------------------------------------------------------------------
# The nets, as network files (the implementation below reads the same plain data)

MAZUR: dict[str, Any] = {
    "learning_rate": 0.5,
    "train_biases": False,
    "input_names": ["i1", "i2"],
    "layers": [
        {"activation": "sigmoid", "weights": [[0.15, 0.20], [0.25, 0.30]], "bias": 0.35,
         "names": ["h1", "h2"]},
        {"activation": "sigmoid", "weights": [[0.40, 0.45], [0.50, 0.55]], "bias": 0.60,
         "names": ["o1", "o2"]},
    ],
    "samples": [{"inputs": [0.05, 0.10], "targets": [0.01, 0.99]}],
}  # fmt: skip

DEEP: dict[str, Any] = {
    "learning_rate": 0.5,
    "update": "online",
    "input_names": ["x1", "x2"],
    "layers": [
        {"activation": "tanh", "weights": [[0.15, -0.20], [0.25, 0.30], [-0.35, 0.10]],
         "biases": [0.10, -0.10, 0.05], "names": ["p1", "p2", "p3"]},
        {"activation": "tanh",
         "weights": [[0.40, -0.45, 0.20], [0.50, 0.55, -0.30], [-0.25, 0.35, 0.45]],
         "biases": [0.0, 0.10, -0.05], "names": ["q1", "q2", "q3"]},
        {"activation": "sigmoid", "weights": [[0.60, -0.40, 0.30], [-0.20, 0.50, 0.45]],
         "bias": 0.25, "names": ["o1", "o2"]},
    ],
    "samples": [
        {"inputs": [0.05, 0.10], "targets": [0.01, 0.99]},
        {"inputs": [0.90, -0.40], "targets": [0.80, 0.20]},
        {"inputs": [-0.30, 0.70], "targets": [0.30, 0.60]},
    ],
}  # fmt: skip


def batch(net: dict[str, Any], update: str = "batch_sum") -> dict[str, Any]:
    result = copy.deepcopy(net)
    result["update"] = update
    return result


def toml_text(net: dict[str, Any]) -> str:
    """A network dict as TOML (the few shapes used here)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in net.items() if k not in ("layers", "samples")]
    for layer in net["layers"]:
        lines += ["", "[[layers]]", *(f"{k} = {value(v)}" for k, v in layer.items())]
    for sample in net["samples"]:
        lines += ["", "[[samples]]", *(f"{k} = {value(v)}" for k, v in sample.items())]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# An independent backprop, with a mistake switched on by name


def pairs(a, b):
    return zip(a, b, strict=True)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


ACTIVATIONS = {
    "sigmoid": (sigmoid, lambda out: out * (1.0 - out)),
    "tanh": (math.tanh, lambda out: 1.0 - out * out),
}


@dataclass
class Learner:
    """One learner's backprop. Mistakes: sign (∂E/∂out = t − out), no_derivative (δ of the
    outputs without ∂out/∂net), no_derivative_hidden (the same in the hidden layers),
    sign_delta (the outputs' δ with the sign flipped, its factors right), bias (the output
    layer's bias 0.1 too high: no recognisable cause), half (the loss without its ½), errata
    (each layer's paths through the weights above already updated), rate (another learning
    rate), transposed (square layers' forward pass through Wᵀ), mean_error (E_total the mean
    of the output errors), mean_sum (a batch update with the mean in place of the sum, or the
    sum in place of the mean)."""

    net: dict[str, Any]
    mistake: str | None = None
    rate: float | None = None

    def run(self, epochs: int = 1) -> list[dict[str, Any]]:
        """Every number, as entries {epoch, sample, values} (ASCII symbols)."""
        net = self.net
        layers = net["layers"]
        n_in = len(net["samples"][0]["inputs"])
        inputs = net.get("input_names", [f"i{k + 1}" for k in range(n_in)])
        train_biases = net.get("train_biases", True)
        update = net.get("update", "online")
        eta = net["learning_rate"] if self.rate is None else self.rate
        # the parameters, with their names (weights numbered layer by layer, row by row)
        weights = [[list(map(float, row)) for row in layer["weights"]] for layer in layers]
        wnames, count = [], 0
        for layer in layers:
            names = []
            for row in layer["weights"]:
                names.append([f"w{count + i + 1}" for i in range(len(row))])
                count += len(row)
            wnames.append(names)
        biases, bnames = [], []
        for li, layer in enumerate(layers):
            if "bias" in layer:
                biases.append([float(layer["bias"])])
                bnames.append([f"b{li + 1}"])
            else:
                biases.append(list(map(float, layer["biases"])))
                bnames.append([f"b_{name}" for name in layer["names"]])
        entries = []
        for epoch in range(1, epochs + 1):
            sums_w = [[[0.0] * len(row) for row in w] for w in weights]
            sums_b = [[0.0] * len(b) for b in biases]
            for s, sample in enumerate(net["samples"]):
                values: dict[str, float] = {}
                gw, gb = self.sample(
                    layers, inputs, weights, biases, wnames, bnames, sample, values, eta
                )
                if update == "online":
                    weights, biases = self.step(
                        weights, biases, gw, gb, wnames, bnames, eta, train_biases, values
                    )
                else:
                    for li in range(len(layers)):
                        for j, row in enumerate(gw[li]):
                            for i, g in enumerate(row):
                                sums_w[li][j][i] += g
                        for k, g in enumerate(gb[li]):
                            sums_b[li][k] += g
                entries.append({"epoch": epoch, "sample": s + 1, "values": values})
            if update != "online":
                n = len(net["samples"])
                scale = 1.0 if update == "batch_sum" else 1.0 / n
                if self.mistake == "mean_sum":
                    scale = 1.0 / n if update == "batch_sum" else 1.0
                gw = [[[g * scale for g in row] for row in w] for w in sums_w]
                gb = [[g * scale for g in b] for b in sums_b]
                values = entries[-1]["values"]  # the epoch's update, given with its last sample
                weights, biases = self.step(
                    weights, biases, gw, gb, wnames, bnames, eta, train_biases, values
                )
        return entries

    def step(self, weights, biases, gw, gb, wnames, bnames, eta, train_biases, values):
        new_w = [
            [[w - eta * g for w, g in zip(row, grow, strict=True)] for row, grow in pairs(W, G)]
            for W, G in pairs(weights, gw)
        ]
        for li, W in enumerate(new_w):
            for j, row in enumerate(W):
                for i, w in enumerate(row):
                    values[f"{wnames[li][j][i]}+"] = w
        new_b = biases
        if train_biases:
            new_b = [
                [b - eta * g for b, g in zip(B, G, strict=True)]
                for B, G in zip(biases, gb, strict=True)
            ]
            for li, B in enumerate(new_b):
                for k, b in enumerate(B):
                    values[f"{bnames[li][k]}+"] = b
        return new_w, new_b

    def sample(self, layers, inputs, weights, biases, wnames, bnames, sample, values, eta):
        mistake = self.mistake
        x = list(map(float, sample["inputs"]))
        t = list(map(float, sample["targets"]))
        # forward
        sources, outs = [x], []
        a = x
        for li, layer in enumerate(layers):
            W, B = weights[li], biases[li]
            f = ACTIVATIONS[layer["activation"]][0]
            square = len(W) == len(W[0])
            out = []
            for j, name in enumerate(layer["names"]):
                if mistake == "transposed" and square:
                    net = sum(W[i][j] * a[i] for i in range(len(a)))
                else:
                    net = sum(W[j][i] * a[i] for i in range(len(a)))
                net += B[0] if len(B) == 1 else B[j]
                if mistake == "bias" and li == len(layers) - 1:
                    net += 0.1  # a mistyped bias: no recognisable cause
                values[f"net_{name}"] = net
                out.append(f(net))
                values[f"out_{name}"] = out[-1]
            outs.append(out)
            a = out
            sources.append(out)
        # error
        last = layers[-1]
        total = 0.0
        for k, name in enumerate(last["names"]):
            e = (t[k] - a[k]) ** 2 * (1.0 if mistake == "half" else 0.5)
            values[f"E_{name}"] = e
            total += e
        if mistake == "mean_error":
            total /= len(last["names"])
        values["E_total"] = total
        # backward
        n = len(layers)
        deltas: list[list[float]] = [[] for _ in layers]
        gw: list[list[list[float]]] = [[] for _ in layers]
        gb: list[list[float]] = [[] for _ in layers]
        back = [None] * n  # the weights each layer's paths go through
        for li in range(n - 1, -1, -1):
            layer = layers[li]
            derivative = ACTIVATIONS[layer["activation"]][1]
            src = sources[li]
            delta = []
            for j, name in enumerate(layer["names"]):
                out = outs[li][j]
                if li == n - 1:
                    de = -(t[j] - out) * (2.0 if mistake == "half" else 1.0)
                    if mistake == "sign":
                        de = -de
                else:
                    above = layers[li + 1]["names"]
                    de = 0.0
                    for m, upper in enumerate(above):
                        path = deltas[li + 1][m] * back[li + 1][m][j]
                        values[f"dE_{upper}/dout_{name}"] = path
                        de += path
                values[f"dE_total/dout_{name}"] = de
                d = derivative(out)
                values[f"dout_{name}/dnet_{name}"] = d
                skip = mistake == ("no_derivative" if li == n - 1 else "no_derivative_hidden")
                delta.append(de if skip else de * d)
                if mistake == "sign_delta" and li == n - 1:
                    delta[-1] = -delta[-1]
                values[f"delta_{name}"] = delta[-1]
                for i, s in enumerate(src):
                    w = wnames[li][j][i]
                    values[f"dnet_{name}/d{w}"] = s
                    values[f"dE_total/d{w}"] = delta[-1] * s
                if len(biases[li]) > 1:
                    values[f"dE_total/d{bnames[li][j]}"] = delta[-1]
            deltas[li] = delta
            gw[li] = [[dj * s for s in src] for dj in delta]
            gb[li] = [sum(delta)] if len(biases[li]) == 1 else list(delta)
            if len(biases[li]) == 1:
                values[f"dE_total/d{bnames[li][0]}"] = gb[li][0]
            # the weights the layer below back-propagates through
            if mistake == "errata":
                back[li] = [[w - eta * g for w, g in zip(row, grow, strict=True)]
                            for row, grow in zip(weights[li], gw[li], strict=True)]  # fmt: skip
            else:
                back[li] = weights[li]
        if not self.net.get("train_biases", True):
            for li in range(n):
                for name in bnames[li]:
                    values.pop(f"dE_total/d{name}", None)
        return gw, gb


# ---------------------------------------------------------------------------------------------
# Writing YOURS files


def number(value: float, digits: int | None) -> str:
    return repr(value) if digits is None else f"{value:.{digits}g}"


def write_yours(
    path: Path, entries: list[dict[str, Any]], fmt: str, digits: int | None = None
) -> Path:
    """The entries as a YOURS file: "json-flat" (one sample), "json" (a list of entries),
    "toml-flat", "toml" ([[entries]]) or "csv" (symbol,value,epoch,sample)."""
    if fmt in ("json-flat", "toml-flat"):
        (entry,) = entries
    if fmt == "json-flat":
        text = (
            "{\n"
            + ",\n".join(
                f"  {json.dumps(k)}: {number(v, digits)}" for k, v in entry["values"].items()
            )
            + "\n}\n"
        )
    elif fmt == "json":
        parts = []
        for e in entries:
            values = ", ".join(
                f"{json.dumps(k)}: {number(v, digits)}" for k, v in e["values"].items()
            )
            parts.append(
                f'{{"epoch": {e["epoch"]}, "sample": {e["sample"]}, "values": {{{values}}}}}'
            )
        text = "[\n" + ",\n".join(parts) + "\n]\n"
    elif fmt == "toml-flat":
        text = "".join(
            f"{json.dumps(k)} = {number(v, digits)}\n" for k, v in entry["values"].items()
        )
    elif fmt == "toml":
        text = ""
        for e in entries:
            text += (
                f"[[entries]]\nepoch = {e['epoch']}\nsample = {e['sample']}\n\n[entries.values]\n"
            )
            text += "".join(
                f"{json.dumps(k)} = {number(v, digits)}\n" for k, v in e["values"].items()
            )
            text += "\n"
    else:
        rows = ["epoch,sample,symbol,value"]
        for e in entries:
            rows += [
                f"{e['epoch']},{e['sample']},{k},{number(v, digits)}"
                for k, v in e["values"].items()
            ]
        text = "\n".join(rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """`bptui ARGS` through `bptui.cli.main` in this process: (status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def net_file(tmp_path: Path, net: dict[str, Any], name: str = "net.toml") -> str:
    path = tmp_path / name
    path.write_text(toml_text(net), encoding="utf-8")
    return str(path)


def compare_json(run, net: str, yours: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run("compare", net, str(yours), "--format", "json", *extra)
    assert err == "", err
    return code, json.loads(out)


# ---------------------------------------------------------------------------------------------
# The correct learner matches; each mistake is found where it first shows, and named


@pytest.mark.parametrize(
    ("net", "fmt", "digits"),
    [
        (MAZUR, "json-flat", None),
        (MAZUR, "toml-flat", 9),
        (MAZUR, "csv", 4),
        (DEEP, "json", None),
        (DEEP, "toml", 6),
        (batch(DEEP), "csv", 12),
        (batch(DEEP, "batch_mean"), "json", 5),
    ],
)
def test_a_correct_implementation_matches_everywhere(
    net: dict[str, Any], fmt: str, digits: int | None, tmp_path: Path, run
) -> None:
    entries = Learner(net).run(epochs=2 if len(net["samples"]) > 1 else 1)
    if fmt.endswith("flat"):
        entries = entries[:1]
    yours = write_yours(tmp_path / f"yours.{fmt.split('-')[0]}", entries, fmt, digits)
    epochs = str(max(e["epoch"] for e in entries))
    code, report = compare_json(run, net_file(tmp_path, net), yours, "--epochs", epochs)
    assert report["first"] is None, report["first"]
    assert code == 0
    assert (
        report["summary"]["match"]
        == report["summary"]["values"]
        == sum(len(e["values"]) for e in entries)
    )


@dataclass(frozen=True)
class Case:
    net: dict[str, Any]
    mistake: str
    fmt: str
    first: str  # the symbol where the mistake first shows (sample 1 of epoch 1 unless said)
    cause: str  # the kind of cause named
    words: str  # words of the cause's text
    epochs: int = 1
    digits: int | None = 9
    first_sample: int | None = 1
    rate: float | None = None
    follows: bool = True  # later numbers follow from the earlier error


CASES = [
    Case(MAZUR, "sign", "json-flat", "∂E_total/∂out_o1", "sign", "(t − out) in place of −(t"),
    Case(MAZUR, "no_derivative", "toml-flat", "δ_o1", "missing_factor", "out_o1(1 − out_o1)"),
    Case(MAZUR, "half", "csv", "E_o1", "missing_factor", "½"),
    Case(MAZUR, "errata", "csv", "∂E_o1/∂out_h1", "updated_weight", "errata"),
    Case(MAZUR, "rate", "json", "w1⁺", "learning_rate", "learning rate 1 ", epochs=2, rate=1.0),
    Case(MAZUR, "transposed", "toml", "net_h1", "transposed", "w3 (not w2) for i2"),
    Case(MAZUR, "mean_error", "json-flat", "E_total", "mean_sum", "mean of the 2 output errors",
         follows=False),
    Case(DEEP, "sign", "toml", "∂E_total/∂out_o1", "sign", "(t − out)", digits=None),
    Case(DEEP, "no_derivative_hidden", "json", "δ_q1", "missing_factor", "1 − out_q1²",
         digits=7),
    Case(DEEP, "errata", "json", "∂E_o1/∂out_q1", "updated_weight", "w16⁺"),
    Case(DEEP, "rate", "csv", "w1⁺", "learning_rate", "learning rate 0.1 ", rate=0.1),
    Case(DEEP, "transposed", "toml", "net_q1", "transposed", "(not w8)"),
    Case(batch(DEEP), "mean_sum", "csv", "w1⁺", "mean_sum", "mean of the 3 samples' gradients",
         epochs=2, first_sample=None),
    Case(batch(DEEP, "batch_mean"), "mean_sum", "json", "w1⁺", "mean_sum",
         "sum of the 3 samples' gradients", epochs=2, first_sample=None, digits=None),
]  # fmt: skip


def case_id(case: Case) -> str:
    name = "mazur" if case.net is MAZUR else f"2332-{case.net.get('update', 'online')}"
    return f"{name}-{case.mistake}-{case.fmt}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_each_mistake_is_found_where_it_first_shows(case: Case, tmp_path: Path, run) -> None:
    entries = Learner(case.net, case.mistake, case.rate).run(case.epochs)
    if case.fmt.endswith("flat"):
        entries = entries[:1]
    yours = write_yours(
        tmp_path / f"yours.{case.fmt.split('-')[0]}", entries, case.fmt, case.digits
    )
    net = net_file(tmp_path, case.net)
    code, report = compare_json(run, net, yours, "--epochs", str(case.epochs))
    assert code == 1
    first = report["first"]
    assert first is not None
    assert (first["epoch"], first["sample"], first["symbol"]) == (1, case.first_sample, case.first)
    assert first["cause"] is not None, first
    assert first["cause"]["kind"] == case.cause, first["cause"]
    assert case.words in first["cause"]["text"], first["cause"]["text"]
    rows = report["rows"]
    k = next(k for k, row in enumerate(rows) if row["status"] != "match")
    assert rows[k]["symbol"] == case.first
    assert all(row["status"] == "match" for row in rows[:k])
    later = rows[k + 1 :]
    if case.follows:
        assert any(row["status"] == "follows" for row in later)
    # every later difference follows from the earlier ones, or is the same mistake again
    for row in later:
        if row["status"] == "differs":
            assert row["cause"] is not None and row["cause"]["kind"] == case.cause, row


# ---------------------------------------------------------------------------------------------
# The tolerance: the digits written


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("0.593", True),  # out_h1 = 0.593269992...
        ("0.594", False),
        ("0.59", False),  # below 3 significant digits: held to 3 (0.590)
        ("0.5933", True),
        ("0.5930", False),  # the zero written counts: 0.5930 is not 0.593
        ("0.5932", False),
        ("5.93270e-1", True),
        ("0.593269992", True),
        ("0.593269993", False),
        ("0.59326999210718723", True),  # more than 12 digits: held to 12
        ('"0.593"', True),  # a string holding a number
        ('"−0.593"', False),  # bptui's own minus sign, read as one
    ],
)
def test_a_number_matches_to_the_digits_written(
    text: str, matches: bool, tmp_path: Path, run
) -> None:
    yours = tmp_path / "yours.json"
    yours.write_text(f'{{"out_h1": {text}}}', encoding="utf-8")
    code, report = compare_json(run, "mazur", yours)
    assert code == (0 if matches else 1)
    (row,) = report["rows"]
    assert row["status"] == ("match" if matches else "differs")


def test_the_digits_rule() -> None:
    assert digits_tolerance("0.593") == 0.0005
    assert digits_tolerance("0.59") == 0.0005
    assert digits_tolerance("59") == 0.05  # 59.0: held to 3 digits
    assert digits_tolerance("1e-5") == 5e-8
    assert digits_tolerance("0.000438568") == 5e-10
    assert digits_tolerance("1.5E+3") == 5.0
    assert digits_tolerance("0") == 0.0  # a zero matches only zero
    assert digits_tolerance("0.000") == 0.0
    assert digits_tolerance("nan") == 0.0
    assert digits_tolerance("1e99999999") == math.inf  # (Decimal would refuse the exponent)
    assert digits_tolerance("1e-99999999") == 0.0


def test_numbers_beyond_float64(tmp_path: Path, run) -> None:
    yours = tmp_path / "yours.json"
    yours.write_text('{"net_h1": 1e99999999, "out_h1": -1e-99999999}', encoding="utf-8")
    code, report = compare_json(run, "mazur", yours)
    assert code == 1
    assert [row["status"] for row in report["rows"]] == ["differs", "differs"]


def test_rtol_replaces_the_digits_rule(tmp_path: Path, run) -> None:
    yours = tmp_path / "yours.toml"
    yours.write_text("out_h1 = 0.59\nnet_h1 = 0.3775\n", encoding="utf-8")
    assert compare_json(run, "mazur", yours)[0] == 1
    code, report = compare_json(run, "mazur", yours, "--rtol", "0.01")
    assert code == 0
    assert report["tolerance"] == {"rtol": 0.01}
    code, report = compare_json(run, "mazur", yours, "--rtol", "0.001")
    assert code == 1
    assert [row["status"] for row in report["rows"]] == ["match", "differs"]
    code, report = compare_json(run, "mazur", yours, "--rtol", "0")
    assert [row["status"] for row in report["rows"]] == ["match", "differs"]


def test_non_finite_numbers_are_the_learners_and_differ(tmp_path: Path, run) -> None:
    yours = tmp_path / "yours.json"
    yours.write_text('{"net_h1": NaN, "out_h1": Infinity, "E_total": "-inf"}', encoding="utf-8")
    code, report = compare_json(run, "mazur", yours)
    assert code == 1
    assert [row["status"] for row in report["rows"]] == ["differs", "differs", "differs"]
    assert [row["yours"] for row in report["rows"]] == ["nan", "inf", "-inf"]
    assert report["rows"][0]["rel_error"] == "nan"


# ---------------------------------------------------------------------------------------------
# The report


def test_the_text_report(tmp_path: Path, run) -> None:
    entries = Learner(MAZUR, "sign").run()
    yours = write_yours(tmp_path / "yours.json", entries, "json-flat", 9)
    code, out, err = run("compare", str(yours))
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0].startswith("Mazur 2-2-2 ·")
    row = next(line for line in lines if " ∂E_total/∂out_o1 " in line)
    assert row.split()[:5] == ["1:1", "12", "∂E_total/∂out_o1", "-0.74136507", "0.74136507"]
    assert "✗" in row and "first divergence: a sign flip" in row
    delta = next(line for line in lines if " δ_o1 " in line)
    assert "follows from the earlier error" in delta
    assert "✓" in next(line for line in lines if " net_h1 " in line)
    assert (
        "First divergence: epoch 1, sample 1, step 12: ∂E_total/∂out_o1 (in the debugger: g 1:12)"
        in lines
    )
    text = "\n".join(lines)
    assert "∂E_total/∂out_o1 = −(t_o1 − out_o1)" in text
    assert "−(0.01 − 0.75136507) = 0.74136507" in text
    assert "out_o1 = 0.75136507   ✓ yours: 0.75136507" in text
    assert "t_o1 = 0.01   (a target)" in text
    assert "likely cause  a sign flip at ∂E_total/∂out_o1" in text
    assert lines[-1] == "28 of 51 numbers differ (26 of them follow from the earlier error)."
    assert not any(line != line.rstrip() for line in lines)


def test_the_inputs_of_the_first_divergence(tmp_path: Path, run) -> None:
    values = Learner(MAZUR, "no_derivative").run()[0]["values"]
    del values["dout_o1/dnet_o1"]
    yours = write_yours(tmp_path / "yours.json", [{"epoch": 1, "sample": 1, "values": values}],
                        "json-flat")  # fmt: skip
    _, report = compare_json(run, "mazur", yours)
    first = report["first"]
    assert first["symbol"] == "δ_o1"
    assert [(i["symbol"], i["status"]) for i in first["inputs"]] == [
        ("∂E_total/∂out_o1", "match"),
        ("∂out_o1/∂net_o1", "not given"),
    ]
    assert first["where"] == (
        "the inputs you gave match; not given: ∂out_o1/∂net_o1: the mistake is in this step "
        "or in those"
    )
    assert first["cause"]["kind"] == "missing_factor"


def test_a_mistake_before_the_numbers_given_is_found_upstream(tmp_path: Path, run) -> None:
    """Only the gradients given: the sign flip is found where it was made (∂E_total/∂out_o1,
    not given), and the other gradients of o1 follow from it."""
    values = Learner(MAZUR, "sign").run()[0]["values"]
    values = {k: v for k, v in values.items() if k.startswith("dE_total/dw")}
    yours = write_yours(tmp_path / "yours.csv", [{"epoch": 1, "sample": 1, "values": values}],
                        "csv", 4)  # fmt: skip
    _, report = compare_json(run, "mazur", yours)
    first = report["first"]
    assert first["symbol"] == "∂E_total/∂w5"
    assert first["cause"]["at"] == "∂E_total/∂out_o1"
    statuses = {row["symbol"]: row["status"] for row in report["rows"]}
    assert statuses["∂E_total/∂w6"] == "follows"
    assert statuses["∂E_total/∂w7"] == "differs"  # o2's own flip
    assert statuses["∂E_total/∂w1"] == "follows"


def test_the_errata_through_the_gradients_alone(tmp_path: Path, run) -> None:
    values = Learner(MAZUR, "errata").run()[0]["values"]
    values = {k: v for k, v in values.items() if not k.startswith(("dE_o", "dE_total/dout_h"))}
    yours = write_yours(tmp_path / "yours.json", [{"epoch": 1, "sample": 1, "values": values}],
                        "json-flat", 6)  # fmt: skip
    _, report = compare_json(run, "mazur", yours)
    first = report["first"]
    assert first["symbol"] == "δ_h1"
    assert first["cause"]["kind"] == "updated_weight"
    assert "the same in ∂E_o2/∂out_h1" in first["cause"]["text"]


def test_a_gradient_follows_from_a_wrong_delta_by_the_delta_rule(tmp_path: Path, run) -> None:
    """∂E_total/∂w5 is written as ∂E/∂out × ∂out/∂net × ∂net/∂w5, which the learner got right;
    their δ_o1 × out_h1 is the delta rule's form, from their own δ_o1: it follows."""
    entries = Learner(MAZUR, "sign_delta").run()
    yours = write_yours(tmp_path / "yours.json", entries, "json", 9)
    _, report = compare_json(run, "mazur", yours)
    assert (report["first"]["symbol"], report["first"]["cause"]["kind"]) == ("δ_o1", "sign")
    statuses = {row["symbol"]: row["status"] for row in report["rows"]}
    assert statuses["∂E_total/∂out_o1"] == statuses["∂out_o1/∂net_o1"] == "match"
    assert statuses["∂E_total/∂w5"] == statuses["∂E_total/∂w6"] == "follows"


def test_rounded_numbers_carry_their_rounding_to_the_steps_after(tmp_path: Path, run) -> None:
    """net_o1 written to 3 digits, the rest to 9: out_o1 (from the learner's unrounded net_o1)
    still follows from net_o1 ± 0.0005."""
    (entry,) = Learner(MAZUR, "bias").run()
    values = {k: number(v, 3 if k == "net_o1" else 9) for k, v in entry["values"].items()}
    path = tmp_path / "yours.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    _, report = compare_json(run, "mazur", path)
    first = report["first"]
    assert first["symbol"] == "net_o1" and first["cause"] is None
    statuses = {row["symbol"]: row["status"] for row in report["rows"]}
    later = [s for s in ("out_o1", "E_o1", "E_total", "δ_o1", "∂E_total/∂w5", "w5⁺")]
    assert [statuses[s] for s in later] == ["follows"] * len(later)


def test_a_batch_updates_inputs_are_the_samples_gradients(tmp_path: Path, run) -> None:
    entries = Learner(batch(DEEP), "mean_sum").run()
    yours = write_yours(tmp_path / "yours.json", entries, "json", 9)
    _, report = compare_json(run, net_file(tmp_path, batch(DEEP)), yours)
    first = report["first"]
    assert first["symbol"] == "w1⁺" and first["sample"] is None
    summed = first["inputs"][2]
    assert (summed["symbol"], summed["status"]) == ("Σ ∂E_total/∂w1", "match")
    assert summed["yours"].count(" + ") == 2
    assert first["where"] == "every input you gave matches bptui's: the mistake is in this step"


def test_the_learners_numbers_are_followed_so_far_only(
    tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_WALK steps after the first divergence, numbers are compared with bptui's only
    (a big net's epochs have millions of steps)."""
    from bptui.engine import check_yours

    monkeypatch.setattr(check_yours, "MAX_WALK", 5)
    entries = Learner(MAZUR, "sign").run(epochs=2)
    yours = write_yours(tmp_path / "yours.json", entries, "json", 9)
    code, report = compare_json(run, "mazur", yours, "--epochs", "2")
    assert code == 1
    assert report["first"]["step"] == 12
    assert report["cut"] == {"epoch": 1, "step": 18}
    rows = [(row["epoch"], row["step"], row["status"]) for row in report["rows"]]
    assert (1, 14, "follows") in rows and (1, 16, "follows") in rows
    assert all(status != "follows" for epoch, step, status in rows if (epoch, step) >= (1, 18))
    assert (1, 19, "differs") in rows and (2, 1, "differs") in rows
    code, out, _ = run("compare", str(yours), "--epochs", "2")
    assert out.splitlines()[-1] == (
        "From epoch 1, step 18 on, your numbers were compared with bptui's only: following "
        "your own further (5 steps after the first divergence) would take too long."
    )


def test_no_recognisable_cause(tmp_path: Path, run) -> None:
    yours = tmp_path / "yours.json"
    yours.write_text('{"net_h1": 0.3775, "out_h1": 0.61}', encoding="utf-8")
    code, out, _ = run("compare", str(yours))
    assert code == 1
    assert "likely cause  no recognisable one" in out
    _, report = compare_json(run, "mazur", yours)
    assert report["first"]["cause"] is None


def test_the_json_report(tmp_path: Path, run) -> None:
    entries = Learner(MAZUR, "rate", 1.0).run(epochs=2)
    yours = write_yours(tmp_path / "yours.json", entries, "json", None)
    code, report = compare_json(run, "mazur", yours, "--epochs", "2")
    assert code == 1
    assert set(report) == {
        "network", "yours", "epochs", "tolerance", "summary", "rows", "first", "cut"
    }  # fmt: skip
    assert report["cut"] is None
    assert report["tolerance"] == "digits" and report["epochs"] == 2
    row = report["rows"][0]
    assert set(row) == {"epoch", "sample", "step", "symbol", "written", "yours", "bptui",
                        "rel_error", "tolerance", "status", "expected", "cause"}  # fmt: skip
    assert (row["symbol"], row["written"], row["status"]) == ("net_h1", "net_h1", "match")
    first = report["first"]
    assert (first["step"], first["symbol"], first["formula"]) == (44, "w1⁺", "w1 − η·∂E_total/∂w1")
    assert first["numbers"].startswith("0.15 − 0.5 × 0.000438567734")
    epoch2 = [row for row in report["rows"] if row["epoch"] == 2]
    assert epoch2[0]["symbol"] == "net_h1" and epoch2[0]["status"] == "follows"
    assert epoch2[0]["expected"] != epoch2[0]["bptui"]
    summary = report["summary"]
    assert summary["values"] == len(report["rows"]) == 102
    assert summary["match"] + summary["differs"] + summary["follows"] == 102


# ---------------------------------------------------------------------------------------------
# Bad files: one line, exit 2, no traceback


def bad(run, tmp_path: Path, name: str, text: str, *extra: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = run("compare", *extra, str(path))
    assert (code, out) == (2, ""), (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err
    return err.removeprefix(f"bptui: {path}: ").rstrip("\n")


def test_an_unknown_symbol_is_named_with_the_closest(tmp_path: Path, run) -> None:
    assert bad(run, tmp_path, "y.json", '{"delta_h3": 0.1}') == (
        "delta_h3: no step computes delta_h3 in this network; closest: delta_h2, delta_h1, delta_o2"
    )
    assert bad(run, tmp_path, "y.toml", '"∂E_total/∂w9" = 0.1\n') == (
        '"∂E_total/∂w9": no step computes ∂E_total/∂w9 in this network; closest: '
        "∂E_total/∂w8, ∂E_total/∂w7, ∂E_total/∂w6"
    )
    assert bad(run, tmp_path, "y.csv", "symbol,value\nnett_h1,0.3\n") == (
        "row 2, column symbol: no step computes nett_h1 in this network; closest: net_h1, "
        "net_o1, net_h2"
    )
    assert bad(run, tmp_path, "y.json", '{"dE/dw5": 0.08}').endswith(
        "closest: dE_total/dw5, dnet_o1/dw5, dE_total/dw8"
    )  # (the newcomer's trial: the common short form)
    assert bad(run, tmp_path, "y.json", '{"w5": 0.4}') == (
        "w5: w5 is a parameter, not a step: write dE_total/dw5 for its gradient or w5+ for its "
        "update"
    )
    assert bad(run, tmp_path, "y.json", '{"dE_total/db1": 0.4}') == (
        '"dE_total/db1": b1 is not trained in this network (train_biases = false): no step '
        "computes dE_total/db1"
    )
    assert bad(run, tmp_path, "y.json", '{"i1": 0.05}') == (
        "i1: i1 is an input of the network, not a step"
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("y.json", '{"epoch": 1, "sample": 1}',
         "values: missing: an entry needs values, a table of symbols and numbers (epoch and "
         'sample default to 1): {"epoch": 1, "sample": 1, "values": {...}}'),
        ("y.json", '[{"epoch": 1, "values": {"net_h1": 0.3775}}, {"epoch": 2}]',
         "[1]: missing: an entry needs values, a table of symbols and numbers (epoch and "
         'sample default to 1): {"epoch": 1, "sample": 1, "values": {...}}'),
        ("y.json", '{"epoch": 0, "values": {"net_h1": 0.3775}}',
         "epoch: expected an epoch number, a whole number from 1 to 10,000,000, found 0"),
        ("y.toml", "[[entries]]\nepoch = 1.5\n[entries.values]\nnet_h1 = 0.3775\n",
         "entries[0].epoch: expected an epoch number, a whole number from 1 to 10,000,000, "
         "found the number 1.5"),
        ("y.json", '{"sample": 2, "values": {"net_h1": 0.3775}}',
         "sample: sample 2 is beyond the network's 1 sample"),
        ("y.csv", "symbol,value,sample\nnet_h1,0.3775,3\n",
         "row 2, column sample: sample 3 is beyond the network's 1 sample"),
        ("y.json", '{"epoch": 2, "values": {"net_h1": 0.3775}}',
         "epoch: epoch 2 is beyond the 1 compared (give --epochs 2, at most 1,000)"),
        ("y.json", '{"net_h1": "abc"}', 'net_h1: expected a number, found the string "abc"'),
        ("y.json", '{"net_h1": true}', "net_h1: expected a number, found the boolean true"),
        ("y.json", '{"net_h1": [0.3775]}', "net_h1: expected a number, found a list of 1"),
        ("y.toml", 'net_h1 = "0.3 7"\n', 'net_h1: expected a number, found the string "0.3 7"'),
        ("y.csv", "symbol,value\nnet_h1,\n",
         "row 2, column value: expected a number, found an empty cell"),
        ("y.json", '{"net_h1": 0.3775, "net_h1": 0.3775}',
         'the key "net_h1" is given twice in one JSON object (again at line 1)'),
        ("y.json", '{"dnet_o1/dw5": 0.59, "∂net_o1/∂w5": 0.59}',
         '"∂net_o1/∂w5": the same step as "dnet_o1/dw5" (epoch 1, sample 1): each step takes '
         "one number"),
        ("y.csv", "symbol,value\nw5+,0.35\nw5⁺,0.36\n",
         "row 3, column symbol: the same step as row 2 (epoch 1, sample 1): each step takes one "
         "number"),
        ("y.json", '{"values": {"net_h1": 0.3775}, "extra": 1}',
         "extra: unknown key in an entry; valid keys here: epoch, sample, values"),
        ("y.json", '{"entries": [], "x": 1}',
         "x: unknown key beside entries (a list of entries holds every number)"),
        ("y.json", '"net_h1"',
         'expected a table of symbols and numbers ({"net_h1": 0.3775}), an entry ({"epoch": 1, '
         '"sample": 1, "values": {...}}), a list of entries, or CSV with a header row '
         'symbol,value[,epoch,sample]; found the string "net_h1"'),
        ("y.json", "{}", 'holds no numbers; expected a table of symbols and numbers '
         '({"net_h1": 0.3775}), an entry ({"epoch": 1, "sample": 1, "values": {...}}), a list '
         "of entries, or CSV with a header row symbol,value[,epoch,sample]"),
        ("y.json", '{"net_h1": 0.3775',
         "JSON syntax error at line 1, column 18: Expecting ',' delimiter"),
        ("y.toml", "net_h1 = = 1\n", "TOML syntax error at line 1, column 10: Invalid value"),
        ("y.csv", "symbol,number\nnet_h1,1\n",
         'row 1, column 2: unknown column "number"; expected symbol, value, and optionally epoch '
         "and sample"),
        ("y.csv", "net_h1,0.3775\nout_h1,0.59\n",  # (no header row: a newcomer's first try)
         "row 1: expected a header row naming the columns, found values (net_h1, 0.3775)"),
        ("y.csv", "1,1,out_h1,0.593269992\n",  # (it said the column "1" is given twice)
         "row 1: expected a header row naming the columns, found values (1, 1, out_h1, "
         "0.593269992)"),
        ("y.csv", "step,val\nnet_h1,0.3775\n",
         'row 1: the first row must name the columns: symbol,value (and optionally '
         'epoch,sample), found "step,val"'),
        ("y.csv", "value,epoch\n1,1\n",
         "row 1: no column named symbol; expected a header row symbol,value[,epoch,sample]"),
        ("y.csv", "symbol,value\n", "has a header row (row 1) but no rows of values"),
        ("y.json", '{"net_h1": 1' + "0" * 200 + "}",
         "net_h1: expected a number of at most 100 characters, found 201"),
        ("y.json", "", "the file is empty; expected a table of symbols and numbers "
         '({"net_h1": 0.3775}), an entry ({"epoch": 1, "sample": 1, "values": {...}}), a list '
         "of entries, or CSV with a header row symbol,value[,epoch,sample]"),
    ],
)  # fmt: skip
def test_a_bad_file_is_one_line_and_exit_2(
    name: str, text: str, message: str, tmp_path: Path, run
) -> None:
    assert bad(run, tmp_path, name, text) == message


def test_a_batch_update_is_one_step_per_epoch(tmp_path: Path, run) -> None:
    net = net_file(tmp_path, batch(DEEP))
    path = tmp_path / "y.json"
    path.write_text(
        '[{"sample": 1, "values": {"w1+": 0.15}}, {"sample": 2, "values": {"w1+": 0.15}}]',
        encoding="utf-8",
    )
    code, out, err = run("compare", net, str(path))
    assert (code, out) == (2, "")
    assert err == (
        f'bptui: {path}: [1].values."w1+": the same step as [0].values."w1+" (w1⁺ of '
        "epoch 1, the epoch’s one batch update): each step takes one number\n"
    )


def test_special_files_are_refused(tmp_path: Path, run) -> None:
    code, out, err = run("compare", "/dev/zero")
    assert (code, out, err) == (
        2, "", "bptui: /dev/zero: is not a regular file or a pipe (a character device)\n"
    )  # fmt: skip
    code, out, err = run("compare", str(tmp_path))
    assert (code, out, err) == (
        2,
        "",
        f"bptui: {tmp_path}: is a directory, not a file of your values\n",
    )
    code, out, err = run("compare", str(tmp_path / "missing.json"))
    assert (code, err) == (2, f"bptui: {tmp_path / 'missing.json'}: no such file\n")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path, run) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    code, out, err = run("compare", str(path))
    assert (code, out, err) == (2, "", f"bptui: {path}: is 17 MB, over the limit of 16 MB\n")


@pytest.mark.parametrize("fmt", ["json", "toml", "csv"])
def test_over_100000_values_are_refused(fmt: str, tmp_path: Path, run) -> None:
    count = 100_001
    path = tmp_path / f"many.{fmt}"
    if fmt == "json":
        text = "{" + ", ".join(f'"net_h{k}": 1' for k in range(count)) + "}"
    elif fmt == "toml":
        text = "".join(f"net_h{k} = 1\n" for k in range(count))
    else:
        text = "symbol,value\n" + "".join(f"net_h{k},1\n" for k in range(count))
    path.write_text(text, encoding="utf-8")
    code, out, err = run("compare", str(path))
    assert (code, out) == (2, "")
    assert "100,000" in err and err.count("\n") == 1, err


def test_bad_options(run) -> None:
    for args, message in [
        (["--rtol", "2"], "argument --rtol: expected a relative tolerance from 0 to 1, found 2"),
        (
            ["--rtol", "nan"],
            "argument --rtol: expected a relative tolerance from 0 to 1, found nan",
        ),
        (["--epochs", "0"], "argument --epochs: expected at least 1, found 0"),
        (["--epochs", "1001"], "argument --epochs: 1,001 is over the limit of 1,000 epochs"),
        ([], "the following arguments are required: YOURS"),
    ]:
        code, out, err = run("compare", *args)
        assert (code, out) == (2, "")
        assert err == f"bptui: {message} (see: bptui compare --help)\n"


# ---------------------------------------------------------------------------------------------
# As a user runs it


def bptui(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "bptui", *args], capture_output=True, text=True, timeout=120, **kwargs
    )


def test_real_processes(tmp_path: Path) -> None:
    right = write_yours(tmp_path / "right.toml", Learner(MAZUR).run(), "toml-flat", 9)
    result = bptui("compare", str(right))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.rstrip().endswith("Every one of your 51 numbers matches bptui's.")
    wrong = write_yours(tmp_path / "wrong.csv", Learner(MAZUR, "errata").run(), "csv", 9)
    result = bptui("compare", "mazur", str(wrong), "--format", "json")
    assert (result.returncode, result.stderr) == (1, "")
    assert json.loads(result.stdout)["first"]["cause"]["kind"] == "updated_weight"
    result = bptui("compare", "mazur-2015", str(wrong))  # the order that mistake is
    assert (result.returncode, result.stderr) == (0, "")
    result = bptui("compare", str(tmp_path / "nope.json"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"bptui: {tmp_path / 'nope.json'}: no such file\n"


def test_a_pipe_and_standard_input(tmp_path: Path) -> None:
    text = '{"net_h1": 0.3775, "out_h1": 0.5933}'
    result = bptui("compare", "/dev/stdin", input=text)
    assert (result.returncode, result.stderr) == (0, "")
    result = bptui("compare", "/dev/stdin", input="symbol,value\nnet_h1,0.4\n")
    assert (result.returncode, result.stderr) == (1, "")


def test_a_reader_that_goes_away_and_a_closed_output(tmp_path: Path) -> None:
    entries = Learner(DEEP, "sign").run(epochs=3)
    yours = write_yours(tmp_path / "y.json", entries, "json", 9)
    net = net_file(tmp_path, DEEP)
    process = subprocess.Popen(
        [PYTHON, "-m", "bptui", "compare", net, str(yours), "--epochs", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()
    status = process.wait(timeout=120)
    assert (status, process.stderr.read().decode()) == (141, "")
    result = subprocess.run(
        ["bash", "-c", f'{PYTHON} -m bptui compare "$@" >&-', "bptui", str(yours), "--epochs", "3"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("bptui: standard output is closed")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_disk(tmp_path: Path) -> None:
    yours = write_yours(tmp_path / "y.json", Learner(MAZUR).run(), "json-flat", 9)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [PYTHON, "-m", "bptui", "compare", str(yours)],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == "bptui: cannot write the output: No space left on device\n"


# ---------------------------------------------------------------------------------------------
# The committed examples are what the learners above write


SHOWN = ["out_h1", "out_o1", "E_total", "dE_total/dout_o1", "delta_o1", "dE_total/dw5",
         "dE_total/dout_o2", "delta_o2", "dE_o1/dout_h1", "delta_h1", "dE_total/dw1", "w5+",
         "w1+"]  # fmt: skip
EXAMPLES = {  # (README shows the first)
    "mazur-sign-flip.json": (MAZUR, "sign", "json-flat", 9),
    "mazur-errata.csv": (MAZUR, "errata", "csv", 9),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_committed_examples_are_the_learners(name: str, tmp_path: Path) -> None:
    net, mistake, fmt, digits = EXAMPLES[name]
    entries = Learner(net, mistake).run()
    for entry in entries:
        entry["values"] = {k: entry["values"][k] for k in SHOWN}
    made = write_yours(tmp_path / name, entries, fmt, digits)
    if os.environ.get("BPTUI_WRITE_YOURS"):
        CORPUS.mkdir(exist_ok=True)
        (CORPUS / name).write_text(made.read_text(encoding="utf-8"), encoding="utf-8")
    assert (CORPUS / name).read_text(encoding="utf-8") == made.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Whatever the file holds: numbers, or one error naming the file


@functools.cache
def mazur_network():
    from bptui.engine.loader import load_network

    return load_network("mazur")


SYMBOLS = ["net_h1", "out_o1", "E_total", "delta_o1", "dE_total/dw5", "w5+", "w5", "b1", "x", ""]
PIECES = ['{', '}', '[', ']', '"', ':', ',', '=', '\n', ' ', '1', '-0.5e3', 'NaN', 'nan', 'inf',
          '"epoch"', '"sample"', '"values"', '"entries"', 'epoch', 'values', '[[entries]]',
          '[entries.values]', 'symbol,value', 'epoch,sample,symbol,value', '0', '2', '99999999999',
          'true', 'null', '"0.5"', '\u2212', '\x00', '\ufeff', '1_0.5', *SYMBOLS]  # fmt: skip


@settings(max_examples=600, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=40),
    st.sampled_from([".json", ".toml", ".csv", ""]),
)
def test_any_file_reads_as_numbers_or_one_error(pieces: list[str], suffix: str) -> None:
    from bptui.engine.check_yours import compare_yours
    from bptui.engine.errors import BptuiError
    from bptui.engine.yours import parse_yours

    data = "".join(pieces).encode("utf-8")
    try:
        given = parse_yours(data, "y", suffix)
        compare_yours(mazur_network(), given, epochs=1)
    except BptuiError as error:
        assert "\n" not in str(error) and str(error).startswith("y: ")


KEYS = st.sampled_from([*SYMBOLS, "epoch", "sample", "values", "entries"])
SCALARS = st.one_of(
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["0.5", "abc", "−1", "nan", "", "1e999"]),
    st.booleans(),
    st.none(),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(DOCUMENTS)
def test_any_json_document_reads_as_numbers_or_one_error(document: Any) -> None:
    from bptui.engine.check_yours import compare_yours
    from bptui.engine.errors import BptuiError
    from bptui.engine.yours import parse_yours

    try:
        given = parse_yours(json.dumps(document).encode("utf-8"), "y.json", ".json")
        report = compare_yours(mazur_network(), given, epochs=1)
    except BptuiError as error:
        assert "\n" not in str(error) and str(error).startswith("y.json: ")
    else:
        assert len(report.rows) == len(given)


def test_the_readme_shows_a_real_run(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE.parent)
    readme = (HERE.parent / "README.md").read_text(encoding="utf-8")
    command = "$ bptui compare tests/yours/mazur-sign-flip.json\n"
    shown = readme[readme.index(command) + len(command) : readme.index("$ echo $?\n1\n")]
    code, out, err = run("compare", "tests/yours/mazur-sign-flip.json")
    assert (code, err) == (1, "")
    assert out == shown


def test_compare_never_imports_textual(tmp_path: Path) -> None:
    yours = write_yours(tmp_path / "y.json", Learner(MAZUR, "sign").run(), "json-flat", 9)
    code = (
        "import sys\n"
        "from bptui.cli import main\n"
        f"code = main(['compare', {str(yours)!r}])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "sys.exit(3 if bad else code)\n"
    )
    result = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr


def test_hand_arithmetic_carries_its_rounding_and_still_matches(tmp_path: Path, run) -> None:
    """A learner working by hand to 4 digits multiplies their own rounded numbers: δ_o1 from
    their ∂E_total/∂out_o1 and ∂out_o1/∂net_o1 differs from bptui's in its 5th digit, which is
    no mistake (the newcomer's trial: "correct hand arithmetic is reported as a mistake").
    A real slip of the same size on top of it still differs."""
    (entry,) = Learner(MAZUR).run()
    exact = entry["values"]
    dout = float(f"{exact['dE_total/dout_o1']:.4g}")
    dnet = float(f"{exact['dout_o1/dnet_o1']:.4g}")
    delta = float(f"{dout * dnet:.5g}")  # the hand's product, kept to 5 digits
    assert abs(delta - exact["delta_o1"]) > 5e-6  # (beyond its own last digit of bptui's)
    values = {"dE_total/dout_o1": dout, "dout_o1/dnet_o1": dnet, "delta_o1": delta}
    yours = write_yours(tmp_path / "hand.json", [{**entry, "values": values}], "json-flat")
    code, report = compare_json(run, net_file(tmp_path, MAZUR), yours)
    assert code == 0 and report["first"] is None
    values["delta_o1"] = float(f"{dout * dnet * 1.001:.5g}")  # a slip of 0.1 %
    yours = write_yours(tmp_path / "slip.json", [{**entry, "values": values}], "json-flat")
    code, report = compare_json(run, net_file(tmp_path, MAZUR), yours)
    assert code == 1 and report["first"]["symbol"] == "δ_o1"


def test_a_non_finite_number_has_no_likely_cause_and_brackets_print_whole(
    tmp_path: Path, run
) -> None:
    """The hostile trial: a nan was given a cause (transposed weights, a sign flip) no mistake
    makes, and the text report read `W[i][j]` in a cause as markup and dropped it."""
    nan = tmp_path / "nan.json"
    nan.write_text('{"out_o1": 0.75136507, "delta_o1": "nan"}', encoding="utf-8")
    code, report = compare_json(run, net_file(tmp_path, MAZUR), nan)
    assert code == 1 and report["first"]["symbol"] == "δ_o1" and report["first"]["cause"] is None
    transposed = tmp_path / "transposed.json"
    # net_h1 through the transposed first layer: w1·i1 + w3·i2 + b1 (the post's own typo)
    transposed.write_text(f'{{"net_h1": {0.15 * 0.05 + 0.25 * 0.10 + 0.35!r}}}', encoding="utf-8")
    code, out, _ = run("compare", net_file(tmp_path, MAZUR), str(transposed))
    assert code == 1 and "(W[i][j] for W[j][i])" in out


def test_a_key_given_twice_in_toml_is_named(tmp_path: Path, run) -> None:
    """The hostile trial: tomllib's 'Cannot overwrite a value' named no key."""
    message = bad(run, tmp_path, "twice.toml", "net_h1 = 0.3775\nnet_h1 = 1\n")
    assert message.endswith("Cannot overwrite a value (the key net_h1 is given twice)")


def test_a_table_written_once_as_a_list_and_once_not_is_named(tmp_path: Path, run) -> None:
    """`[layers]` for the first layer, `[[layers]]` for the second: the message quoted the
    line, comment and all, as the key given twice (the second hostile trial). It says how a
    list of tables is written; a table given twice is named as a table."""
    layers = (
        "learning_rate = 0.5\n[layers]\nactivation = 'sigmoid'\nweights = [[0.1, 0.2]]\n"
        "[[layers]]   # the output layer\nactivation = 'sigmoid'\nweights = [[0.3]]\n"
        "[[samples]]\ninputs = [1, 2]\ntargets = [0.5]\n"
    )
    path = tmp_path / "net.toml"
    path.write_text(layers, encoding="utf-8")
    code, _, err = run("check", str(path))
    assert code == 2
    assert err.strip().endswith(
        "Cannot overwrite a value ([[layers]] after a [layers] table or a layers = …: a list of "
        "tables is written [[layers]] each time)"
    ), err
    path.write_text("[x]\na = 1\n[x]\nb = 2\n", encoding="utf-8")
    code, _, err = run("check", str(path))
    assert code == 2 and err.strip().endswith("(the table [x] is given twice)"), err
