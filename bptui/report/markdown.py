"""`bptui trace --format markdown`: a worked example a teacher can publish, math in LaTeX."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TextIO

from bptui.engine.breakdown import breakdown
from bptui.engine.network import Network
from bptui.engine.rows import gradient_rows
from bptui.engine.steps import Step
from bptui.engine.trace import EpochTrace
from bptui.fmt import alt_numbers, equation, fixed, num, tree_lines
from bptui.report.common import PHASE_TITLES, describe, sample_heading

MAX_BREAKDOWNS = 64

_TOKEN = re.compile(
    r"(?P<frac>∂(?P<a>[^\s/()]+)/∂(?P<b>[^\s/()×·+]+))"
    r"|(?P<num>\d+(?:\.\d+)?(?:e[-+]\d+)?)"
    r"|(?P<id>[A-Za-zδη][A-Za-z0-9_]*⁺?)"
    r"|(?P<ch>.)",
    re.S,
)
_WORDS = {
    "ln": r"\ln",
    "tanh": r"\tanh",
    "max": r"\max",
    "if": r"\text{ if }",
    "else": r"\text{ else }",
    "mean": r"\operatorname{mean}",
    "e": "e",
    "nan": r"\text{nan}",
    "inf": r"\infty",
}
_GREEK = {"δ": r"\delta", "η": r"\eta"}
_CHARS = {
    "×": r" \times ",
    "·": r" \cdot ",
    "−": "-",
    "½": r"\tfrac{1}{2}",
    "²": "^{2}",
    "Σ": r"\sum ",
    "…": r"\dots ",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "→": r"\to ",
}


def _ident(name: str) -> str:
    if name in _WORDS:
        return _WORDS[name]
    plus = name.endswith("⁺")
    name = name.rstrip("⁺")
    if "_" in name:
        base, sub = name.split("_", 1)
        base_tex = _GREEK.get(base, base if len(base) == 1 else rf"\mathrm{{{base}}}")
        escaped = sub.replace("_", "\\_")
        text = rf"{base_tex}_{{\mathrm{{{escaped}}}}}"
    else:
        match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
        if match:
            text = f"{match.group(1)}_{{{match.group(2)}}}"
        else:
            text = _GREEK.get(name, name if len(name) == 1 else rf"\mathrm{{{name}}}")
    return text + ("^{+}" if plus else "")


def _number(text: str) -> str:
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def latex(expression: str) -> str:
    """A formula of the trace (symbols or numbers) as LaTeX."""
    expression = re.sub(r"\^\(([^()]*)\)", r"^{\1}", expression)
    expression = re.sub(r"\^([A-Za-z0-9_.]+)", r"^{\1}", expression)
    out = []
    for match in _TOKEN.finditer(expression):
        if match.group("frac"):
            a, b = _ident(match.group("a")), _ident(match.group("b"))
            out.append(rf"\frac{{\partial {a}}}{{\partial {b}}}")
        elif match.group("num"):
            out.append(_number(match.group("num")))
        elif match.group("id"):
            out.append(_ident(match.group("id")))
        else:
            ch = match.group("ch")
            out.append(_CHARS.get(ch, ch))
    return "".join(out)


def _math(text: str) -> str:
    return f"${latex(text)}$"


def write_trace(
    out: TextIO, network: Network, traces: Iterable[EpochTrace], precision: int
) -> tuple[int, Step] | None:
    """Write the Markdown document; returns (epoch, step) of the first non-finite value."""
    first: tuple[int, Step] | None = None
    out.write(f"# Backpropagation, step by step: {network.name}\n\n{describe(network)}\n")
    for trace in traces:
        previous: tuple[int, str] | None = None
        for step in trace.eager_steps():
            if first is None and not math.isfinite(step.value):
                first = (trace.number, step)
            if step.sample >= 0 and (previous is None or previous[0] != step.sample):
                out.write(f"\n## {sample_heading(trace, step.sample, precision)}\n")
            if previous != (step.sample, step.phase):
                title = PHASE_TITLES[step.phase]
                if step.sample < 0:
                    title += " (once for the epoch)"
                out.write(f"\n### {title}\n\n")
            previous = (step.sample, step.phase)
            _write_step(out, step, precision)
            nxt = step.index + 1
            if (
                step.phase == "update"
                and step.sample >= 0
                and (nxt >= len(trace) or trace.sample_of(nxt) != step.sample)
            ):
                _write_summary(out, trace, step.sample, precision)
        if network.update != "online":
            for s in range(network.n_samples):
                _write_summary(out, trace, s, precision)
        loss = trace.epoch.loss_after
        out.write(
            f"\n**Epoch {trace.number} done:** $E_{{total}}$ summed over the samples, "
            f"after the update: {_math(num(loss, precision))}\n"
        )
    return first


def _write_step(out: TextIO, step: Step, precision: int) -> None:
    out.write(f"- {_math(equation(step, precision))}\n")
    if step.alt_formula:
        out.write(
            f"  (delta rule: {_math(step.alt_formula + ' = ' + alt_numbers(step, precision))})\n"
        )
    if step.note:
        out.write(f"  *{step.note}*\n")


def _write_summary(out: TextIO, trace: EpochTrace, sample: int, precision: int) -> None:
    network = trace.network
    if network.n_params <= MAX_BREAKDOWNS:
        out.write(f"\n### Chain-rule breakdowns (sample {sample + 1})\n")
        for ref in network.param_refs:
            if ref.kind == "bias" and not ref.trained:
                continue
            out.write("\n")
            for line in tree_lines(breakdown(trace, ref.name, sample).tree, trace, precision):
                depth = len(line.prefix) // 2
                out.write("  " * depth + f"- {_math(line.text)}\n")
    out.write(f"\n### Gradients and updates (sample {sample + 1})\n\n")
    out.write("| name | from → to | value | ∂E_total/∂· | η·∂E_total/∂· | new |\n")
    out.write("|---|---|--:|--:|--:|--:|\n")
    for row in gradient_rows(trace, sample):
        gradient = fixed(row.gradient, precision)
        if row.batch_gradient is not None:
            gradient += f" (epoch: {fixed(row.batch_gradient, precision)})"
        if row.trained:
            rest = f"{fixed(row.step, precision)} | {fixed(row.new, precision)}"
        else:
            rest = "not trained | not trained"
        out.write(
            f"| {_math(row.name)} | {row.edge} | {fixed(row.value, precision)} | "
            f"{gradient} | {rest} |\n"
        )
