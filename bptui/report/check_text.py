"""`bptui check`: each gradient beside its finite difference, as a table."""

from __future__ import annotations

import math
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bptui.engine.gradcheck import TOLERANCE, GradientCheck
from bptui.engine.network import Network
from bptui.fmt import fixed
from bptui.report.common import describe


def print_check(network: Network, checks: list[GradientCheck]) -> None:
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    console.print(Text(describe(network), style="bold"))
    console.print(
        f"The file is valid: {network.n_params:,} parameters, {network.n_samples:,} "
        f"sample{'s' if network.n_samples != 1 else ''}."
    )
    if network.hidden_gradients == "after_output_update":
        console.print(
            Text(
                "Checking the true gradients (every gradient before any update). This "
                "file's hidden-layer updates use the other order, after_output_update: they "
                "back-propagate through the already updated weights of the layer above, so "
                "its hidden steps differ from these on purpose.",
                style="italic",
            )
        )
    table = Table(title="Gradients against central finite differences", title_justify="left")
    for header in (
        "sample",
        "parameter",
        "backprop ∂E_total/∂·",
        "finite difference",
        "rel. error",
        "",
    ):
        table.add_column(header, justify="left" if header in ("parameter", "") else "right")
    failures = overflows = 0
    for check in checks:
        at = (
            {int(k): n for n, k in enumerate(check.indices)}
            if check.indices is not None
            else {ref.flat_index: ref.flat_index for ref in network.param_refs}
        )
        errors = check.errors
        for ref in network.param_refs:
            if ref.flat_index not in at:
                continue
            n = at[ref.flat_index]
            analytic, numeric = float(check.analytic[ref.flat_index]), float(check.numeric[n])
            error = float(errors[n])
            finite = math.isfinite(analytic) and math.isfinite(numeric)
            ok = finite and error <= TOLERANCE
            failures += finite and not ok
            overflows += not finite
            name = ref.name if ref.trained else f"{ref.name} (not trained)"
            table.add_row(
                str(check.sample + 1),
                name,
                fixed(analytic, 12),  # (trailing zeros kept: the digits line up)
                fixed(numeric, 12),
                f"{error:.1e}" if finite else "—",
                "ok" if ok else ("MISMATCH" if finite else "not finite"),
            )
    console.print(table)
    if len(checks) < network.n_samples:
        console.print(
            f"Checked {len(checks):,} of the {network.n_samples:,} samples, spread evenly "
            f"(samples {', '.join(str(check.sample + 1) for check in checks)})."
        )
    indices = checks[0].indices if checks else None
    if indices is not None:
        console.print(
            f"Checked {len(indices):,} of the {network.n_params:,} parameters, spread evenly "
            "(a finite difference is a forward pass over every parameter: checking them all "
            "would take too long)."
        )
    if overflows:
        console.print(
            Text(
                f"{overflows} gradient(s) or their finite differences are not finite: the "
                "numbers overflow at these parameters, so they cannot be checked.",
                style="bold red",
            )
        )
    if failures:
        console.print(
            Text(
                f"{failures} gradient(s) differ by more than {TOLERANCE:g} "
                "(relative error |a−n| / max(|a|, |n|, 1e-8)).",
                style="bold red",
            )
        )
    elif not overflows:
        every = indices is None and len(checks) == network.n_samples
        which = "Every gradient" if every else "Every checked gradient"
        console.print(f"{which} agrees within {TOLERANCE:g} relative error.")
