"""The network model: layers, parameters and the names a reader of Mazur's post knows.

A `Network` is immutable. Its parameters live in a `Params` value (one weight matrix and one
bias vector per layer); training produces new `Params`, never mutates old ones, so a history
of them can be kept and every epoch recomputed exactly.

Naming (documented in README.md):
- inputs i1, i2, ...; outputs o1, o2, ...; with one hidden layer h1, h2, ...; with several,
  h1_1, h1_2, ... for the first hidden layer, h2_1, ... for the second;
- weights w1, w2, ... numbered layer by layer, row by row (row j = the neuron fed);
- a bias shared by a layer is b<layer number> (Mazur's b1, b2); a per-neuron bias is
  b_<neuron> (b_h1, b_o2).
"""

from __future__ import annotations

from dataclasses import field
from functools import cached_property

import numpy as np

from bptui.records import dataclass

BIAS_KINDS = ("none", "shared", "neuron")
UPDATES = ("online", "batch_sum", "batch_mean")
HIDDEN_GRADIENTS = ("before_update", "after_output_update")


@dataclass(frozen=True)
class Layer:
    """The shape and names of one dense layer (its numbers live in `Params`)."""

    activation: str
    n_in: int
    n_out: int
    bias: str  # "none" | "shared" | "neuron"
    names: tuple[str, ...]
    weight_names: tuple[tuple[str, ...], ...]  # weight_names[j][i]
    bias_names: tuple[str, ...]  # one per bias parameter: (), ("b1",) or ("b_h1", ...)
    options: tuple[tuple[str, float], ...] = ()  # the activation's parameters (alpha = 0.1)

    @property
    def n_bias(self) -> int:
        return {"none": 0, "shared": 1, "neuron": self.n_out}[self.bias]

    @property
    def op(self):
        """The activation object (bptui.engine.ops)."""
        from bptui.engine.ops import activation

        return activation(self.activation)

    @cached_property
    def p(self) -> dict[str, float]:
        """The activation's parameters: the file's, else their defaults."""
        return {**self.op.parameters, **dict(self.options)}


@dataclass(frozen=True)
class Params:
    """One weight matrix (n_out × n_in) and one bias vector per layer.

    A shared bias is a vector of length 1, a layer without bias has a vector of length 0.
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        for array in (*self.weights, *self.biases):
            array.flags.writeable = False

    @classmethod
    def of(cls, weights: list[np.ndarray], biases: list[np.ndarray]) -> Params:
        return cls(
            tuple(np.array(w, dtype=np.float64) for w in weights),
            tuple(np.array(b, dtype=np.float64).reshape(-1) for b in biases),
        )

    def flat(self) -> np.ndarray:
        """Every parameter in table order: all weights (w1, w2, ...), then all biases."""
        parts = [w.ravel() for w in self.weights] + [b for b in self.biases]
        return np.concatenate(parts) if parts else np.zeros(0)

    def with_flat(self, flat: np.ndarray) -> Params:
        """The same shapes filled from a flat vector in `flat()` order."""
        weights, biases = self.views(np.asarray(flat, dtype=np.float64))
        return Params.of(weights, biases)

    def views(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Each layer's weights and biases, in these shapes, as views of `flat` (in `flat()`
        order, of any dtype)."""
        weights, biases, k = [], [], 0
        for w in self.weights:
            weights.append(flat[k : k + w.size].reshape(w.shape))
            k += w.size
        for b in self.biases:
            biases.append(flat[k : k + b.size])
            k += b.size
        return weights, biases

    def is_finite(self) -> bool:
        return all(bool(np.all(np.isfinite(a))) for a in (*self.weights, *self.biases))

    def equals(self, other: Params) -> bool:
        """Bit-for-bit equality."""
        return all(
            a.shape == b.shape and a.tobytes() == b.tobytes()
            for a, b in zip(
                (*self.weights, *self.biases), (*other.weights, *other.biases), strict=True
            )
        )


@dataclass(frozen=True)
class ParamRef:
    """One trainable number: where it sits and what it connects (for tables and diagrams)."""

    name: str
    layer: int  # 0-based layer index
    kind: str  # "weight" | "bias"
    row: int  # the neuron fed (weights) or the bias index (biases)
    col: int  # the feeding neuron (weights); -1 for biases
    source: str  # "i1", "h1", or the bias name for a bias
    target: str  # the neuron fed; for a shared bias, every neuron of the layer joined by ","
    trained: bool
    flat_index: int  # position in Params.flat()


@dataclass(frozen=True)
class Network:
    """A dense feed-forward network with its training settings and samples."""

    name: str
    input_names: tuple[str, ...]
    layers: tuple[Layer, ...]
    loss: str
    update: str
    learning_rate: float
    train_biases: bool
    hidden_gradients: str
    seed: int
    inputs: np.ndarray  # (samples, n_inputs)
    targets: np.ndarray  # (samples, n_outputs)
    params: Params  # as loaded
    optimizer: str = "sgd"
    optimizer_settings: tuple[tuple[str, float | tuple[float, ...]], ...] = ()  # as the file
    description: str = ""  # the file's own words about the net (kept when it is saved)
    param_refs: tuple[ParamRef, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        self.inputs.flags.writeable = False
        self.targets.flags.writeable = False
        if not self.param_refs:
            object.__setattr__(self, "param_refs", _param_refs(self))

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def n_params(self) -> int:
        return len(self.param_refs)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.input_names), *(layer.n_out for layer in self.layers))

    def shape_text(self) -> str:
        return "-".join(str(n) for n in self.shape)

    def source_names(self, layer: int) -> tuple[str, ...]:
        """Names of the neurons that feed layer `layer` (0-based): the inputs for layer 0."""
        return self.input_names if layer == 0 else self.layers[layer - 1].names

    def weight_range(self, layer: int) -> str:
        """Layer `layer`'s weights (0-based layer) as a range of names: "w5–w8" ("w1" alone)."""
        names = self.layers[layer].weight_names
        first, last = names[0][0], names[-1][-1]
        return first if first == last else f"{first}–{last}"

    def layer_label(self, layer: int) -> str:
        """ "layer 2 (w5–w8)": a layer (0-based) as reports and plots name it."""
        return f"layer {layer + 1} ({self.weight_range(layer)})"

    def param(self, name: str) -> ParamRef:
        """The parameter called `name` (KeyError if there is none)."""
        return self._params_by_name[name]

    @cached_property
    def _params_by_name(self) -> dict[str, ParamRef]:
        return {ref.name: ref for ref in self.param_refs}

    @property
    def params_by_name(self) -> dict[str, ParamRef]:
        """Every parameter by its name (worked out once; do not change it)."""
        return self._params_by_name

    @cached_property
    def neuron_index(self) -> dict[str, tuple[int, int]]:
        """Neuron name → (layer, index); inputs are layer -1."""
        index = {name: (-1, k) for k, name in enumerate(self.input_names)}
        for li, layer in enumerate(self.layers):
            index.update({name: (li, k) for k, name in enumerate(layer.names)})
        return index

    @property
    def opt(self):
        """The optimizer object (bptui.engine.ops)."""
        from bptui.engine.ops import optimizer

        return optimizer(self.optimizer)

    @cached_property
    def opt_settings(self) -> dict[str, float | tuple[float, ...]]:
        """The optimizer's settings: the file's, else their defaults."""
        return {**self.opt.settings, **dict(self.optimizer_settings)}

    @property
    def loss_op(self):
        """The loss object (bptui.engine.ops)."""
        from bptui.engine.ops import loss

        return loss(self.loss)

    @cached_property
    def fused_output(self) -> str | None:
        """The note of the closed form δ = out − target this net's output uses, or None."""
        from bptui.engine.ops import fused_note

        return fused_note(self.loss, self.layers[-1].activation)

    def replace_params(self, params: Params) -> Network:
        from dataclasses import replace

        return replace(self, params=params, param_refs=self.param_refs)


def default_neuron_names(n_inputs: int, sizes: list[int]) -> list[list[str]]:
    """Mazur's names: i1.. for inputs, h1.. (or h1_1.. for deeper nets), o1.. for outputs."""
    names = [[f"i{k + 1}" for k in range(n_inputs)]]
    hidden = len(sizes) - 1
    for index, size in enumerate(sizes):
        if index == len(sizes) - 1:
            names.append([f"o{k + 1}" for k in range(size)])
        elif hidden == 1:
            names.append([f"h{k + 1}" for k in range(size)])
        else:
            names.append([f"h{index + 1}_{k + 1}" for k in range(size)])
    return names


def make_layers(
    activations: list[str],
    sizes: list[int],
    bias_kinds: list[str],
    neuron_names: list[list[str]],
    options: list[tuple[tuple[str, float], ...]] | None = None,
) -> tuple[Layer, ...]:
    """Layers with Mazur's weight and bias names, given each layer's neuron names."""
    layers = []
    w = 0
    for index, (activation, size, bias) in enumerate(
        zip(activations, sizes, bias_kinds, strict=True)
    ):
        n_in = len(neuron_names[index])
        weight_names = []
        for _j in range(size):
            weight_names.append(tuple(f"w{w + i + 1}" for i in range(n_in)))
            w += n_in
        own = neuron_names[index + 1]
        if bias == "shared":
            bias_names: tuple[str, ...] = (f"b{index + 1}",)
        elif bias == "neuron":
            bias_names = tuple(f"b_{name}" for name in own)
        else:
            bias_names = ()
        layers.append(
            Layer(
                activation,
                n_in,
                size,
                bias,
                tuple(own),
                tuple(weight_names),
                bias_names,
                options[index] if options else (),
            )
        )
    return tuple(layers)


def _param_refs(network: Network) -> tuple[ParamRef, ...]:
    refs: list[ParamRef] = []
    flat = 0
    for index, layer in enumerate(network.layers):
        sources = network.source_names(index)
        for j in range(layer.n_out):
            for i in range(layer.n_in):
                refs.append(
                    ParamRef(
                        layer.weight_names[j][i],
                        index,
                        "weight",
                        j,
                        i,
                        sources[i],
                        layer.names[j],
                        True,
                        flat,
                    )
                )
                flat += 1
    for index, layer in enumerate(network.layers):
        for j, name in enumerate(layer.bias_names):
            target = ",".join(layer.names) if layer.bias == "shared" else layer.names[j]
            refs.append(
                ParamRef(name, index, "bias", j, -1, name, target, network.train_biases, flat)
            )
            flat += 1
    return tuple(refs)
