"""Checking a saved session's history against itself and its network (see
`bptui.engine.sessioncheck`): its losses are 0 or more, finite before its first non-finite
epoch, and the epochs after its last checkpoint, replayed, give them."""

from __future__ import annotations

import numpy as np

from bptui.engine.filecheck import _type_name
from bptui.engine.history import History
from bptui.engine.network import Params
from bptui.engine.sessionchecker import _SessionChecker


def replays_to_its_losses(
    c: _SessionChecker,
    history: History,
    checkpoints: dict[int, Params],
    losses: list[float],
    nonfinite: int | None,
) -> None:
    """The history's last epochs, replayed from its last checkpoint with its networks, give
    its losses (to 1e-9: a replay is exact, a margin costs nothing): a session edited by
    hand (its samples, a checkpoint, losses made up past the checkpoints, a non-finite epoch
    that is not) is refused, not shown as if it were so, nor left to crash a replay later
    (the hostile trial). A checkpoint interval at most is replayed: opening stays quick."""
    from bptui.engine.train import train

    end = len(losses) + 1  # the first epoch without a loss
    epoch = max(e for e in checkpoints if e <= end)
    if epoch == end:
        return
    switches = [start for start in history.network_starts() if start > epoch]
    params, moments = history.state_at(epoch)
    while epoch < end:
        stop = min([end, *(start for start in switches if start > epoch)])  # (exclusive)
        result = train(
            history.network_for(epoch),
            params,
            stop - epoch,
            moments=moments,
            steps=history.steps_before(epoch),
        )
        stored = np.asarray(losses[epoch - 1 : epoch - 1 + result.epochs], dtype=np.float64)
        same = np.isclose(result.losses, stored, rtol=1e-9, atol=0.0, equal_nan=True)
        same |= np.isinf(stored) & (result.losses == stored)
        if not same.all():
            k = epoch - 1 + int(np.argmin(same))
            replayed = float(result.losses[k - epoch + 1])
            raise c.fail(
                f"history.losses[{k}]",
                f"found {losses[k]!r}, but the network gives {replayed!r} from the checkpoint "
                f"at epoch {epoch:,} (the history does not match its network)",
            )
        if result.epochs < stop - epoch:  # (the replay turned non-finite: so did the history)
            turned = epoch + result.epochs - 1
            if nonfinite is None or nonfinite > turned:
                raise c.fail(
                    "history.nonfinite_epoch",
                    f"expected {turned:,} or earlier (the replay from epoch {epoch:,} turns "
                    f"non-finite there), found {_type_name(nonfinite)}",
                )
            return  # (past a non-finite epoch the losses are nan: nothing more to compare)
        epoch, params, moments = stop, result.params, result.moments
    if nonfinite is not None and nonfinite >= max(e for e in checkpoints if e <= end):
        raise c.fail(
            "history.nonfinite_epoch",
            f"expected null (the replay of the last epochs stays finite), found "
            f"{_type_name(nonfinite)}",
        )


def losses_agree(c: _SessionChecker, losses: list[float], nonfinite: int | None) -> None:
    """A loss is 0 or more, and finite before the first non-finite epoch (every one, when no
    epoch was non-finite): the plot and the run's report take them at their word."""
    array = np.asarray(losses, dtype=np.float64)
    finite = np.isfinite(array)
    end = len(losses) if nonfinite is None else nonfinite - 1
    if not finite[:end].all():
        k = int(np.argmin(finite[:end]))
        said = (
            "null (no epoch was non-finite)"
            if nonfinite is None
            else f"{nonfinite:,} (the first non-finite epoch)"
        )
        raise c.fail(
            f"history.losses[{k}]",
            f"found {losses[k]}, but history.nonfinite_epoch is {said}",
        )
    if nonfinite is not None and finite[nonfinite - 1]:
        raise c.fail(
            "history.nonfinite_epoch",
            f"epoch {nonfinite:,} has a finite loss, {losses[nonfinite - 1]!r}: "
            "expected the first epoch whose loss is not",
        )
    negative = finite & (array < 0)
    if negative.any():
        k = int(np.argmax(negative))
        raise c.fail(f"history.losses[{k}]", f"expected a loss of 0 or more, found {losses[k]!r}")


def checkpoints_where_kept(
    c: _SessionChecker, checkpoints: dict[int, Params], every: int, starts: set[int]
) -> None:
    """A checkpoint is kept at epoch 1 and every `every` epochs after it, and where an order
    switch or an edit starts (`starts`): one elsewhere would give the history parameters no
    epoch computed (a "1500" added by hand was taken: the hostile trial)."""
    for epoch in sorted(checkpoints):
        if (epoch - 1) % every and epoch not in starts:
            raise c.fail(
                f'history.checkpoints."{epoch}"',
                f"not an epoch a checkpoint is kept at: epoch 1 and every {every:,} after it, "
                "or where settings.orders starts a network",
            )
