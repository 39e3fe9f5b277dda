"""`bptui compare`: the learner's numbers beside bptui's, as a table and the first divergence
(text), or as one JSON document."""

from __future__ import annotations

import math
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bptui.engine import check_yours
from bptui.engine.check_yours_report import (
    DIFFERS,
    FIXED,
    FOLLOWS,
    MATCH,
    NOT_GIVEN,
    Cause,
    Divergence,
    Report,
    Row,
)
from bptui.engine.network import Network
from bptui.engine.yours_values import MAX_DIGITS, MIN_DIGITS
from bptui.fmt import num
from bptui.report.common import describe
from bptui.report.jsonout import jnum

FOLLOWS_TEXT = "follows from the earlier error"


def tolerance_text(report: Report) -> str:
    if report.rtol is not None:
        return f"within a relative error of at most {report.rtol:g} (--rtol)"
    return (
        "to the digits written (half a unit in the last place, held to "
        f"{MIN_DIGITS} to {MAX_DIGITS} significant digits)"
    )


def _count(n: int) -> str:
    return "one number" if n == 1 else f"{n:,} numbers"


def _where(row: Row) -> str:
    sample = "update" if row.sample is None else str(row.sample)
    return f"{row.epoch}:{sample}"


def _error(row: Row) -> str:
    error = row.rel_error
    if math.isnan(error):
        return "—"
    if error == 0:
        return "0"
    return "inf" if math.isinf(error) else f"{error:.1e}"


def _note(row: Row, first: Divergence | None) -> str:
    if row.status == MATCH:
        return ""
    if row.status == FOLLOWS:
        return FOLLOWS_TEXT
    if first is not None and row is first.row:
        return "first divergence" + (f": {row.cause.label}" if row.cause else "")
    return f"again: {row.cause.label}" if row.cause else "differs"


def print_compare(report: Report, precision: int) -> None:
    console = Console(  # (no markup: causes write W[i][j])
        file=sys.stdout, highlight=False, markup=False, width=None if sys.stdout.isatty() else 160
    )
    _print(console, Text(describe(report.network), style="bold"))
    epochs = "epoch 1" if report.epochs == 1 else f"epochs 1 to {report.epochs}"
    _print(
        console,
        f"Your numbers: {report.source}, {_count(len(report.rows))} ({epochs}); a number "
        f"matches {tolerance_text(report)}.",
    )
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for header, justify in (
        ("epoch:sample", "left"),
        ("step", "right"),
        ("symbol", "left"),
        ("yours", "right"),
        ("bptui's", "right"),
        ("rel. error", "right"),
        ("", "left"),
        ("", "left"),
    ):
        table.add_column(header, justify=justify, no_wrap=header != "")  # type: ignore[arg-type]
    for row in report.rows:
        ok = row.status == MATCH
        table.add_row(
            _where(row),
            str(row.step),
            row.symbol,
            row.text,
            num(row.ours, precision),
            _error(row),
            Text("✓" if ok else "✗", style="green" if ok else "bold red"),
            _note(row, report.first),
        )
    _print(console, table)
    console.print()
    if report.first is None:
        count = len(report.rows)
        every = (
            "Your one number matches"
            if count == 1
            else f"Every one of your {count:,} numbers matches"
        )
        _print(console, f"{every} bptui's.")
        return
    print_divergence(console, report, precision)
    console.print()
    differs, follows = report.count(DIFFERS), report.count(FOLLOWS)
    count = len(report.rows)
    summary = (
        f"{differs + follows:,} of {count:,} number{'s' if count != 1 else ''} "
        f"differ{'s' if differs + follows == 1 else ''}"
    )
    if follows:
        summary += (
            f" ({follows:,} of them follow{'s' if follows == 1 else ''} from the earlier error)"
        )
    _print(console, summary + ".")
    if report.cut is not None:
        epoch, index = report.cut
        _print(
            console,
            f"From epoch {epoch}, step {index + 1} on, your numbers were compared with bptui's "
            f"only: following your own further ({check_yours.MAX_WALK:,} steps after the first "
            "divergence) would take too long.",
        )


def role(network: Network, symbol: str) -> str:
    """What a quantity that is no step is: a parameter, an input, a target..."""
    if symbol == "η":
        return "the learning rate"
    if symbol in network.input_names:
        return "an input"
    if symbol.startswith("t_"):
        return "a target"
    if any(ref.name == symbol for ref in network.param_refs):
        return "a parameter"
    return "not a step"


def print_divergence(console: Console, report: Report, precision: int) -> None:
    first = report.first
    assert first is not None
    row = first.row
    sample = "the batch update" if row.sample is None else f"sample {row.sample}"
    _print(
        console,
        Text(
            f"First divergence: epoch {row.epoch}, {sample}, step {row.step}: {row.symbol} "
            f"(in the debugger: g {row.epoch}:{row.step})",
            style="bold",
        ),
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="italic", no_wrap=True)
    grid.add_column()
    grid.add_row("formula", f"{row.symbol} = {first.formula}")
    grid.add_row("bptui's", f"{first.numbers(precision)} = {num(row.ours, precision)}")
    grid.add_row("yours", row.text)
    for k, given in enumerate(first.inputs):
        label = "inputs" if k == 0 else ""
        value = f"{given.symbol} = {num(given.ours, precision)}"
        if given.status == FIXED:
            mark = Text(f"{value}   ({role(report.network, given.symbol)})")
        elif given.status == NOT_GIVEN:
            mark = Text(f"{value}   not given")
        elif given.status == MATCH:
            mark = Text.assemble(value, "   ", ("✓", "green"), f" yours: {given.yours}")
        else:
            mark = Text.assemble(value, "   ", ("✗", "bold red"), f" yours: {given.yours}")
        grid.add_row(label, mark)
    grid.add_row("where", first.note)
    if first.cause is None:
        grid.add_row(
            "likely cause",
            "no recognisable one (not a sign flip, a missing factor, the updated weights, "
            "another learning rate, transposed weights, or a mean for a sum)",
        )
    else:
        grid.add_row("likely cause", first.cause.text)
        for k, cause in enumerate(first.also):
            grid.add_row("also fits" if k == 0 else "", cause.text)
    _print(console, grid)


def _print(console: Console, renderable) -> None:
    """`console.print`, without the spaces rich pads a table's or a wrapped line's ends with."""
    with console.capture() as capture:
        console.print(renderable)
    console.file.write("\n".join(line.rstrip() for line in capture.get().split("\n")))


# ---------------------------------------------------------------------------------------------
# JSON


def _cause_json(cause: Cause | None) -> dict[str, Any] | None:
    if cause is None:
        return None
    return {"kind": cause.kind, "text": cause.text, "at": cause.at, "value": jnum(cause.value)}


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "epoch": row.epoch,
        "sample": row.sample,
        "step": row.step,
        "symbol": row.symbol,
        "written": row.given.symbol,
        "yours": row.text,
        "bptui": jnum(row.ours),
        "rel_error": jnum(row.rel_error),
        "tolerance": jnum(row.tolerance),
        "status": row.status,
        "expected": None if row.expected is None else jnum(row.expected),
        "cause": _cause_json(row.cause),
    }


def compare_json(report: Report) -> dict[str, Any]:
    first = report.first
    divergence = None
    if first is not None:
        row = first.row
        divergence = {
            "epoch": row.epoch,
            "sample": row.sample,
            "step": row.step,
            "symbol": row.symbol,
            "formula": first.formula,
            "numbers": first.numbers(None),
            "yours": row.text,
            "bptui": jnum(row.ours),
            "inputs": [
                {"symbol": i.symbol, "bptui": jnum(i.ours), "status": i.status, "yours": i.yours}
                for i in first.inputs
            ],
            "where": first.note,
            "cause": _cause_json(first.cause),
            "also": [_cause_json(cause) for cause in first.also],
        }
    return {
        "network": report.network.name,
        "yours": report.source,
        "epochs": report.epochs,
        "tolerance": "digits" if report.rtol is None else {"rtol": report.rtol},
        "summary": {
            "values": len(report.rows),
            "match": report.count(MATCH),
            "differs": report.count(DIFFERS),
            "follows": report.count(FOLLOWS),
        },
        "rows": [_row_json(row) for row in report.rows],
        "first": divergence,
        "cut": None if report.cut is None else {"epoch": report.cut[0], "step": report.cut[1] + 1},
    }
