"""The `bptui` command: the app, and `trace`, `train`, `check` and `presets` without a screen.

Every user error (a bad file, a bad argument, a limit) ends in one line on stderr and exit
status 2; `check` exits 1 when a gradient disagrees with finite differences, and `trace` and
`train` exit 1 when a value turns non-finite. Textual is imported only to open the app.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from typing import NoReturn

from bptui.engine.errors import BptuiError

COMMANDS = ("trace", "train", "check", "presets")
MAX_TRACE_EPOCHS = 1_000
MAX_TRAIN_EPOCHS = 10_000_000


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (a BptuiError), not usage text and a line."""

    def error(self, message: str) -> NoReturn:
        raise BptuiError(f"{message} (see: {self.prog} --help)")


def _epochs(limit: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"expected at least 1, found {value}")
        if value > limit:
            raise argparse.ArgumentTypeError(f"{value:,} is over the limit of {limit:,} epochs")
        return value

    return parse


def _precision(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if not 0 <= value <= 17:
        raise argparse.ArgumentTypeError(f"expected 0 to 17 decimals, found {value}")
    return value


NET_HELP = "a .toml or .json network file, or a preset name (default: mazur)"


def build_parsers() -> dict[str, argparse.ArgumentParser]:
    parsers: dict[str, argparse.ArgumentParser] = {}
    app = _Parser(
        prog="bptui",
        description="A terminal step-through debugger for "
        "backpropagation. Commands: trace, train, check, presets (bptui COMMAND --help).",
    )
    app.add_argument("net", nargs="?", default="mazur", metavar="NET", help=NET_HELP)
    app.add_argument("--precision", type=_precision, default=9, help="decimals shown (default 9)")
    parsers["app"] = app

    trace = _Parser(prog="bptui trace", description="The worked example, step by step.")
    trace.add_argument("net", nargs="?", default="mazur", metavar="NET", help=NET_HELP)
    trace.add_argument(
        "--epochs",
        type=_epochs(MAX_TRACE_EPOCHS),
        default=1,
        help=f"epochs to trace (default 1, at most {MAX_TRACE_EPOCHS:,})",
    )
    trace.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    trace.add_argument(
        "--precision", type=_precision, default=9, help="decimals in text and markdown (default 9)"
    )
    parsers["trace"] = trace

    train = _Parser(prog="bptui train", description="Fast-forward training, keeping no trace.")
    train.add_argument("net", nargs="?", default="mazur", metavar="NET", help=NET_HELP)
    train.add_argument(
        "--epochs",
        type=_epochs(MAX_TRAIN_EPOCHS),
        default=10_000,
        help=f"epochs to train (default 10,000, at most {MAX_TRAIN_EPOCHS:,})",
    )
    train.add_argument("--format", choices=("text", "json"), default="text")
    train.add_argument("--precision", type=_precision, default=9, help="decimals in text")
    parsers["train"] = train

    check = _Parser(
        prog="bptui check",
        description="Validate a network and check its "
        "gradients against central finite differences.",
    )
    check.add_argument("net", nargs="?", default="mazur", metavar="NET", help=NET_HELP)
    parsers["check"] = check

    presets = _Parser(
        prog="bptui presets", description="List the built-in networks, or print one as TOML."
    )
    presets.add_argument("name", nargs="?", metavar="NAME")
    parsers["presets"] = presets
    return parsers


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(args)
    except BptuiError as error:
        print(f"bptui: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bptui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`bptui trace | head`): not an error of ours.
        sys.stderr.close()
        return 0


def _run(args: list[str]) -> int:
    parsers = build_parsers()
    command = args[0] if args and args[0] in COMMANDS else "app"
    if command != "app":
        args = args[1:]
    options = parsers[command].parse_args(args)
    if command == "presets":
        return cmd_presets(options.name)
    if command == "app":
        return cmd_app(options.net, options.precision)
    from bptui.engine.loader import load_network

    network = _load_for_command(options.net, command, load_network)
    if command == "trace":
        return cmd_trace(network, options.epochs, options.format, options.precision)
    if command == "train":
        return cmd_train(network, options.epochs, options.format, options.precision)
    return cmd_check(network)


def _load_for_command(spec: str, command: str, load_network):
    from bptui.engine.sessionfile import looks_like_session

    if looks_like_session(spec):
        raise BptuiError(
            f"{spec}: a saved session opens in the app (bptui {spec}); "
            f"`bptui {command}` takes a network file or preset"
        )
    return load_network(spec)


# ---------------------------------------------------------------------------------------------


def cmd_presets(name: str | None) -> int:
    from bptui.engine.loader import preset_description, preset_names, preset_text

    names = preset_names()
    if name is None:
        width = max(len(n) for n in names)
        for preset in names:
            print(f"{preset:<{width}}  {preset_description(preset)}")
        return 0
    if name not in names:
        raise BptuiError(f"no preset named {name!r} (presets: {', '.join(names)})")
    sys.stdout.write(preset_text(name))
    return 0


def cmd_app(spec: str, precision: int) -> int:
    from bptui.engine.loader import load_network
    from bptui.engine.sessionfile import looks_like_session

    # A bad file is reported before any screen opens.
    if looks_like_session(spec):
        from bptui.engine.session import load_session

        session = load_session(spec)
        network = None
    else:
        session = None
        network = load_network(spec)
    from bptui.app.app import run_app

    return run_app(
        network, precision, session=session, session_path=spec if session is not None else None
    )


def _epoch_traces(network, epochs: int) -> Iterator:
    from bptui.engine.passes import compute_epoch
    from bptui.engine.trace import EpochTrace

    params = network.params
    for number in range(1, epochs + 1):
        epoch = compute_epoch(network, params)
        yield EpochTrace(epoch, number)
        params = epoch.params_after


def cmd_trace(network, epochs: int, fmt: str, precision: int) -> int:
    traces = _epoch_traces(network, epochs)
    if fmt == "json":
        from bptui.report import jsonout

        finite = jsonout.write_trace(sys.stdout, network, traces)
    elif fmt == "markdown":
        from bptui.report import markdown

        finite = markdown.write_trace(sys.stdout, network, traces, precision)
    else:
        from rich.console import Console

        from bptui.report import text

        finite = text.write_trace(
            Console(highlight=False, soft_wrap=True), network, traces, precision
        )
    sys.stdout.flush()
    if not finite:
        print("bptui: the trace holds non-finite values (nan or inf)", file=sys.stderr)
        return 1
    return 0


def cmd_train(network, epochs: int, fmt: str, precision: int) -> int:
    from bptui.engine.passes import forward
    from bptui.engine.train import train

    progress = None
    bar = None
    if fmt == "text" and sys.stderr.isatty() and epochs >= 20_000:
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task("training", total=epochs)
        bar.start()

        def progress(done: int, loss: float) -> None:
            bar.update(task, completed=done, description=f"loss {loss:.6g}")

    try:
        result = train(network, network.params, epochs, progress=progress)
    finally:
        if bar is not None:
            bar.stop()
    if result.nonfinite_epoch is not None:
        from bptui.engine.nonfinite import first_nonfinite

        where = first_nonfinite(network, result, result.nonfinite_epoch)
        print(f"bptui: training stopped: {where}", file=sys.stderr)
        return 1
    _, outs = forward(network, result.params, network.inputs)
    outputs = outs[-1]
    loss = float(result.losses[-1])
    if fmt == "json":
        from bptui.report.jsonout import jlist, jnum, layers_json

        document = {
            "network": network.name,
            "epochs": result.epochs,
            "loss": jnum(loss),
            "outputs": jlist(outputs),
            "layers": layers_json(network, result.params),
            "train_seconds": result.seconds,
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
        return 0
    from bptui.report.train_text import print_training

    print_training(network, result, outputs, precision)
    return 0


def cmd_check(network) -> int:
    from bptui.engine.gradcheck import TOLERANCE, check_sample
    from bptui.report.check_text import print_check

    checks = [check_sample(network, network.params, s) for s in range(network.n_samples)]
    print_check(network, checks)
    worst = max(check.worst for check in checks)
    return 0 if math.isfinite(worst) and worst <= TOLERANCE else 1
