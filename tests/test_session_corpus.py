"""Tampered sessions: a corpus generated from valid sessions, field by field, each refused in one
line naming the file and the key path, fast, before any screen opens; every session the app can
save is accepted; saving fails in one line whatever the target.

The valid sessions: Mazur's net (online) extended, with an order switch, breakpoints of every
kind and a pin; and the batch net tanh-2332 (trained biases, a shared bias). Each bad value is
written into the JSON text raw, so that what no Python value can say (a number of 5,000 digits,
`Infinity`, a key given twice, nesting thousands deep) is in the corpus too.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import random
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bptui.engine import sessioncheck
from bptui.engine.breakpoints import Breakpoint, parse_breakpoint
from bptui.engine.errors import BptuiError
from bptui.engine.history import History
from bptui.engine.loader import load_network, parse_document
from bptui.engine.session import (
    Session,
    View,
    estimated_bytes,
    save_session,
    session_document,
    session_from_source,
)
from bptui.engine.source import Source
from bptui.engine.trace import EpochTrace, step_count

HOLE = "\x00hole\x00"  # a placeholder value, replaced by raw JSON text after dumping
PYTHON_TEXT = (
    "Traceback",
    "KeyError",
    "TypeError",
    "ValueError",
    "IndexError",
    "AttributeError",
    "RecursionError",
    "invalid literal",
    "object has no attribute",
    "not subscriptable",
    "unhashable",
    "positional argument",
    "maximum recursion",
)
NAME = "tampered.bptui"


# ---------------------------------------------------------------------------------------------
# The valid sessions


def mazur_session() -> Session:
    """Mazur's net: 45 epochs with a checkpoint every 10, switched to after_output_update at
    epoch 23 (a checkpoint of its own), w1 pinned, a breakpoint of every kind."""
    network = load_network("mazur")
    history = History(network, every=10)
    history.extend(40)
    switched = replace(
        network, hidden_gradients="after_output_update", param_refs=network.param_refs
    )
    history.switch(23, switched)
    history.extend(45 - history.epochs_done)
    breakpoints = [
        Breakpoint("gradient", "w5"),
        Breakpoint("loss_below", threshold=0.001),
        Breakpoint("nonfinite", enabled=False),
        Breakpoint("gradient_above", None, 0.5),
        Breakpoint("gradient_above", "w1", 0.1),
    ]
    view = View(why=False, plot="norms", norms_log=False, lower="table")  # (y, G, L, v v)
    return Session(history, 23, 17, "w1", breakpoints, 6, "after epoch 45: loss 0.01", view=view)


def batch_session() -> Session:
    """tanh-2332 (batch_mean, trained biases): 12 epochs, a checkpoint every 5."""
    network = load_network("tanh-2332")
    history = History(network, every=5)
    history.extend(12)
    steps = step_count(network)
    breakpoints = [Breakpoint("gradient", "b3"), Breakpoint("gradient_above", "w3", 1.0)]
    return Session(history, 13, steps - 1, "b_h1_2", breakpoints, 9, "")


BASES = {"mazur": mazur_session, "batch": batch_session}
_DOCUMENTS: dict[str, dict[str, Any]] = {}


def base_document(base: str) -> dict[str, Any]:
    if base not in _DOCUMENTS:
        _DOCUMENTS[base] = session_document(BASES[base]())
    return json.loads(json.dumps(_DOCUMENTS[base]))


# ---------------------------------------------------------------------------------------------
# Tampering: a path into the document, and raw JSON text to put there

Path_ = tuple[str | int, ...]


def _parent(document: Any, path: Path_) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def with_raw(base: str, path: Path_, raw: str) -> str:
    """The base session's JSON text with the value at `path` replaced by `raw`."""
    document = base_document(base)
    _parent(document, path)[path[-1]] = HOLE
    return json.dumps(document).replace(json.dumps(HOLE), raw, 1)


def without(base: str, path: Path_) -> str:
    document = base_document(base)
    del _parent(document, path)[path[-1]]
    return json.dumps(document)


def with_extra(base: str, table: Path_, key: str = "bogus") -> str:
    document = base_document(base)
    target = document
    for part in table:
        target = target[part]
    target[key] = 1
    return json.dumps(document)


def with_duplicate(base: str, path: Path_) -> str:
    """The key at `path` written twice, with the same value (JSON keeps the last)."""
    document = base_document(base)
    parent = _parent(document, path)
    value = parent[path[-1]]
    parent[path[-1]] = HOLE
    pair = f"{json.dumps(path[-1])}: {json.dumps(value)}"
    return json.dumps(document).replace(
        f"{json.dumps(path[-1])}: {json.dumps(HOLE)}", f"{pair}, {pair}", 1
    )


def key_path(path: Path_) -> str:
    """How a message names `path`: `history.checkpoints."21"[3]`, `network: layers[0]`."""
    if path[0] == "network":
        return "network: " + key_path(path[1:]) if len(path) > 1 else "network"
    text = ""
    for k, part in enumerate(path):
        if isinstance(part, int):
            text += f"[{part}]"
        elif k > 0 and path[k - 1] == "checkpoints":
            text += f".{json.dumps(part)}"
        else:
            text += f".{part}" if text else part
    return text


HUGE = "9" * 5000
DEEP = "[" * 100 + "1" + "]" * 100  # parsed, then refused by type
DEEPER = "[" * 5000 + "]" * 5000  # too deep for the parser: refused with its path
# Values no field accepts (each field adds its own out-of-range ones).
EVERYWHERE = [
    HUGE,
    "-" + HUGE,
    "1e400",
    "-1e400",
    "Infinity",
    "-Infinity",
    "NaN",
    "{}",
    '{"a": 1}',
    DEEP,
    DEEPER,
    '"' + "x" * 100_000 + '"',
]
# What the message says of them (the parser keeps them out of Python's numbers)
FOUND = {
    HUGE: "a whole number of 5,000 digits",
    "-" + HUGE: "a whole number of 5,000 digits",
    "Infinity": "the JSON literal Infinity",
    "-Infinity": "the JSON literal -Infinity",
    "NaN": "the JSON literal NaN",
    DEEPER: "nested over 64 levels deep",
}
NOT_NULL = ["null"]
NOT_STRING = ['"string"', '""']
NOT_BOOL = ["true", "false"]
NOT_LIST = ["[]", "[1]"]
NOT_NUMBER = ["0", "-1", "1.5", "1e12", "1000000000000"]


Case = tuple[str, str, str, str, str]


def field_cases() -> list[Case]:
    """(label, base, JSON text, expected key path, expected words) for every field and bad
    value."""
    m, b = base_document("mazur"), base_document("batch")
    m_end = len(m["history"]["losses"]) + 1
    m_steps = step_count(mazur_session().history.network_for(23))
    b_end = len(b["history"]["losses"]) + 1
    cases: list[Case] = []

    def add(base: str, path: Path_, values: list[str], expected: Path_ | None = None) -> None:
        for raw in values:
            text = with_raw(base, path, raw)
            label = f"{base}:{key_path(path)}={raw[:20]}"
            cases.append((label, base, text, key_path(expected or path), FOUND.get(raw, "")))

    everything_but = EVERYWHERE + NOT_NULL + NOT_STRING + NOT_BOOL + NOT_LIST
    # the top level
    add("mazur", ("format",), ['"bptui-sessionx"', "1", *EVERYWHERE, *NOT_NULL, *NOT_LIST])
    add("mazur", ("version",), ["0", "-1", "3", "1e12", "1.0", *everything_but])
    for key in ("network", "settings", "position", "history"):
        add("mazur", (key,), ["1", *NOT_NULL, *NOT_STRING, *NOT_BOOL, *NOT_LIST, HUGE, "NaN"])
    add("mazur", ("network", "learning_rate"), ['"fast"', "0", "-1", "Infinity", "1e400", HUGE])
    add("mazur", ("network", "seed"), [HUGE, "-1", "1.5", "NaN"])
    add("mazur", ("network", "layers", 0, "weights", 0, 0), ["Infinity", "NaN", "1e400", HUGE])
    add("mazur", ("network", "layers"), ["[]", "null", DEEP])
    # settings
    add(
        "mazur",
        ("settings", "precision"),
        ["0", "1", "18", "1000000000", *NOT_NUMBER[1:], *everything_but],
    )
    add("mazur", ("settings", "orders"), ["[]", "null", '"before_update"', "1", *EVERYWHERE])
    add("mazur", ("settings", "orders", 0), ["[1]", '[1, "before_update", 3]', "1", *EVERYWHERE])
    add(
        "mazur",
        ("settings", "orders", 0, 0),
        ["0", "2", "-1", "1.0", "1e12", '"1"', *everything_but],
    )
    add(
        "mazur",
        ("settings", "orders", 1, 0),
        ["1", "22", "0", str(m_end + 1), "1000000000000", *EVERYWHERE],
    )
    add("mazur", ("settings", "orders", 0, 1), ['"sideways"', '"Before_update"', *everything_but])
    add("batch", ("settings", "orders", 0, 1), ['"after_output_update"'])
    add("mazur", ("settings", "view"), ["1", *NOT_STRING, *NOT_BOOL, *NOT_LIST, HUGE, "NaN"])
    for flag in ("why", "finite_differences", "loss_log", "norms_log"):
        add("mazur", ("settings", "view", flag), ["0", "1", '"true"', *NOT_NULL, *EVERYWHERE])
    add("mazur", ("settings", "view", "plot"), ['"Loss"', '"weights"', '""', "1", *NOT_NULL])
    add("mazur", ("settings", "view", "lower"), ['"plots"', '"network"', "0", *NOT_BOOL])
    add(
        "mazur",
        ("settings", "orders"),
        ['[[1, "before_update"], [23, "after_output_update"], [23, "before_update"]]'],
        ("settings", "orders", 2, 0),
    )
    add(
        "mazur",
        ("settings", "orders"),
        ['[[1, "before_update"], [30, "after_output_update"]]'],  # no checkpoint at 30
        ("settings", "orders", 1, 0),
    )
    # position
    add(
        "mazur",
        ("position", "epoch"),
        ["0", "-1", str(m_end + 1), "1000000000000", "1.5", *everything_but],
    )
    add(
        "mazur",
        ("position", "index"),
        ["-1", str(m_steps), "1000000000000", "2.0", *everything_but],
    )
    add("batch", ("position", "index"), [str(step_count(load_network("tanh-2332")))])
    add("batch", ("position", "epoch"), [str(b_end + 1)])
    # pinned, message
    add(
        "mazur",
        ("pinned",),
        ['"w99"', '"W1"', '""', '" w1"', "1", *EVERYWHERE, *NOT_BOOL, *NOT_LIST],
    )
    add(
        "mazur",
        ("message",),
        [
            '"' + "x" * 1001 + '"',
            '"two\\nlines"',
            '"tab\\there"',
            "1",
            *EVERYWHERE,
            *NOT_NULL,
            *NOT_BOOL,
            *NOT_LIST,
        ],
    )
    # breakpoints (0: gradient w5, 1: loss_below, 2: nonfinite, 3: |grad| >, 4: |∂E/∂w1| >)
    add("mazur", ("breakpoints",), ["null", "{}", '"w5"', "1", *EVERYWHERE[:7]])
    add("mazur", ("breakpoints", 0), ["[]", '"w5"', "null", "1", "{}", *EVERYWHERE[:7]])
    add("mazur", ("breakpoints", 0, "kind"), ['"bogus"', '"Gradient"', *everything_but])
    add("mazur", ("breakpoints", 0, "param"), ['"w99"', '"b1"', '"b2"', *everything_but])
    add("mazur", ("breakpoints", 4, "param"), ['"w99"', '"b1"', "1", *EVERYWHERE])
    add("mazur", ("breakpoints", 1, "param"), ['"w1"', "1", *EVERYWHERE])
    add("mazur", ("breakpoints", 2, "param"), ['"w1"'])
    add("mazur", ("breakpoints", 0, "threshold"), ["0.5", '"nan"', *EVERYWHERE])
    add("mazur", ("breakpoints", 2, "threshold"), ["0.5"])
    add(
        "mazur",
        ("breakpoints", 1, "threshold"),
        ['"nan"', '"inf"', '"0.1"', *EVERYWHERE, *NOT_NULL, *NOT_BOOL, *NOT_LIST],
    )
    add("mazur", ("breakpoints", 3, "threshold"), ["null", '"-inf"', "Infinity", "1e400"])
    # E_total below 0 or below 1e-999 (read as 0) never stops; |gradient| > -1 always does
    add("mazur", ("breakpoints", 1, "threshold"), ["0", "0.0", "-0.0", "1e-999", "-1"])
    add("mazur", ("breakpoints", 3, "threshold"), ["-1", "-5e-324"])
    add(
        "mazur",
        ("breakpoints", 0, "enabled"),
        ["1", "0", '"yes"', *EVERYWHERE, *NOT_NULL, *NOT_LIST],
    )
    add("batch", ("breakpoints", 0, "param"), ['"b99"', '"x1"'])
    # history
    add("mazur", ("history", "every"), ["0", "-1", "1001", "1.0", *everything_but])
    add("mazur", ("history", "every"), ["3", "5", "7"], ("history", "checkpoints"))
    add("batch", ("history", "every"), ["1001", "0"])
    add("mazur", ("history", "losses"), ["null", "{}", '"0.1"', "1", *EVERYWHERE[:7]])
    # fewer losses: the checkpoints after the end, then the position, are out of range
    add("mazur", ("history", "losses"), ["[]"], ("history", "checkpoints", "11"))
    losses = json.dumps(m["history"]["losses"][:21])  # the end is epoch 22: "23" is past it
    add("mazur", ("history", "losses"), [losses], ("history", "checkpoints", "23"))
    add(
        "mazur",
        ("history", "losses", 3),
        ['"nanx"', '"NaN"', '"Infinity"', "null", "true", "[]", "{}", *EVERYWHERE],
    )
    # a loss below 0, and a non-finite loss in a history with no non-finite epoch
    add("mazur", ("history", "losses", 3), ["-0.1", "-5e-324", '"nan"', '"inf"', '"-inf"'])
    add(
        "mazur",
        ("history", "nonfinite_epoch"),
        ["0", "-1", str(m_end), "1.0", *EVERYWHERE, *NOT_STRING, *NOT_BOOL, *NOT_LIST],
    )
    add("mazur", ("history", "checkpoints"), ["[]", "null", '"1"', "1", *EVERYWHERE[:7]])
    add(
        "mazur",
        ("history", "checkpoints", "1"),
        ["[]", "[0.1]", "null", "{}", '"0.1"', *EVERYWHERE[:7]],
    )
    add(
        "mazur",
        ("history", "checkpoints", "11", 3),
        ['"nanx"', "null", "true", "[]", "{}", '"0.1"', *EVERYWHERE],
    )
    add("batch", ("history", "checkpoints", "6", 27), ["null", "Infinity", "1e400"])
    return cases


OPTIONAL = {("settings", "view"), ("predict",), ("edits",)}
"""Keys a session may leave out (for their defaults)."""


def key_cases() -> list[Case]:
    """Missing keys, extra keys, keys given twice, bad checkpoint keys."""
    cases = []
    tables: list[Path_] = [
        (),
        ("settings",),
        ("settings", "view"),
        ("position",),
        ("history",),
        ("breakpoints", 0),
        ("breakpoints", 3),
    ]
    document = base_document("mazur")
    for table in tables:
        target = document
        for part in table:
            target = target[part]
        for key in sorted(target):
            path = (*table, key)
            if path not in OPTIONAL:
                cases.append(
                    (
                        f"missing {key_path(path)}",
                        "mazur",
                        without("mazur", path),
                        key_path(path),
                        "missing",
                    )
                )
            cases.append(
                (
                    f"twice {key_path(path)}",
                    "mazur",
                    with_duplicate("mazur", path),
                    key_path(path),
                    "given twice",
                )
            )
        extra = (*table, "bogus")
        cases.append(
            (
                f"extra {key_path(extra)}",
                "mazur",
                with_extra("mazur", table),
                key_path(extra),
                "unknown key",
            )
        )
    long_key = "k" * 100_000
    cases.append(
        ("a 100k-character key", "mazur", with_extra("mazur", (), long_key), "kkkk", "unknown key")
    )
    cases.append(
        (
            "network extra key",
            "mazur",
            with_extra("mazur", ("network",)),
            "network: bogus",
            "unknown",
        )
    )
    cases.append(
        (
            "network duplicate key",
            "mazur",
            with_duplicate("mazur", ("network", "loss")),
            "network: loss",
            "given twice",
        )
    )
    cases.append(
        (
            "layer duplicate key",
            "mazur",
            with_duplicate("mazur", ("network", "layers", 0, "activation")),
            "network: layers[0].activation",
            "given twice",
        )
    )
    cases.append(("network missing", "mazur", without("mazur", ("network",)), "network", "missing"))
    # checkpoint keys: only canonical epoch numbers from 1 to the end; "1" and every
    # 1 + k·every present
    saved = base_document("mazur")
    end = len(saved["history"]["losses"]) + 1
    one = saved["history"]["checkpoints"]["1"]
    for key in (
        "01",
        "-1",
        "1.5",
        " 1",
        "1 ",
        "",
        "0",
        "+1",
        "1e1",
        "x",
        "٣",
        "9" * 25,
        str(end + 1),
    ):
        text = with_extra("mazur", ("history", "checkpoints"), key).replace(
            f"{json.dumps(key)}: 1", f"{json.dumps(key)}: {json.dumps(one)}"
        )
        quoted = json.dumps(key, ensure_ascii=False)
        path = f"history.checkpoints.{quoted}"
        cases.append((f"checkpoint key {key!r}", "mazur", text, path, "expected an epoch"))
    for key in ("1", "11", "21", "41"):
        text = without("mazur", ("history", "checkpoints", key))
        cases.append((f"checkpoint {key} missing", "mazur", text, "history.checkpoints", "missing"))
    cases.append(
        (
            "checkpoints key twice",
            "mazur",
            with_duplicate("mazur", ("history", "checkpoints", "11")),
            'history.checkpoints."11"',
            "given twice",
        )
    )
    return cases


def whole_file_cases() -> list[Case]:
    """Damage to the file as a whole: the message names the file only."""
    text = json.dumps(base_document("mazur"))
    return [
        ("truncated", "mazur", text[: len(text) // 2], "", "JSON syntax error"),
        ("empty", "mazur", "", "", "JSON syntax error"),
        ("a list", "mazur", "[1, 2]", "", "not a bptui session"),
        ("trailing garbage", "mazur", text + "}", "", "JSON syntax error"),
        ("deep at the top", "mazur", "[" * 100_000, "", "nested over 64 levels deep"),
    ]


CASES = field_cases() + key_cases() + whole_file_cases()


def refusal(text: str | bytes, name: str = NAME) -> tuple[str, float]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    start = time.perf_counter()
    with pytest.raises(BptuiError) as info:
        session_from_source(Source(name, data, ".bptui", "tampered"))
    return str(info.value), time.perf_counter() - start


def assert_one_line(message: str, path: str, name: str = NAME) -> None:
    assert "\n" not in message and message.isprintable(), message
    assert len(message) <= 400, message
    assert message.startswith(f"{name}: {path}" if path else f"{name}: "), message
    for word in PYTHON_TEXT:
        assert word not in message, message


def test_the_corpus_is_big_and_the_valid_sessions_open() -> None:
    assert len(CASES) > 600
    for base in BASES:
        text = json.dumps(base_document(base))
        session = session_from_source(Source(NAME, text.encode(), ".bptui", "x"))
        assert session_document(session) == base_document(base)


@pytest.mark.parametrize(
    ("label", "base", "text", "path", "words"), CASES, ids=[case[0][:60] for case in CASES]
)
def test_a_tampered_session_is_refused_in_one_line(
    label: str, base: str, text: str, path: str, words: str
) -> None:
    message, seconds = refusal(text)
    assert_one_line(message, path)
    assert words in message, message
    assert seconds < 2, (label, seconds)


def test_bad_bytes_are_refused_in_one_line() -> None:
    text = json.dumps(base_document("mazur")).encode()
    for data in (b"\xff\xfe" + text, text[:100] + b"\xc3\x28" + text[100:], b"\x00" * 10):
        message, _ = refusal(data)
        assert_one_line(message, "")


def test_a_file_name_with_a_newline_stays_on_one_line() -> None:
    message, _ = refusal(with_raw("mazur", ("position", "epoch"), "0"), "bad\nname.bptui")
    assert message.startswith("bad\\nname.bptui: position.epoch: "), message


def test_over_the_limit_of_losses(monkeypatch) -> None:
    monkeypatch.setattr(sessioncheck, "MAX_LOSSES", 10)
    message, _ = refusal(json.dumps(base_document("mazur")))
    assert_one_line(message, "history.losses")
    assert "over the limit of 10" in message


def test_over_the_limit_of_breakpoints() -> None:
    document = base_document("mazur")
    document["breakpoints"] = document["breakpoints"][:1] * 1001
    message, _ = refusal(json.dumps(document))
    assert_one_line(message, "breakpoints")
    assert "1,001 entries is over the limit of 1,000" in message


def test_a_longer_checkpoint_interval_than_the_networks_is_refused() -> None:
    """A big net keeps a checkpoint every few epochs; a file saying every 1000 would make
    reopening replay up to 999 epochs of it."""
    document = {
        "learning_rate": 0.5,
        "layers": [{"activation": "sigmoid", "size": 200}, {"activation": "sigmoid", "size": 2}],
        "samples": [{"inputs": [0.1 * k, 0.2], "targets": [0.0, 1.0]} for k in range(20)],
    }
    network = parse_document(document, "wide", "wide")
    history = History(network)
    assert history.every < 1000
    history.extend(3)
    saved = session_document(Session(history, 2, 0))
    saved["history"]["every"] = history.every + 1
    message, _ = refusal(json.dumps(saved))
    assert_one_line(message, "history.every")
    assert f"from 1 to {history.every}" in message


def test_step_count_is_the_length_of_the_trace() -> None:
    from bptui.engine.passes import compute_epoch

    for name in ("mazur", "tanh-2332", "xor", "relu-softmax", "mazur-2015"):
        network = load_network(name)
        nets = [network]
        if network.update == "online":
            nets.append(replace(network, hidden_gradients="after_output_update"))
        for net in nets:
            trace = EpochTrace(compute_epoch(net, net.params))
            assert step_count(net) == len(trace), name


def test_some_tampered_sessions_exit_2_with_one_line_from_the_command(tmp_path: Path) -> None:
    """The real command refuses before it needs a terminal: exit 2, one line, no traceback."""
    # (a file whose format is damaged is not told to be a session: the loader takes it)
    intact = [case for case in CASES if case[2].startswith('{"format": "bptui-session"')]
    sample = intact[:: len(intact) // 8][:8]
    sample.append(
        (
            "breakpoint on b1",
            "mazur",
            with_raw("mazur", ("breakpoints", 0, "param"), '"b1"'),
            "breakpoints[0].param",
            "b1 is not trained",
        )
    )
    paths = []
    for k, (_, _, text, _, _) in enumerate(sample):
        path = tmp_path / f"case{k}.bptui"
        path.write_text(text)
        paths.append(path)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bptui", str(path)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
            env=env,
        )

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, paths))
    for (label, _, _, path_text, words), path, result in zip(sample, paths, results, strict=True):
        assert result.returncode == 2, (label, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, (label, result.stderr)
        assert f"{path}: {path_text}" in lines[0] and words in lines[0], (label, lines[0])


# ---------------------------------------------------------------------------------------------
# Every session the app can save opens again, exactly


def _blowup():
    """A net whose parameters overflow in the second epoch."""
    document = {
        "name": "blowup",
        "learning_rate": 1e100,
        "layers": [{"activation": "linear", "weights": [[1.0]], "bias": 0.0}],
        "samples": [{"inputs": [10.0], "targets": [0.0]}],
    }
    return parse_document(document, "blowup", "blowup")


@pytest.mark.parametrize("seed", range(6))
def test_every_session_the_app_can_save_opens_again(seed: int, tmp_path: Path) -> None:
    """Random walks of what the app does to a history (runs, steps, jumps, order switches
    that truncate it), saved and reopened: accepted, and the same bits."""
    rng = random.Random(seed)
    network = [load_network("mazur"), load_network("tanh-2332"), _blowup()][seed % 3]
    history = History(network, every=rng.choice([1, 2, 3, 7]))
    epoch = 1
    for _ in range(25):
        action = rng.choice(["run", "step", "jump", "switch", "switch"])
        if action == "run":
            history.extend(rng.randint(0, 12))
        elif action == "step":  # the next or previous epoch ([ and ])
            epoch = max(1, epoch + rng.choice([-1, 1]))
            history.trace(epoch)
        elif action == "jump":  # "go to epoch" (past a non-finite epoch, past the end)
            epoch = rng.randint(1, history.epochs_done + 15)
            history.trace(epoch)
        else:  # the order from the epoch on screen on
            current = history.network_for(epoch)
            order = current.hidden_gradients
            if current.update == "online":
                order = rng.choice(["before_update", "after_output_update"])
            history.switch(
                epoch, replace(current, hidden_gradients=order, param_refs=current.param_refs)
            )
        index = rng.randint(0, len(history.trace(epoch)) - 1)
        path = save_session(Session(history, epoch, index), tmp_path / "walk.bptui")
        restored = session_from_source(Source(str(path), path.read_bytes(), ".bptui", "walk"))
        again = restored.history
        assert again.every == history.every
        assert [v.hex() for v in again.losses] == [v.hex() for v in history.losses]
        end = history.epochs_done + 1
        assert restored.epoch == min(epoch, end)
        for e in range(1, end + 1):
            assert again.network_for(e).hidden_gradients == history.network_for(e).hidden_gradients
        if network.name != "blowup":  # (past a non-finite epoch, replays stop early)
            for e in rng.sample(range(1, end + 1), min(end, 4)):
                assert again.params_at(e).equals(history.params_at(e))


# ---------------------------------------------------------------------------------------------
# Breakpoints on parameters that are not trained


def test_a_breakpoint_on_an_untrained_parameter_is_refused() -> None:
    network = load_network("mazur")  # train_biases = false
    for text in ("b1", "∂E_total/∂b2", "|b1| > 0.1", "dE_total/db1"):
        with pytest.raises(BptuiError) as info:
            parse_breakpoint(network, text)
        message = str(info.value)
        assert "is not trained" in message and "\n" not in message, message
    assert parse_breakpoint(network, "w5") == Breakpoint("gradient", "w5")
    trained = load_network("tanh-2332")
    assert parse_breakpoint(trained, "b3") == Breakpoint("gradient", "b3")


def test_a_session_breakpoint_on_an_untrained_parameter_is_refused() -> None:
    for index in (0, 4):
        message, _ = refusal(with_raw("mazur", ("breakpoints", index, "param"), '"b2"'))
        assert_one_line(message, f"breakpoints[{index}].param")
        assert "b2 is not trained" in message


# ---------------------------------------------------------------------------------------------
# Saving: every failure one line, temporaries of dead writers removed, the umask followed


def _small() -> Session:
    return Session(History(load_network("mazur")))


def _save_refused(target: Path | str) -> str:
    with pytest.raises(BptuiError) as info:
        save_session(_small(), target)
    message = str(info.value)
    assert "\n" not in message and message.isprintable(), message
    for word in PYTHON_TEXT:
        assert word not in message, message
    return message


def test_a_target_name_over_255_characters(tmp_path: Path) -> None:
    message = _save_refused(tmp_path / ("n" * 300 + ".bptui"))
    assert "cannot be written" in message and "too long" in message.lower()
    assert len(message) < 300
    assert list(tmp_path.iterdir()) == []


def _refusing(monkeypatch, name: str, inside: Path, error: OSError) -> None:
    """Make os.`name` fail with `error` for paths in `inside`: how a directory without the
    permission looks to root, whom chmod does not stop."""
    real = getattr(os, name)

    def refuse(path, *args, **kwargs):
        if str(path).startswith(str(inside)):
            raise error
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, refuse)


def test_a_directory_that_cannot_be_searched(tmp_path: Path, monkeypatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        if os.access(locked, os.X_OK):  # root: chmod does not bite
            _refusing(monkeypatch, "stat", locked, PermissionError(13, "Permission denied"))
        message = _save_refused(locked / "s.bptui")
        assert message == f"{locked / 's.bptui'}: cannot be written: Permission denied"
    finally:
        locked.chmod(0o700)


def test_a_directory_that_cannot_be_written(tmp_path: Path, monkeypatch) -> None:
    closed = tmp_path / "closed"
    closed.mkdir()
    closed.chmod(0o500)
    try:
        if os.access(closed, os.W_OK):  # root: chmod does not bite
            _refusing(monkeypatch, "open", closed, OSError(30, "Read-only file system"))
        message = _save_refused(closed / "s.bptui")
        assert message.startswith(f"{closed / 's.bptui'}: cannot be written: ")
        assert list(closed.iterdir()) == []
    finally:
        closed.chmod(0o700)


def test_a_fifo_target_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.bptui"
    os.mkfifo(fifo)
    pool = ThreadPoolExecutor(1)
    future = pool.submit(_save_refused, fifo)
    try:
        message = future.result(timeout=10)  # a save that opened the FIFO would wait forever
    except concurrent.futures.TimeoutError:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # let the stuck reader go
        raise
    finally:
        pool.shutdown(wait=False)
    assert "not a bptui session" in message
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_dev_full_as_target(tmp_path: Path) -> None:
    """/dev/full, named through a link: a save that wrongly went ahead would replace the link,
    never the device (as root, saving to /dev/full itself would replace the device)."""
    link = tmp_path / "full.bptui"
    link.symlink_to("/dev/full")
    message = _save_refused(link)
    assert message == f"{link}: exists and is not a bptui session; not replaced"
    assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full.bptui"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_full_disk(tmp_path: Path, monkeypatch) -> None:
    """The temporary file's writes go to /dev/full, which answers every write with ENOSPC."""
    from bptui.engine import atomic as atomic_module

    def on_a_full_disk(directory: Path, name: str) -> tuple[int, str]:
        return os.open("/dev/full", os.O_WRONLY), str(tmp_path / f".{name}.1.00000000.tmp")

    monkeypatch.setattr(atomic_module, "_new_temporary", on_a_full_disk)
    message = _save_refused(tmp_path / "s.bptui")
    assert message == f"{tmp_path / 's.bptui'}: cannot be written: No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_a_nul_in_the_name(tmp_path: Path) -> None:
    message = _save_refused(str(tmp_path / "a\x00b.bptui"))
    assert "NUL" in message


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_temporaries_of_dead_writers_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "s.bptui"
    dead = tmp_path / f".s.bptui.{_dead_pid()}.0123abcd.tmp"
    live = tmp_path / f".s.bptui.{os.getppid()}.89abcdef.tmp"  # (our parent is running)
    old = tmp_path / ".s.bptui.k3_9zq1x.tmp"  # an old-format one, two hours old
    recent = tmp_path / ".s.bptui.a1b2c3d4.tmp"  # an old-format one, just written
    other = tmp_path / f".t.bptui.{_dead_pid()}.0123abcd.tmp"  # another target's
    for path in (dead, live, old, recent, other):
        path.write_text("{")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    save_session(_small(), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [target.name, live.name, recent.name, other.name]
    )


KILLED_WRITER = """
import os, sys, time
from bptui.engine.history import History
from bptui.engine.loader import load_network
from bptui.engine.session import Session, save_session

def stuck(fd):
    print("writing", flush=True)
    time.sleep(120)

os.fsync = stuck
save_session(Session(History(load_network("mazur"))), sys.argv[1])
"""


def test_a_save_killed_halfway_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    target = tmp_path / "s.bptui"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
    finally:
        writer.kill()  # SIGKILL: no cleanup runs
        writer.wait(timeout=30)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(f".s.bptui.{writer.pid}."), left
    save_session(_small(), target)
    assert [p.name for p in tmp_path.iterdir()] == ["s.bptui"]


def test_the_temporary_carries_the_pid(tmp_path: Path, monkeypatch) -> None:
    seen = []

    def broken(source, destination):
        seen.append(Path(source).name)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", broken)
    _save_refused(tmp_path / "s.bptui")
    assert len(seen) == 1
    assert seen[0].startswith(f".s.bptui.{os.getpid()}.") and seen[0].endswith(".tmp")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_the_written_file_follows_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        path = save_session(_small(), tmp_path / "s.bptui")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask


# ---------------------------------------------------------------------------------------------
# Sessions too big to read again are not written


def _adam() -> Any:
    document = dict(base_document("mazur")["network"])
    document["optimizer"] = {"name": "adam"}
    return parse_document(document, "adam", "adam")


@pytest.mark.parametrize("name", ["mazur", "tanh-2332", "adam", "blowup"])
def test_the_size_estimate_is_a_little_under_the_files_size(name: str) -> None:
    """The estimate refuses a session at once only when its file would be too big: never more
    than the file, and close to it (its checkpoints, moments, network and losses: all but the
    file's fixed part, under 1,000 bytes)."""
    network = {"adam": _adam, "blowup": _blowup}.get(name, lambda: load_network(name))()
    history = History(network, every=7)
    history.extend(300)
    text = json.dumps(session_document(Session(history)), ensure_ascii=False)
    assert 0.8 * len(text) - 1000 <= estimated_bytes(history) <= len(text)


def test_a_session_over_the_size_limit_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch
) -> None:
    """As if the session were over the 512 MB that opening a session reads: at a limit under
    the estimate (refused before the file's text is made) and at one between the estimate and
    the file's size (refused after). The file saved before stays as it was."""
    from bptui.engine import source

    history = History(load_network("mazur"))
    history.extend(2000)
    session = Session(history)
    target = tmp_path / "s.bptui"
    save_session(_small(), target)
    before = target.read_bytes()
    size = len(json.dumps(session_document(session), ensure_ascii=False))
    for limit in (estimated_bytes(history) // 2, (estimated_bytes(history) + size) // 2):
        monkeypatch.setattr(source, "MAX_SESSION_BYTES", limit)
        with pytest.raises(BptuiError) as info:
            save_session(session, target)
        message = str(info.value)
        assert message.startswith(f"{target}: not saved: the session would be "), message
        assert "\n" not in message
        assert target.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.bptui"]
    monkeypatch.setattr(source, "MAX_SESSION_BYTES", size)
    save_session(session, target)
    assert len(target.read_bytes()) == size


def _tampered_refusal(tmp_path: Path, change, epochs: int = 6) -> str:
    """Save Mazur's history of 6 epochs (one checkpoint, at epoch 1; 3,500 epochs have four,
    at epochs 1, 1,001, 2,001 and 3,001), change its JSON, open it: the one-line refusal (or
    "" when it opens)."""
    history = History(load_network("mazur"))
    history.extend(epochs)
    path = save_session(Session(history, 3, 0), tmp_path / "s.bptui")
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    try:
        session_from_source(Source(str(path), path.read_bytes(), ".bptui", "s"))
    except BptuiError as error:
        assert "\n" not in str(error)
        return str(error)
    return ""


def _set(path: Path_, value: Any):
    def change(document: dict) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def test_a_history_that_its_network_does_not_give_is_refused(tmp_path: Path) -> None:
    """Losses made up past the checkpoints, a checkpoint, a sample or the order changed by
    hand, a non-finite epoch in a finite history: each was accepted and shown as if so (the
    status read a made-up 'loss after epoch 49: 0.1'; the hostile trial). The epochs after the
    last checkpoint are replayed when the session is opened, and must give its losses."""
    assert _tampered_refusal(tmp_path, lambda d: None) == ""
    cases = [
        (_set(("history", "losses", 4), 0.1), "history.losses[4]: found 0.1, but the network"),
        (
            lambda d: d["history"]["losses"].extend([0.1] * 94),
            "history.losses[6]: found 0.1, but the network gives",
        ),
        (_set(("history", "checkpoints", "1", 0), 0.2), "history.losses[0]: found"),
        (_set(("network", "samples", 0, "targets", 0), 0.5), "history.losses[0]: found"),
        (_set(("settings", "orders"), [[1, "after_output_update"]]), "history.losses[0]:"),
        (_set(("history", "nonfinite_epoch"), 2), "history.nonfinite_epoch: epoch 2 has a finite"),
    ]
    for change, words in cases:
        message = _tampered_refusal(tmp_path, change)
        assert words in message, (words, message)
        assert "(the history does not match its network)" in message or "nonfinite" in message


def test_a_checkpoint_where_none_is_kept_or_a_finite_first_nonfinite_epoch_is_refused(
    tmp_path: Path,
) -> None:
    """A checkpoint added by hand ("1500") gave the history parameters no epoch computed, and
    history.nonfinite_epoch set on a finite history was taken (the hostile trial): a checkpoint
    is kept at epoch 1, every `every` epochs and where a network starts; the first non-finite
    epoch's loss is not finite."""

    def add(document: dict) -> None:
        table = document["history"]["checkpoints"]
        table["4"] = table["1"]

    added = _tampered_refusal(tmp_path, add)
    every = json.loads((tmp_path / "s.bptui").read_text())["history"]["every"]
    assert added.endswith(
        f'history.checkpoints."4": not an epoch a checkpoint is kept at: epoch 1 and every '
        f"{every:,} after it, or where settings.orders starts a network"
    ), added
    finite = _tampered_refusal(tmp_path, _set(("history", "nonfinite_epoch"), 3))
    assert "history.nonfinite_epoch: epoch 3 has a finite loss" in finite, finite


def test_a_directory_as_the_target_is_named_a_directory(tmp_path: Path) -> None:
    """It said "exists and is not a bptui session" (the hostile trial)."""
    target = tmp_path / "folder.bptui"
    target.mkdir()
    assert _save_refused(target) == f"{target}: is a directory; not replaced"
    assert target.is_dir() and list(target.iterdir()) == []


def test_a_history_changed_before_its_last_checkpoint_is_refused(tmp_path: Path) -> None:
    """Only the epochs after the last checkpoint were replayed: a checkpoint's w4 set to 99, a
    loss set to 0.5 earlier on, or the learning rate changed under the history opened, and the
    debugger showed a loss its own E_total contradicted (the second hostile trial). Every
    checkpoint interval is replayed (the time allowing), and must give the losses and the next
    checkpoint."""

    def _tampered_long(change) -> str:
        return _tampered_refusal(tmp_path, change, epochs=3500)

    assert _tampered_long(lambda d: None) == ""
    saved = json.loads((tmp_path / "s.bptui").read_text())["history"]["checkpoints"]
    assert sorted(map(int, saved)) == [1, 1001, 2001, 3001]
    w4 = _tampered_long(_set(("history", "checkpoints", "2001", 3), 99.0))
    assert w4.startswith(f'{tmp_path / "s.bptui"}: history.checkpoints."2001": w4 is 99.0')
    assert "from the checkpoint at epoch 1,001 (the history does not match its network)" in w4
    loss = _tampered_long(_set(("history", "losses", 1500), 0.5))
    assert "history.losses[1500]: found 0.5, but the network gives" in loss, loss
    first = _tampered_long(_set(("history", "losses", 10), 0.5))
    assert "history.losses[10]: found 0.5" in first, first
    rate = _tampered_long(_set(("network", "learning_rate"), 0.6))
    assert "(the history does not match its network)" in rate, rate


def test_an_optimizers_state_changed_at_a_checkpoint_is_refused(tmp_path: Path) -> None:
    """Adam's m and v at a checkpoint are where the next interval's steps start from: a v
    edited by hand opened, and the steps from it were not the network's (parameters and
    losses were compared, the optimizer's state not). The replay that reaches the checkpoint
    must give its state too."""
    history = History(_adam(), every=7)
    history.extend(30)
    path = save_session(Session(history, 3, 0), tmp_path / "s.bptui")
    document = json.loads(path.read_text())
    assert sorted(map(int, document["history"]["moments"])) == [1, 8, 15, 22, 29]

    def opened(slot: int, value: float) -> str:
        changed = json.loads(json.dumps(document))
        changed["history"]["moments"]["15"][slot][3] = value
        path.write_text(json.dumps(changed))
        try:
            session_from_source(Source(str(path), path.read_bytes(), ".bptui", "s"))
        except BptuiError as error:
            return str(error)
        return ""

    kept = document["history"]["moments"]["15"][1][3]
    assert opened(1, kept) == ""  # (as saved: it opens)
    v = opened(1, kept * 2)
    assert v.startswith(f'{path}: history.moments."15"[1][3]: v is {kept * 2!r}, but'), v
    assert "from the checkpoint at epoch 8 (the history does not match its network)" in v, v
    m = opened(0, 0.25)
    assert m.startswith(f'{path}: history.moments."15"[0][3]: m is 0.25, but'), m


def test_the_posts_order_under_another_optimizer_is_refused(tmp_path: Path) -> None:
    """An Adam session whose order was set by hand to the post's (after_output_update, plain
    SGD's only, as a network file says) ended in a traceback and exit status 1 (the hostile
    trial): it is one line naming the key."""
    history = History(_adam(), every=7)
    history.extend(10)
    path = save_session(Session(history, 3, 0), tmp_path / "s.bptui")
    document = json.loads(path.read_text())
    assert document["settings"]["orders"] == [[1, "before_update"]]
    document["settings"]["orders"] = [[1, "after_output_update"]]
    path.write_text(json.dumps(document))
    with pytest.raises(BptuiError) as info:
        session_from_source(Source(str(path), path.read_bytes(), ".bptui", "s"))
    assert str(info.value) == (
        f'{path}: settings.orders[0][1]: "after_output_update" (the post\'s order) applies to '
        'plain SGD only, found optimizer "adam"'
    )


def test_a_session_whose_format_was_changed_is_named_by_its_format(tmp_path: Path) -> None:
    """A saved session with "format" changed by hand, in a .json file, was read as a network
    file: the error named the network's keys (`format: unknown key; valid keys here:
    description, …`; the hostile trial). A JSON object with a "format" is a session's, and
    says which format it expected."""
    document = base_document("mazur")
    document["format"] = "nope"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(document))
    result = subprocess.run(
        [sys.executable, "-m", "bptui", str(path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    said = f'bptui: {path}: format: expected "bptui-session", found the string "nope"\n'
    assert result.stderr == said, result.stderr
