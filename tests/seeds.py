"""The seeds of the random tests: fixed, so that every run presses the same keys and takes the
same walks; set the variables to replay another run (a failure names the seed it ran with)."""

from __future__ import annotations

import os

FUZZ_SEED = int(os.environ.get("BPTUI_FUZZ_SEED", "20260530"))
"""tests/test_fuzz_keys.py: the random keys, clicks and resizes."""
FUZZ_EVENTS = int(os.environ.get("BPTUI_FUZZ_EVENTS", "2000"))
"""tests/test_fuzz_keys.py: how many events the slow stage's fuzzing sends per network."""
WALK_SEED = int(os.environ.get("BPTUI_WALK_SEED", "20260530"))
"""tests/test_time_travel.py: the random walks."""
OPS_SEED = int(os.environ.get("BPTUI_OPS_SEED", "20260601"))
"""tests/test_optimizers.py, test_activations.py, test_ops_extension.py: the random networks."""
