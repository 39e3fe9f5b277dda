"""bptui: a terminal step-through debugger for backpropagation."""

from __future__ import annotations

__version__ = "0.1.0"
