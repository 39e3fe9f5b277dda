"""Write benchmarks/big.json, the big-net benchmark's network, deterministically.

Run: .venv/bin/python benchmarks/make_big.py  (rewrites benchmarks/big.json; `--check` only
compares the file with what would be written and exits 1 if they differ)

The net: 64 inputs, then 128 relu, 128 tanh and 10 sigmoid neurons, each with its own bias
(`biases = [...]`, all zero), half_sse, online updates, learning_rate 0.1, 64 samples. Every
number comes from `numpy.random.default_rng(3)`, drawn in this order:

1. the weights, layer by layer, each an N × n_in matrix (row j: the weights into neuron j, as
   in the file) from N(0, 0.1²);
2. the inputs, a 64 × 64 matrix (one row a sample) from U(−1, 1);
3. the targets, a 64 × 10 matrix from U(0.1, 0.9).

Numbers are rounded to 6 decimals (it halves the file; the draws stay the same), and the
weights are written out explicitly (`weights`, not `size`), so the file does not depend on the
loader's initialisation. One layer row or sample per line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BIG_NET = HERE / "big.json"

SEED = 3
N_INPUTS = 64
LAYERS = (("relu", 128), ("tanh", 128), ("sigmoid", 10))
N_SAMPLES = 64
DECIMALS = 6


def big_document() -> dict:
    rng = np.random.default_rng(SEED)
    layers = []
    n_in = N_INPUTS
    for activation, size in LAYERS:
        weights = np.round(rng.normal(0.0, 0.1, size=(size, n_in)), DECIMALS)
        layers.append(
            {
                "activation": activation,
                "weights": weights.tolist(),
                "biases": [0.0] * size,
            }
        )
        n_in = size
    inputs = np.round(rng.uniform(-1.0, 1.0, size=(N_SAMPLES, N_INPUTS)), DECIMALS)
    targets = np.round(rng.uniform(0.1, 0.9, size=(N_SAMPLES, LAYERS[-1][1])), DECIMALS)
    return {
        "name": "big 64-128-128-10",
        "description": "The big-net benchmark (benchmarks/make_big.py): relu, tanh, sigmoid; "
        "weights N(0, 0.1^2), all from default_rng(3)",
        "learning_rate": 0.1,
        "loss": "half_sse",
        "update": "online",
        "layers": layers,
        "samples": [
            {"inputs": x.tolist(), "targets": t.tolist()}
            for x, t in zip(inputs, targets, strict=True)
        ],
    }


def big_text() -> str:
    """The JSON text: one weight row, bias list or sample a line."""
    document = big_document()
    parts = []
    for key, value in document.items():
        if key == "layers":
            layers = []
            for layer in value:
                rows = ",\n".join(f"        {json.dumps(row)}" for row in layer["weights"])
                layers.append(
                    "    {\n"
                    f'      "activation": {json.dumps(layer["activation"])},\n'
                    f'      "biases": {json.dumps(layer["biases"])},\n'
                    f'      "weights": [\n{rows}\n      ]\n'
                    "    }"
                )
            parts.append('  "layers": [\n' + ",\n".join(layers) + "\n  ]")
        elif key == "samples":
            items = ",\n".join(f"    {json.dumps(item)}" for item in value)
            parts.append(f'  "samples": [\n{items}\n  ]')
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    assert json.loads(text) == document
    return text


def main() -> int:
    text = big_text()
    if "--check" in sys.argv[1:]:
        same = BIG_NET.exists() and BIG_NET.read_text(encoding="utf-8") == text
        print(f"{BIG_NET}: {'up to date' if same else 'DIFFERS from the generator'}")
        return 0 if same else 1
    BIG_NET.write_text(text, encoding="utf-8")
    print(f"wrote {BIG_NET} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
