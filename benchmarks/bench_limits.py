"""How fast bptui refuses input beyond its limits (target: exit 2 within 1 s, before allocating).

Run: .venv/bin/python benchmarks/bench_limits.py

Each case writes a small file (or passes an argument) that breaks one limit, runs the real
`bptui` command in a subprocess, and prints the exit status, the wall time, the peak memory of
the child (ru_maxrss) and the one-line message.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BPTUI = str(Path(sys.executable).with_name("bptui"))


def cases(folder: Path) -> list[tuple[str, list[str]]]:
    many = folder / "many-samples.json"
    many.write_text(
        json.dumps(
            {
                "layers": [{"activation": "sigmoid", "weights": [[0.1, 0.2]]}],
                "samples": [{"inputs": [0.1, 0.2], "targets": [0.5]}] * 100_001,
            }
        )
    )
    wide = folder / "wide-layer.toml"
    wide.write_text(
        '[[layers]]\nactivation = "sigmoid"\nsize = 5000\n'
        "[[samples]]\ninputs = [1.0]\ntargets = [0.5]\n"
    )
    heavy = folder / "many-params.toml"
    heavy.write_text(
        '[[layers]]\nactivation = "sigmoid"\nsize = 4000\n'
        '[[layers]]\nactivation = "sigmoid"\nsize = 4000\n'
        "[[samples]]\ninputs = [1.0]\ntargets = [0.5]\n"
    )
    many_toml = folder / "many-samples.toml"
    many_toml.write_text(
        '[[layers]]\nactivation = "sigmoid"\nweights = [[0.1, 0.2]]\n'
        + "[[samples]]\ninputs = [0.1, 0.2]\ntargets = [0.5]\n" * 100_001
    )
    written = folder / "many-weights.toml"
    row = "[" + ", ".join(["0.123456"] * 1001) + "]"
    written.write_text(
        '[[layers]]\nactivation = "sigmoid"\nweights = ['
        + ",\n".join([row] * 1000)
        + "]\n[[samples]]\ninputs = [0.1, 0.2]\ntargets = [0.5]\n"
    )
    csv_net = folder / "many-rows.toml"
    csv_net.write_text(
        'input_names = ["i1", "i2"]\nsamples = { file = "many-rows.csv" }\n'
        '[[layers]]\nactivation = "sigmoid"\nweights = [[0.1, 0.2]]\n'
    )
    (folder / "many-rows.csv").write_text("i1,i2,o1\n" + "0.123456789,0.987654321,0.5\n" * 100_001)
    dotted = folder / "dotted.toml"
    dotted.write_text("a" + ".a" * 100_000 + " = 1\n")
    return [
        ("100,001 samples (train)", ["train", str(many)]),
        ("100,001 samples as TOML, 5.6 MB (train)", ["train", str(many_toml)]),
        ("100,001 CSV rows, samples = { file = ... }, 2.8 MB (train)", ["train", str(csv_net)]),
        ("1,001,000 weights written out in TOML, 9 MB (check)", ["check", str(written)]),
        ("a TOML key of 100,001 dotted parts (check)", ["check", str(dotted)]),
        ("/dev/zero (trace)", ["trace", "/dev/zero"]),
        ("a layer of 5,000 neurons (trace)", ["trace", str(wide)]),
        ("over 1,000,000 parameters (check)", ["check", str(heavy)]),
        ("over 1,000,000 parameters (the app)", [str(heavy)]),
        ("train --epochs 10,000,001", ["train", "--epochs", "10000001"]),
        ("trace --epochs 1,001", ["trace", "--epochs", "1001"]),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, args in cases(Path(folder)):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            result = subprocess.run(
                [BPTUI, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
            )
            seconds = time.perf_counter() - start
            peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            verdict = "ok" if result.returncode == 2 and seconds <= 1.0 else "OVER TARGET"
            print(
                f"{name}: exit {result.returncode} in {seconds:.2f} s (target <= 1 s), "
                f"peak RSS of the children so far {peak / 1024:.0f} MB: {verdict}"
            )
            print(f"    {result.stderr.strip()}")


if __name__ == "__main__":
    main()
