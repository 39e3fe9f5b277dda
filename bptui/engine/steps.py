"""Step records: one elementary operation of backprop, as a person works it by hand.

A `Step` is one step of a sample's pass: its `Kind` (which belongs to a `Phase`), its symbol
(the post's: net_h1, out_o1, E_o1, E_total, δ_o1, ∂E_total/∂w5, w5⁺), and its formula as
structured terms (`bptui.engine.ops.terms`), which give the formula in symbols, with its
numbers at any precision, and in LaTeX. `bptui.engine.stepmaker.StepMaker` builds them.
"""

from __future__ import annotations

from enum import Enum

from bptui.engine.network import Network
from bptui.engine.ops.terms import Sym, Term
from bptui.records import dataclass


class Phase(str, Enum):
    """The four phases of a sample's pass, in order."""

    FORWARD = "forward"
    ERROR = "error"
    BACKWARD = "backward"
    UPDATE = "update"

    def __str__(self) -> str:
        return self.value


PHASES = tuple(phase.value for phase in Phase)


class Kind(str, Enum):
    """What a step computes; each kind knows its phase (and an optimizer's stage, which
    parameter kind it updates: "w" or "b")."""

    phase: Phase
    stage: str | None
    target: str | None

    def __new__(
        cls, value: str, phase: Phase, stage: str | None = None, target: str | None = None
    ) -> Kind:
        member = str.__new__(cls, value)
        member._value_ = value
        member.phase = phase
        member.stage = stage
        member.target = target
        return member

    def __str__(self) -> str:
        return self.value

    NET = "net", Phase.FORWARD
    OUT = "out", Phase.FORWARD
    E_TERM = "e_term", Phase.ERROR
    E_TOTAL = "e_total", Phase.ERROR
    DE_DOUT = "de_dout", Phase.BACKWARD  # an output's ∂E_total/∂out, from the loss
    DOUT_DNET = "dout_dnet", Phase.BACKWARD
    DELTA = "delta", Phase.BACKWARD
    PATH = "path", Phase.BACKWARD  # ∂E_M/∂out_X = δ_M × w
    PATH_SUM = "path_sum", Phase.BACKWARD  # a hidden ∂E_total/∂out_X, the sum of its paths
    DNET_DW = "dnet_dw", Phase.BACKWARD
    GRAD_W = "grad_w", Phase.BACKWARD
    GRAD_B = "grad_b", Phase.BACKWARD
    GRAD_B_SHARED = "grad_b_shared", Phase.BACKWARD
    UPDATE_W = "update_w", Phase.UPDATE, None, "w"
    UPDATE_B = "update_b", Phase.UPDATE, None, "b"
    # an optimizer's stages before a parameter's update (bptui.engine.ops.optimizers)
    DECAY_W = "decay_w", Phase.UPDATE, "decay", "w"
    DECAY_B = "decay_b", Phase.UPDATE, "decay", "b"
    SHRINK_W = "shrink_w", Phase.UPDATE, "shrink", "w"
    SHRINK_B = "shrink_b", Phase.UPDATE, "shrink", "b"
    NESTEROV_W = "nesterov_w", Phase.UPDATE, "nesterov", "w"
    NESTEROV_B = "nesterov_b", Phase.UPDATE, "nesterov", "b"
    M_W = "m_w", Phase.UPDATE, "m", "w"
    M_B = "m_b", Phase.UPDATE, "m", "b"
    V_W = "v_w", Phase.UPDATE, "v", "w"
    V_B = "v_b", Phase.UPDATE, "v", "b"
    M_HAT_W = "m_hat_w", Phase.UPDATE, "m_hat", "w"
    M_HAT_B = "m_hat_b", Phase.UPDATE, "m_hat", "b"
    V_HAT_W = "v_hat_w", Phase.UPDATE, "v_hat", "w"
    V_HAT_B = "v_hat_b", Phase.UPDATE, "v_hat", "b"


KINDS: dict[str, Kind] = {kind.value: kind for kind in Kind}


def stage_kind(stage: str, target: str) -> Kind:
    """The kind of an optimizer's stage step for a weight ("w") or a bias ("b")."""
    return KINDS[f"{stage}_{target}"]


def update_kinds(network: Network, target: str) -> tuple[Kind, ...]:
    """The update steps of one parameter, in order: the optimizer's stages, then p⁺."""
    stages = network.opt.stages(network.opt_settings)
    final = Kind.UPDATE_W if target == "w" else Kind.UPDATE_B
    return (*(stage_kind(stage, target) for stage in stages), final)


GRADIENT_KINDS = (Kind.GRAD_W, Kind.GRAD_B, Kind.GRAD_B_SHARED)
UPDATE_KINDS = frozenset(kind for kind in Kind if kind.phase is Phase.UPDATE)
PARAM_KINDS = frozenset({Kind.DNET_DW, *GRADIENT_KINDS, *UPDATE_KINDS})


@dataclass(frozen=True, slots=True)
class Step:
    """One elementary operation: `symbol = formula = numbers = value`.

    `expr` is the formula as terms (its quantities carry the numbers put in); `uses` are the
    symbols the formula reads (earlier steps, parameters, inputs, targets); `concerns` the
    neurons, edges (named by their weight) or bias units to highlight; `param` the parameter
    whose gradient or update this step is part of; `alt` the delta-rule form of a gradient
    (δ_o1 × out_h1).
    """

    index: int
    sample: int  # 0-based; -1 for a batch update, which belongs to the whole epoch
    kind: Kind
    sym: Sym
    expr: Term
    value: float
    uses: tuple[str, ...]
    concerns: tuple[str, ...]
    param: str | None = None
    note: str = ""
    alt: Term | None = None
    alt_label: str = "delta rule"  # what the other form is: "delta rule", "the post's form"

    @property
    def phase(self) -> Phase:
        return self.kind.phase

    @property
    def symbol(self) -> str:
        return self.sym.text

    @property
    def formula(self) -> str:
        return self.expr.text()

    @property
    def args(self) -> tuple[float, ...]:
        """The numbers the formula puts in, left to right."""
        return tuple(leaf.value for leaf in self.expr.leaves())

    @property
    def alt_formula(self) -> str:
        return "" if self.alt is None else self.alt.text()
