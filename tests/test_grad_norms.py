"""Gradient health: each layer's weight-gradient L2 norm per epoch, from `train(norms=True)`,
`History`, `bptui train` and the deep-sigmoid preset, against norms this test works out itself
from `compute_epoch`'s per-sample records (np.linalg.norm of their grad_w, summed over the
epoch's samples; batch_mean divides the sum by the sample count)."""

from __future__ import annotations

import dataclasses
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, seed, settings
from hypothesis import strategies as st

from bptui import cli
from bptui.engine import train as train_module
from bptui.engine.history import History
from bptui.engine.loader import load_network, load_source, parse_document, preset_names
from bptui.engine.network import Network
from bptui.engine.passes import compute_epoch
from bptui.engine.source import Source
from bptui.engine.train import BACKENDS, train, train_with
from bptui.report.jsonout import write_rows
from tests.test_train import (
    BOUNDED,
    UPDATE_ORDERS,
    combination,
    diverging_network,
    networks,
    reference,
    sensitivity,
)

RTOL = 1e-12
EPOCHS = 15
ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------
# The reference


def reference_norms(network: Network, epochs: int) -> tuple[np.ndarray, list[float]]:
    """(norms, step norms): each epoch's per-layer weight-gradient norm from compute_epoch's
    per-sample grad_w, and the norm of each layer's change of weights divided by η (what a
    norm of the step rather than of the gradient would give), stopping after the first
    non-finite epoch. The optimizer's state and step count carry from epoch to epoch."""
    params, moments, steps = network.params, None, 0
    rows, step_norms = [], []
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            result = compute_epoch(network, params, moments, steps)
            row = []
            for li in range(len(network.layers)):
                summed = sum(record.grad_w[li] for record in result.samples)
                if network.update == "batch_mean":
                    summed = summed / len(result.samples)
                if result.batch_grads is not None:  # what the batch update used: the same
                    assert np.array_equal(summed, result.batch_grads.weights[li], equal_nan=True)
                row.append(float(np.linalg.norm(summed)))
                change = result.params_after.weights[li] - params.weights[li]
                step_norms.append(float(np.linalg.norm(change)) / network.learning_rate)
            rows.append(row)
            params, moments, steps = result.params_after, result.moments_after, result.steps_after
            if not (math.isfinite(result.loss_after) and params.is_finite()):
                break
    return np.array(rows).reshape(len(rows), len(network.layers)), step_norms


def assert_norms_close(actual: np.ndarray | None, expected: np.ndarray, what: str) -> None:
    """Each norm within RTOL of the reference, relative to itself; non-finite ones equal."""
    assert actual is not None, what
    assert actual.shape == expected.shape, f"{what}: {actual.shape} vs {expected.shape}"
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(actual), finite), f"{what}:\n{actual}\n{expected}"
    assert np.array_equal(actual[~finite], expected[~finite], equal_nan=True), what
    error = np.abs(actual[finite] - expected[finite])
    bound = RTOL * np.abs(expected[finite])
    worst = float(np.max(error / np.maximum(bound, 1e-300) * RTOL)) if error.size else 0.0
    assert np.all(error <= bound), f"{what}: relative error {worst:.3g}\n{actual}\n{expected}"


def with_optimizer(update: str, optimizer: dict, samples: int = 3) -> Network:
    """A 2-3-2 sigmoid net with per-neuron biases, trained by `optimizer`."""
    rng = np.random.default_rng(len(update) + samples)
    document = {
        "learning_rate": 0.05,
        "update": update,
        "optimizer": optimizer,
        "layers": [
            {
                "activation": "tanh",
                "weights": rng.uniform(-1, 1, (3, 2)).tolist(),
                "biases": [0.1, -0.1, 0.2],
            },
            {"activation": "sigmoid", "weights": rng.uniform(-1, 1, (2, 3)).tolist(), "bias": 0.3},
        ],
        "samples": [
            {"inputs": rng.uniform(-1, 1, 2).tolist(), "targets": rng.uniform(0, 1, 2).tolist()}
            for _ in range(samples)
        ],
    }
    return parse_document(document, source="optimizer", default_name=optimizer["name"])


NETS: dict[str, Network] = {name: load_network(name) for name in preset_names()}
for _order in UPDATE_ORDERS:
    for _variant in (1, 3):  # 3 samples, 1 sample
        NETS[f"2-3-3-2 {'/'.join(_order)} v{_variant}"] = combination(
            ("sigmoid", "half_sse"), _order, "neuron", True, _variant
        )
for _update in ("online", "batch_sum", "batch_mean"):
    for _optimizer in ({"name": "adam"}, {"name": "momentum"}, {"name": "rmsprop"}):
        NETS[f"2-3-2 {_update} {_optimizer['name']}"] = with_optimizer(_update, _optimizer)
NETS["2-3-2 online adam, one sample"] = with_optimizer("online", {"name": "adam"}, samples=1)


# ---------------------------------------------------------------------------------------------
# train(norms=True)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(NETS))
def test_norms_match_compute_epoch(name: str, backend: str) -> None:
    network = NETS[name]
    expected, _ = reference_norms(network, EPOCHS)
    result = train_with(network, None, EPOCHS, backend=backend, norms=True)
    assert result.epochs == EPOCHS
    assert_norms_close(result.norms, expected, f"{name} on {backend}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("update", ["online", "batch_sum", "batch_mean"])
def test_adam_norms_are_of_the_gradient_not_the_step(update: str, backend: str) -> None:
    network = NETS[f"2-3-2 {update} adam"]
    expected, step_norms = reference_norms(network, EPOCHS)
    result = train_with(network, None, EPOCHS, backend=backend, norms=True)
    assert_norms_close(result.norms, expected, update)
    # Adam's step is no multiple of the gradient: a norm of the step would be far off
    assert result.norms is not None
    steps = np.array(step_norms).reshape(expected.shape)
    assert np.all(np.abs(steps - result.norms) > 0.01 * result.norms)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["mazur", "xor", "tanh-2332", "2-3-2 batch_sum adam"])
def test_norms_change_no_bit_of_the_training(name: str, backend: str) -> None:
    network = NETS[name]
    plain = train_with(network, None, 300, backend=backend)
    with_norms = train_with(network, None, 300, backend=backend, norms=True)
    assert plain.norms is None
    assert with_norms.params.equals(plain.params)
    assert with_norms.losses.tobytes() == plain.losses.tobytes()
    assert with_norms.steps == plain.steps
    for a, b in zip(with_norms.moments, plain.moments, strict=True):
        assert a.equals(b)


def test_the_norms_variant_is_a_config_of_its_own() -> None:
    network = load_network("mazur")
    plain, norms = (
        train_module.scalar_source(network),
        train_module.scalar_source(network, norms=True),
    )
    assert "push_norms" not in plain and "push_norms" in norms
    assert norms.splitlines()[0].endswith("finite, push_norms):")
    compile(train_module.scalar_source(network, checked=True, norms=True), "<test>", "exec")


@seed(20260527)
@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(network=networks(), epochs=st.integers(1, 8))
def test_random_networks_norms_match(network: Network, epochs: int) -> None:
    ref = reference(network, epochs)
    # as test_train's random test: leave out runs that are ill-conditioned (the reference,
    # started one ulp away, moves more than the tolerance)
    assume(float(np.max(np.abs(ref.params.flat()))) <= BOUNDED)
    assume(sensitivity(network, epochs, ref) <= RTOL / 10)
    expected, _ = reference_norms(network, epochs)
    for backend in BACKENDS:
        result = train_with(network, None, epochs, backend=backend, norms=True)
        assert_norms_close(result.norms, expected, backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("update", ["online", "batch_sum", "batch_mean"])
def test_norms_stop_with_a_diverging_run(update: str, backend: str) -> None:
    """The scalar backend replays a block that went non-finite with its checked variant: the
    norms of the block's first run are dropped, one row per epoch completed remains."""
    network = diverging_network(update)
    expected, _ = reference_norms(network, 1000)
    result = train_with(network, None, 1000, backend=backend, norms=True, progress_every=7)
    assert result.nonfinite_epoch is not None and result.epochs == len(expected)
    assert_norms_close(result.norms, expected, update)


def test_norms_survive_the_fall_back_to_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    network = load_network("xor")
    expected, _ = reference_norms(network, 40)
    calls = 0

    def exp(x: float) -> float:
        nonlocal calls
        calls += 1
        if calls > 50:
            raise OverflowError("a test's exp")
        return math.exp(x)

    monkeypatch.setattr(train_module, "_MATH", (exp, *train_module._MATH[1:]))
    monkeypatch.setattr(train_module, "_MAX_BLOCK", 8)
    result = train_with(network, None, 40, backend="scalar", norms=True)
    assert calls > 50  # the generated code did fail, and numpy took over
    assert_norms_close(result.norms, expected, "xor")


@pytest.mark.parametrize("backend", BACKENDS)
def test_progress_and_stopping_keep_the_norms_in_step(backend: str) -> None:
    network = load_network("xor")
    whole = train_with(network, None, 100, backend=backend, norms=True)
    polls = 0

    def should_stop() -> bool:
        nonlocal polls
        polls += 1
        return polls == 4

    stopped = train_with(
        network, None, 100, backend=backend, norms=True, progress_every=7, should_stop=should_stop
    )
    assert stopped.epochs == 28 and stopped.norms is not None and whole.norms is not None
    assert stopped.norms.tobytes() == whole.norms[:28].tobytes()


@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_epochs_have_no_norms(backend: str) -> None:
    result = train_with(load_network("tanh-2332"), None, 0, backend=backend, norms=True)
    assert result.norms is not None and result.norms.shape == (0, 3)


# ---------------------------------------------------------------------------------------------
# History


def other_order(network: Network) -> Network:
    """The network with the other hidden-gradient order (as the app's `o` makes it)."""
    return dataclasses.replace(
        network, hidden_gradients="after_output_update", param_refs=network.param_refs
    )


def test_history_records_the_norms_of_the_epochs_it_runs() -> None:
    network = load_network("xor")
    history = History(network, every=7)
    history.extend(10, chunk=3)
    history.params_at(25)  # extends through epoch 24
    assert history.epochs_done == 24 and history.norms_start == 1
    expected = train(network, epochs=24, norms=True).norms
    assert expected is not None
    assert history.norms().tobytes() == expected.tobytes()
    assert history.norms(5).tobytes() == expected[:5].tobytes()
    epochs, sample = history.sampled_norms(20, stride=6)
    assert epochs.tolist() == [1, 7, 13, 19, 20]
    assert sample.tobytes() == expected[[0, 6, 12, 18, 19]].tobytes()


def test_switching_the_order_keeps_the_norms_with_their_epochs() -> None:
    network = load_network("mazur")
    history = History(network, every=5)
    history.extend(20)
    first = history.norms()
    other = other_order(network)
    history.switch(8, other)
    assert history.norms().tobytes() == first[:7].tobytes()
    history.extend(13)
    params, moments = history.state_at(8)
    after = train(other, params, 13, moments=moments, steps=7, norms=True).norms
    assert after is not None
    assert history.norms().tobytes() == np.concatenate([first[:7], after]).tobytes()


@pytest.mark.parametrize("name", ["mazur", "2-3-2 batch_mean adam"])
def test_a_restored_history_replays_its_norms(name: str) -> None:
    """A session keeps no norms: a history restored from one knows them from its first new
    epoch, and `fill_norms` replays the earlier ones from the checkpoints, bit for bit (a
    switch of order on the way included, for online nets)."""
    network = NETS[name]
    original = History(network, every=4)
    original.extend(9)
    if network.update == "online":
        original.switch(7, other_order(network))
    original.extend(30 - original.epochs_done)
    state = original.export_state()
    restored = History.from_state(
        state["networks"],
        state["every"],
        state["checkpoints"],
        state["losses"],
        state["nonfinite_epoch"],
        state["moments"],
    )
    assert restored.norms_start == 31 and restored.norms().shape == (0, 2)
    original.extend(5)
    restored.extend(5)
    assert restored.norms().tobytes() == original.norms()[30:].tobytes()
    assert restored.fill_norms(should_stop=lambda: True) is False  # asked to stop at once
    assert restored.fill_norms() is True
    assert restored.norms_start == 1
    assert restored.norms().tobytes() == original.norms().tobytes()


def test_a_replay_that_turns_nonfinite_leaves_those_norms_unknown(tmp_path: Path) -> None:
    """A session whose network was edited by hand (a target of 1e308) no longer gives its
    history: replaying its first epochs for the norms plot turned non-finite, and the app
    crashed on `G` (RuntimeError, exit 70; the hostile trial). Such a session is now refused
    when opened (its history is replayed); a history that will not replay all the same (made
    here in memory) has the norms it cannot replay nan (the plot leaves them out), and the
    app goes on."""
    from bptui.app.app import BptuiApp
    from bptui.engine.errors import BptuiError
    from bptui.engine.session import Session, load_session, save_session

    network = load_network("mazur")
    history = History(network, every=3)
    history.extend(6)
    path = save_session(Session(history, 7, 0), tmp_path / "s.bptui")
    document = json.loads(path.read_text())
    document["network"]["samples"][0]["targets"][0] = 1e308
    path.write_text(json.dumps(document))
    with pytest.raises(BptuiError, match=r"history\.losses\[3\]: found .* gives inf"):
        load_session(path)
    targets = network.targets.copy()
    targets[0, 0] = 1e308
    tampered = dataclasses.replace(network, targets=targets)
    checkpoints = {epoch: history.state_at(epoch)[0] for epoch in (1, 4, 7)}
    restored = History.from_state([(1, tampered)], 3, checkpoints, history.losses)
    assert restored.norms_start == 7
    assert restored.fill_norms() is True
    norms = restored.norms()
    assert norms.shape == (6, 2)
    # each chunk (epochs 1 to 3, then 4 to 6 from the checkpoint at 4) overflows at once
    assert not np.isfinite(norms).any()

    async def press_g() -> None:
        app = BptuiApp(session=Session(restored, 7, 0))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("G")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.is_running

    import asyncio

    asyncio.run(press_g())


# ---------------------------------------------------------------------------------------------
# bptui train


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.parametrize("name", ["xor", "tanh-2332"])
def test_train_json_carries_every_epochs_norms(name: str, run) -> None:
    code, out, err = run("train", name, "--epochs", "12", "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    expected, _ = reference_norms(load_network(name), 12)
    norms = document["grad_norms"]
    assert isinstance(norms, list) and len(norms) == 12
    assert all(isinstance(row, list) and len(row) == expected.shape[1] for row in norms)
    assert_norms_close(np.array(norms, dtype=np.float64), expected, name)


def test_json_rows_write_nonfinite_norms_as_strings() -> None:
    rows = np.array([[1.5, math.nan], [math.inf, 2.0], [0.0, 3.0]])
    for chunk in (1, 2, 4096):
        out = io.StringIO()
        write_rows(out, rows, chunk=chunk)
        assert json.loads(out.getvalue()) == [[1.5, "nan"], ["inf", 2.0], [0.0, 3.0]]
    out = io.StringIO()
    write_rows(out, np.zeros((0, 2)))
    assert json.loads(out.getvalue()) == []


def test_train_text_shows_the_first_and_last_epochs_norms(run) -> None:
    code, out, _ = run("train", "deep-sigmoid", "--epochs", "10")
    assert code == 0
    network = load_network("deep-sigmoid")
    expected, _ = reference_norms(network, 10)
    lines = out.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("Weight-gradient norms"))
    header = lines[start + 2]
    assert "epoch 1 " in header and "epoch 10 " in header
    for li in range(len(network.layers)):
        row = lines[start + 4 + li]
        assert network.layer_label(li) in row
        for k in (0, 9):
            assert f"{expected[k, li]:.8e}" in row, row


def test_train_text_of_one_epoch_has_one_column(run) -> None:
    code, out, _ = run("train", "--epochs", "1")
    assert code == 0
    table = out[out.index("Weight-gradient norms") :]
    assert "epoch 1 " in table and "layer 2 (w5–w8)" in table and "epoch 2" not in table


# ---------------------------------------------------------------------------------------------
# The deep-sigmoid preset


def test_deep_sigmoid_shows_vanishing_gradients() -> None:
    """In each of the first 10 epochs, layer 1's weight gradient (compute_epoch's grad_w,
    summed over the samples as the online updates use them) is at least 100 times smaller
    than the last layer's."""
    network = load_network("deep-sigmoid")
    assert network.shape == (2, 8, 8, 8, 8, 8, 1)
    assert {layer.activation for layer in network.layers} == {"sigmoid"}
    params = network.params
    for epoch in range(1, 11):
        result = compute_epoch(network, params)
        first = np.linalg.norm(sum(record.grad_w[0] for record in result.samples))
        last = np.linalg.norm(sum(record.grad_w[-1] for record in result.samples))
        assert last >= 100 * first > 0, f"epoch {epoch}: {first} vs {last}"
        params = result.params_after


def test_deep_sigmoid_works_with_every_command(run) -> None:
    code, out, err = run("trace", "deep-sigmoid")
    assert (code, err) == (0, "") and "δ_h1_1" in out
    code, out, err = run("train", "deep-sigmoid", "--epochs", "200")
    assert (code, err) == (0, "") and "layer 6 (w273–w280)" in out
    code, out, err = run("check", "deep-sigmoid")
    assert (code, err) == (0, "")
    code, out, err = run("presets")
    line = next(line for line in out.splitlines() if line.startswith("deep-sigmoid "))
    assert "Vanishing gradients" in line
    code, out, err = run("presets", "deep-sigmoid")
    assert code == 0
    again = load_source(Source("deep-sigmoid.toml", out.encode(), ".toml", "deep-sigmoid"))
    assert again.params.equals(load_network("deep-sigmoid").params)


def test_readme_lists_the_preset_and_the_json_key() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "`deep-sigmoid`" in readme
    assert '"grad_norms"' in readme
