"""The `bptui` command: the app, `trace`, `train`, `check`, `compare` and `presets` without a
screen, and `serve` (the app in a browser).

Every user error (a bad file, a bad argument, a limit) ends in one line on stderr and exit
status 2; `check` exits 1 when a gradient disagrees with finite differences, `trace` and
`train` exit 1 when a value turns non-finite, and `compare` exits 1 when one of the learner's
numbers differs from bptui's. Textual is imported only to open the app.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import re
import sys
from collections.abc import Iterator
from typing import NoReturn

from bptui.engine.errors import BptuiError
from bptui.engine.numtext import MAX_PRECISION, MIN_PRECISION

COMMANDS = ("trace", "train", "check", "compare", "presets", "serve")
MAX_TRACE_EPOCHS = 1_000
MAX_TRAIN_EPOCHS = 10_000_000
P_RANGE = f"{MIN_PRECISION} to {MAX_PRECISION}; default 9"  # --precision's, as --help says
TRACE_WIDTH = 200  # the text trace's width when it is not a terminal
MAX_EPOCH_STEPS = 500_000  # an epoch's steps that trace and compare take (as engine.trace's
# MAX_WORKED_STEPS, which the app's export takes: a test holds them equal)
DEFAULT_PORT = 8000
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"  # what textual-serve runs the app with


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (a BptuiError), not usage text and a line."""

    def error(self, message: str) -> NoReturn:
        raise BptuiError(f"{message} (see: {self.prog} --help)")

    def print_help(self, file=None) -> None:  # type: ignore[no-untyped-def]
        if file is None and sys.stdout is None:  # (bptui --help >&-)
            raise BptuiError("standard output is closed")
        super().print_help(file)

    def _print_message(self, message: str, file=None) -> None:  # type: ignore[no-untyped-def]
        """argparse's, without its silence on a write that fails (bptui --help > /dev/full)."""
        if not message:
            return
        try:
            (file or sys.stderr).write(message)
            (file or sys.stderr).flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise BptuiError(f"cannot write the output: {error.strerror or error}") from None


def _whole(text: str) -> int:
    """A whole number as a person types it: ASCII digits, a sign at most (int() also takes
    `1_0` and other scripts' digits: `--epochs ３` ran 3 epochs, the hostile trial)."""
    if not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
        raise ValueError(text)
    return int(text)


def _epochs(limit: int):
    def parse(text: str) -> int:
        try:
            value = _whole(text)
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
        value = _whole(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if not MIN_PRECISION <= value <= MAX_PRECISION:
        raise argparse.ArgumentTypeError(
            f"expected {MIN_PRECISION} to {MAX_PRECISION} decimals, found {value}"
        )
    return value


def _port(text: str) -> int:
    try:
        value = _whole(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, found {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, found {value}")
    return value


def _rtol(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, found {text!r}") from None
    if not 0 <= value <= 1:  # (nan fails both)
        raise argparse.ArgumentTypeError(f"expected a relative tolerance from 0 to 1, found {text}")
    return value


NET_HELP = "a .toml or .json network file, or a preset name (default: mazur)"
APP_NET_HELP = (
    "a .toml or .json network file, a .bptui session saved by ctrl+s, or a preset name "
    "(default: mazur)"
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bptui")
    except PackageNotFoundError:  # (run from a checkout without installing)
        return "unknown"


class _VersionAction(argparse.Action):
    """`--version`, looking the version up only when asked (importlib.metadata takes ~20 ms
    to import, on every launch when the parser was built with it)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if sys.stdout is None:  # (bptui --version >&-)
            raise BptuiError("standard output is closed")
        parser._print_message(f"bptui {_version()}\n", sys.stdout)
        parser.exit()


def build_parsers() -> dict[str, argparse.ArgumentParser]:
    parsers: dict[str, argparse.ArgumentParser] = {}
    app = _Parser(
        prog="bptui",
        description="A terminal step-through debugger for "
        "backpropagation. Commands: trace, train, check, compare, presets, serve "
        "(bptui COMMAND --help).",
    )
    app.add_argument("net", nargs="?", default="mazur", metavar="NET", help=APP_NET_HELP)
    app.add_argument("--version", action=_VersionAction, nargs=0, help="print the version and exit")
    app.add_argument(
        "--precision", type=_precision, default=9, help="decimals shown (2 to 17; default 9)"
    )
    app.add_argument(
        "--theme",
        choices=("dark", "light"),
        default="dark",
        help="dark (default), or light: black on white, high contrast, for projectors",
    )
    app.add_argument(
        "--compare",
        metavar="YOURS",
        help="your own numbers (a JSON, TOML or CSV file, as bptui compare reads): each "
        "compared step says ✓ or ✗, and x goes to the first that differs",
    )
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
        "--precision",
        type=_precision,
        default=9,
        help="decimals in text and markdown (2 to 17; default 9)",
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
    train.add_argument(
        "--precision", type=_precision, default=9, help="decimals in text (2 to 17; default 9)"
    )
    parsers["train"] = train

    check = _Parser(
        prog="bptui check",
        description="Validate a network and check its "
        "gradients against central finite differences.",
    )
    check.add_argument("net", nargs="?", default="mazur", metavar="NET", help=NET_HELP)
    parsers["check"] = check

    compare = _Parser(
        prog="bptui compare",
        description="Compare your own numbers (a JSON, TOML or CSV file of step symbols and "
        "values) with bptui's, step by step: exit status 0 if all match, 1 if any differs.",
    )
    compare.add_argument("net", nargs="?", default="mazur", metavar="NET", help=NET_HELP)
    compare.add_argument(
        "yours",
        metavar="YOURS",
        help="your numbers: {symbol: value} (epoch 1, sample 1), "
        '{"epoch": E, "sample": S, "values": {...}}, a list of those, or CSV '
        "symbol,value[,epoch,sample] (see README)",
    )
    compare.add_argument(
        "--epochs",
        type=_epochs(MAX_TRACE_EPOCHS),
        default=1,
        help=f"epochs compared (default 1, at most {MAX_TRACE_EPOCHS:,}); YOURS may name "
        "no later one",
    )
    compare.add_argument(
        "--rtol",
        type=_rtol,
        default=None,
        help="match within this relative error (default: to the digits you wrote)",
    )
    compare.add_argument("--format", choices=("text", "json"), default="text")
    compare.add_argument(
        "--precision",
        type=_precision,
        default=9,
        help=f"decimals of bptui's numbers in text ({P_RANGE})",
    )
    parsers["compare"] = compare

    presets = _Parser(
        prog="bptui presets", description="List the built-in networks, or print one as TOML."
    )
    presets.add_argument("name", nargs="?", metavar="NAME")
    parsers["presets"] = presets

    serve = _Parser(
        prog="bptui serve",
        description="The debugger in a web browser: each browser tab that opens the address "
        "gets a debugger of its own on NET. Ctrl+C stops the server.",
    )
    serve.add_argument("net", nargs="?", default="mazur", metavar="NET", help=NET_HELP)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every "
        "machine that can reach this one)",
    )
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    serve.add_argument(
        "--precision", type=_precision, default=9, help="decimals shown (2 to 17; default 9)"
    )
    serve.add_argument("--theme", choices=("dark", "light"), default="dark")
    parsers["serve"] = serve
    return parsers


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `yes | head`'s yes
MAX_MESSAGE = 400  # characters of a one-line error message


class OutputError(BptuiError):
    """Standard output cannot be written (a full disk, a closed descriptor)."""


class PipeClosed(Exception):
    """The reader of standard output went away (raised instead of BrokenPipeError, which rich
    would turn into exit status 1 on its own)."""


class GuardedStream:
    """Standard output for the commands: a write that fails with anything but a broken pipe
    becomes an `OutputError` (one line, exit status 2), never a traceback."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise PipeClosed from None
        except (OSError, ValueError) as error:
            raise OutputError(f"cannot write the output: {_reason(error)}") from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise PipeClosed from None
        except (OSError, ValueError) as error:
            raise OutputError(f"cannot write the output: {_reason(error)}") from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return "the stream is closed"


def _say(message: str) -> None:
    """One line on stderr (whatever the message holds); nothing if stderr is gone too."""
    from bptui.engine.errors import one_line

    text = one_line(message)
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    if sys.stderr is None:  # (closed: print(file=None) would write it to stdout)
        return
    with contextlib.suppress(OSError, ValueError, AttributeError, BptuiError):
        print(f"bptui: {text}", file=sys.stderr, flush=True)


def _silence_stdout() -> None:
    """After a broken pipe: send what is still buffered nowhere, so that Python's own flush
    at exit does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    real_stdout = sys.stdout
    try:
        code = _run(args)
        if sys.stdout is not None:
            sys.stdout.flush()
        return code
    except BptuiError as error:
        _say(str(error))
        return 2
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except SystemExit as done:  # argparse's --help (0) or usage error (2), already written
        code = done.code if isinstance(done.code, int) else 2
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except BrokenPipeError:
            sys.stdout = real_stdout
            _silence_stdout()
            return EXIT_BROKEN_PIPE
        except OSError as error:  # (bptui --help > /dev/full)
            _say(f"cannot write the output: {error.strerror or error}")
            return 2
        return code
    except (PipeClosed, BrokenPipeError):
        # The reader went away (`bptui trace | head`): quietly, as other Unix tools do.
        sys.stdout = real_stdout
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    finally:
        sys.stdout = real_stdout


def _run(args: list[str]) -> int:
    parsers = build_parsers()
    command = args[0] if args and args[0] in COMMANDS else "app"
    if command != "app":
        args = args[1:]
    options = parsers[command].parse_args(args)
    if command != "app":
        if sys.stdout is None:
            raise OutputError("standard output is closed; nothing to write the output to")
        sys.stdout = GuardedStream(sys.stdout)
    if command == "presets":
        return cmd_presets(options.name)
    if command == "app":
        if options.net in COMMANDS:  # (`bptui --precision 5 trace`: "trace: no such preset")
            raise BptuiError(
                f"{options.net}: a command comes first, its options after it "
                f"(bptui {options.net} --precision 5)"
            )
        return cmd_app(options.net, options.precision, options.theme, options.compare)
    if command == "serve":
        return cmd_serve(options.net, options.host, options.port, options.precision, options.theme)
    network = _load_for_command(options.net, command)
    if command in ("trace", "compare"):
        _refuse_giant_epochs(network, options.net, command)
    if command == "trace":
        return cmd_trace(network, options.epochs, options.format, options.precision)
    if command == "train":
        return cmd_train(network, options.epochs, options.format, options.precision)
    if command == "compare":
        return cmd_compare(
            network, options.yours, options.epochs, options.rtol, options.format, options.precision
        )
    return cmd_check(network)


def _load_for_command(spec: str, command: str):
    from bptui.engine.loader import load_source
    from bptui.engine.source import is_session, open_source

    source = open_source(spec)
    if is_session(source):
        raise BptuiError(
            f"{spec}: a saved session opens in the app (bptui {spec}); "
            f"`bptui {command}` takes a network file or preset"
        )
    return load_source(source)


def _refuse_giant_epochs(network, spec: str, command: str) -> None:
    """A worked example of a net of a million weights is an epoch of millions of steps: over a
    gigabyte of text, minutes, and gigabytes of memory for JSON. `trace` and `compare` take nets
    of at most MAX_EPOCH_STEPS steps an epoch (`train` and `check` take any)."""
    from bptui.engine.trace import step_count

    steps = step_count(network)
    if steps > MAX_EPOCH_STEPS:
        raise BptuiError(
            f"{spec}: an epoch of this network is {steps:,} steps, over the "
            f"{MAX_EPOCH_STEPS:,} that `bptui {command}` works through (`bptui train` runs it; "
            "`bptui check` checks its gradients)"
        )


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


def cmd_app(spec: str, precision: int, theme: str = "dark", yours: str | None = None) -> int:
    # Start-up allocates some hundred thousand long-lived objects (numpy, Textual, the CSS,
    # the widgets) and frees almost none: the cyclic garbage collector would scan them over and
    # over (a full pass alone costs 15 to 30 ms). It stays off until the first frame is shown;
    # then the app freezes what start-up made (later passes skip it) and turns it on again.
    gc.disable()
    from bptui.engine.loader import load_source
    from bptui.engine.source import MAX_SESSION_BYTES, is_session, open_source

    # A bad file is reported before any screen opens.
    source = open_source(spec, limit=MAX_SESSION_BYTES)
    if is_session(source):
        from bptui.engine.session import session_from_source

        session = session_from_source(source)
        network = None
    else:
        session = None
        network = load_source(source)
    from bptui.engine.history_state import refuse_in_debugger

    shown = session.history.network if session is not None else network
    assert shown is not None  # (a session, or a network file)
    refuse_in_debugger(shown, spec)
    session_path = spec if session is not None else None
    compared = None
    if yours is not None:  # (compared on the history the screen shows: checked before it opens)
        from bptui.engine.compared import Compared
        from bptui.engine.history import History
        from bptui.engine.session import Session
        from bptui.engine.yours import read_yours

        if session is None:
            assert network is not None  # (a network file, then)
            session, network = Session(History(network), precision=precision), None
        history = session.history
        compared = Compared.make(
            history.network, read_yours(yours), history.trace, max_epochs=MAX_TRACE_EPOCHS
        )
    served = os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER  # in a browser (bptui serve)
    for name, stream in (("input", sys.stdin), ("output", sys.stdout)):
        if not served and (stream is None or not stream.isatty()):
            raise BptuiError(
                f"the debugger needs a terminal, and standard {name} is not one "
                "(bptui trace and bptui train work without a screen)"
            )
    from bptui.app.app import run_app

    return run_app(
        network,
        precision,
        session=session,
        session_path=session_path,
        theme=theme,
        compared=compared,
    )


def cmd_serve(spec: str, host_text: str, port: int, precision: int, theme: str) -> int:
    """Serve the debugger on NET in browsers (see bptui.serve); NET is checked first, as the
    app checks it, and must be a file that each browser's debugger can read again."""
    import stat

    from bptui.engine.loader import load_source
    from bptui.engine.session import session_from_source
    from bptui.engine.source import (
        MAX_SESSION_BYTES,
        STANDARD_STREAM,
        is_preset_name,
        is_session,
        open_source,
    )
    from bptui.serve import is_loopback, parse_host, serve

    host = parse_host(host_text)
    from bptui.engine.history_state import refuse_in_debugger

    source = open_source(spec, limit=MAX_SESSION_BYTES)
    if is_session(source):
        refuse_in_debugger(session_from_source(source).history.network, spec)
    else:
        refuse_in_debugger(load_source(source), spec)
    net = spec  # a preset's name
    if not is_preset_name(spec):
        # By its absolute path; /dev/stdin (or /dev/fd/N) redirected from a file by that
        # file's real path: each debugger's own /dev/stdin would be textual-serve's pipe. (A
        # link elsewhere keeps its own folder, which a samples CSV file is relative to.)
        net = os.path.realpath(spec) if STANDARD_STREAM.fullmatch(spec) else os.path.abspath(spec)
        try:
            regular = stat.S_ISREG(os.stat(net).st_mode)
        except OSError:
            regular = False
        if not regular:
            raise BptuiError(
                f"{spec}: cannot be served: each browser's debugger reads NET again, and this "
                "is not a regular file (save it to a file first)"
            )
    if not is_loopback(host):
        _say(
            f"warning: listening on {host}, not only on this machine: anyone who can reach "
            f"port {port} can use the debugger, and save and export files as this user"
        )

    return serve(net, host, port, precision, theme)


def _epoch_traces(network, epochs: int) -> Iterator:
    from bptui.engine.passes import compute_epoch
    from bptui.engine.trace import EpochTrace

    params, moments, steps = network.params, None, 0
    for number in range(1, epochs + 1):
        epoch = compute_epoch(network, params, moments, steps)
        yield EpochTrace(epoch, number)
        params, moments, steps = epoch.params_after, epoch.moments_after, epoch.steps_after


def cmd_trace(network, epochs: int, fmt: str, precision: int) -> int:
    from bptui.engine.nonfinite import step_place

    last: list = []

    def traces() -> Iterator:
        for trace in _epoch_traces(network, epochs):
            last[:] = [trace]
            yield trace

    if fmt == "json":
        from bptui.report import jsonout

        first = jsonout.write_trace(sys.stdout, network, traces())
    elif fmt == "markdown":
        from bptui.report import markdown

        first = markdown.write_trace(sys.stdout, network, traces(), precision)
    else:
        from rich.console import Console

        from bptui.report import text

        # (to a file or a pipe, as wide as the tables need: at 80 columns their numbers folded)
        width = None if sys.stdout.isatty() else TRACE_WIDTH
        console = Console(file=sys.stdout, highlight=False, soft_wrap=True, width=width)
        first = text.write_trace(console, network, traces(), precision)
    sys.stdout.flush()
    if first is not None:
        epoch, step = first
        where = step_place(epoch, step)
        _say(f"the trace turned non-finite: the first non-finite value is at {where}")
        return 1
    if last and not math.isfinite(last[0].epoch.loss_after):
        _say(
            f"the trace turned non-finite: the loss after epoch {last[0].number} is "
            f"{last[0].epoch.loss_after} (the update overflowed)"
        )
        return 1
    return 0


def cmd_train(network, epochs: int, fmt: str, precision: int) -> int:
    from bptui.engine.passes import forward
    from bptui.engine.train import train

    progress = None
    bar = None
    if fmt == "text" and sys.stderr is not None and sys.stderr.isatty() and epochs >= 20_000:
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task("training", total=epochs)
        bar.start()

        def progress(done: int, loss: float) -> None:
            bar.update(task, completed=done, description=f"loss {loss:.6g}")

    try:
        result = train(network, network.params, epochs, progress=progress, norms=True)
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
        from bptui.report.jsonout import jlist, jnum, layers_json, write_rows

        document = {
            "network": network.name,
            "epochs": result.epochs,
            "loss": jnum(loss),
            "outputs": jlist(outputs),
            "layers": layers_json(network, result.params),
            "train_seconds": result.seconds,
        }
        # the norms last, streamed: a list per epoch, each epoch's a number per layer
        sys.stdout.write(json.dumps(document, ensure_ascii=False)[:-1] + ', "grad_norms": ')
        assert result.norms is not None  # (asked for above)
        write_rows(sys.stdout, result.norms)
        sys.stdout.write("}\n")
        return 0
    from bptui.report.train_text import print_training

    print_training(network, result, outputs, precision)
    return 0


def cmd_check(network) -> int:
    from bptui.engine.gradcheck import TOLERANCE, check_sample, checked_indices, checked_samples
    from bptui.report.check_text import print_check

    indices = checked_indices(network)
    checks = [check_sample(network, network.params, s, indices) for s in checked_samples(network)]
    print_check(network, checks)
    worst = max(check.worst for check in checks)
    return 0 if math.isfinite(worst) and worst <= TOLERANCE else 1


def cmd_compare(
    network, yours: str, epochs: int, rtol: float | None, fmt: str, precision: int
) -> int:
    from bptui.engine.check_yours import compare_yours
    from bptui.engine.source import is_preset_name
    from bptui.engine.yours import read_yours

    if is_preset_name(yours) and not os.path.exists(yours):
        # (`bptui compare mazur` said "mazur: no such file": the hostile trial)
        raise BptuiError(
            f"{yours}: no such file of your numbers; {yours} is a preset network "
            f"(`bptui compare {yours} YOURS` compares YOURS with it)"
        )
    report = compare_yours(
        network, read_yours(yours), rtol=rtol, epochs=epochs, max_epochs=MAX_TRACE_EPOCHS
    )
    if fmt == "json":
        from bptui.report.compare_text import compare_json

        sys.stdout.write(json.dumps(compare_json(report), ensure_ascii=False, allow_nan=False))
        sys.stdout.write("\n")
    else:
        from bptui.report.compare_text import print_compare

        print_compare(report, precision)
    return 0 if report.all_match else 1
