"""The learner's symbols against the trace's (`bptui.engine.check_yours`): which step a given
number is (`resolve`), the symbols closest to one that names no step (`suggestions`), and the
symbols a step's formula reads.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterator

from bptui.engine.network import Network
from bptui.engine.steps import Step
from bptui.engine.symbols import find, locate
from bptui.engine.trace import EpochTrace
from bptui.engine.yours import Given

# ---------------------------------------------------------------------------------------------
# Symbols


def ascii_symbol(symbol: str) -> str:
    """The ASCII spelling go-to takes: ∂E_total/∂w5 → dE_total/dw5, δ_o1 → delta_o1, w5⁺ → w5+."""
    return symbol.replace("∂", "d").replace("δ_", "delta_").replace("⁺", "+")


def _family(network: Network) -> Iterator[str]:
    """Every symbol a step of `network` may have (some have no step: a fused output's ∂E/∂out,
    an untrained bias's gradient), the paths ∂E_M/∂out_X (a layer's size squared) last."""
    yield "E_total"
    last = len(network.layers) - 1
    for li, layer in enumerate(network.layers):
        for name in layer.names:
            yield from (f"net_{name}", f"out_{name}", f"δ_{name}", f"∂E_total/∂out_{name}")
            yield f"∂out_{name}/∂net_{name}"
            if li == last:
                yield f"E_{name}"
    for ref in network.param_refs:
        yield from (f"∂E_total/∂{ref.name}", f"{ref.name}⁺")
        if ref.kind == "weight":
            yield f"∂net_{ref.target}/∂{ref.name}"
    for li in range(last):
        for name in network.layers[li].names:
            for above in network.layers[li + 1].names:
                yield f"∂E_{above}/∂out_{name}"


MAX_SUGGESTION_POOL = 500_000  # symbols looked through for the closest (a big net has 50M)


def suggestions(trace: EpochTrace, symbol: str, most: int = 3) -> list[str]:
    """The steps' symbols closest to `symbol` (of the first MAX_SUGGESTION_POOL a network's
    steps may have, those of about its length and first letter)."""
    wanted = symbol
    pool = [
        s
        for s in itertools.islice(_family(trace.network), MAX_SUGGESTION_POOL)
        if abs(len(s) - len(wanted)) <= 6 and s[:1] == wanted[:1]  # (dE/dw5 for dE_total/dw5)
    ][:50_000]
    close = difflib.get_close_matches(wanted, pool, n=3 * most, cutoff=0.5)
    found = [s for s in close if find(trace, s, 0) is not None][:most]
    return found


def resolve(trace: EpochTrace, given: Given) -> int:
    """The index of the step `given` is for, in its epoch's trace; a one-line error naming the
    file and key for a symbol no step of this network has."""
    network = trace.network
    symbol = given.step_symbol
    written = given.symbol
    ascii_written = written.isascii()
    shown = ascii_symbol if ascii_written else (lambda s: s)
    params = network.params_by_name
    base = symbol[:-1] if symbol.endswith("⁺") else symbol
    if symbol in params:
        ref = params[symbol]
        if not ref.trained:
            raise given.error(f"{written} is a parameter (not trained here), not a step")
        return _fail(
            given,
            f"{written} is a parameter, not a step: write {shown('∂E_total/∂' + symbol)} for its "
            f"gradient or {shown(symbol + '⁺')} for its update",
        )
    if symbol in network.input_names:
        return _fail(given, f"{written} is an input of the network, not a step")
    match = re.fullmatch(r"t_(\w+)", symbol)
    if match and match.group(1) in network.layers[-1].names:
        return _fail(given, f"{written} is a target of the network, not a step")
    if locate(network, symbol) is not None:
        index = find(trace, symbol, given.sample - 1)
        if index is not None:
            return index
        gradient = re.fullmatch(r"∂E_total/∂(\w+)", symbol)
        untrained = base if base in params else (gradient.group(1) if gradient else None)
        if untrained in params and not params[untrained].trained:
            return _fail(
                given,
                f"{untrained} is not trained in this network (train_biases = false): no step "
                f"computes {written}",
            )
        if re.fullmatch(r"∂E_total/∂out_\w+", symbol) and network.fused_output:
            return _fail(
                given,
                f"no step computes {written} in this network: its output δ is out − target, "
                "computed directly",
            )
    close = [shown(s) for s in suggestions(trace, symbol)]
    hint = (
        f"; closest: {', '.join(close)}"
        if close
        else ("; symbols look like net_h1, out_o1, E_total, delta_o1, dE_total/dw5, w5+")
    )
    return _fail(given, f"no step computes {written} in this network{hint}")


def _fail(given: Given, message: str) -> int:
    raise given.error(message)


def _summed_symbol(symbol: str) -> str | None:
    """∂E_total/∂w5 for a batch update's `Σ ∂E_total/∂w5` or `mean ∂E_total/∂w5`, else None."""
    for prefix in ("Σ ", "mean "):
        if symbol.startswith(prefix):
            return symbol[len(prefix) :]
    return None


def _sample_symbols(trace: EpochTrace, step: Step) -> set[str]:
    """The symbols the formula of `step` reads that are steps of its sample (or batch
    update), before it."""
    start = trace.sample_start(step.sample if step.sample >= 0 else -1)
    wanted = {leaf.sym.text for leaf in step.expr.leaves()}
    found = set()
    for symbol in wanted:
        index = find(trace, symbol, max(step.sample, 0))
        if index is not None and start <= index < step.index:
            found.add(symbol)
    return found
