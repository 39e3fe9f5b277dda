"""Checking a saved session's history against itself and its network (see
`bptui.engine.sessioncheck`): its losses are 0 or more, finite before its first non-finite
epoch, and its checkpoint intervals, replayed, give them and its checkpoints."""

from __future__ import annotations

import time
from itertools import pairwise

import numpy as np

from bptui.engine.filecheck import _type_name
from bptui.engine.history import History
from bptui.engine.network import Params
from bptui.engine.sessionchecker import _SessionChecker

REPLAY_SECONDS = 0.5
"""What opening a session spends, at most about, replaying its history to check it."""


def replays_to_its_losses(
    c: _SessionChecker,
    history: History,
    checkpoints: dict[int, Params],
    losses: list[float],
    nonfinite: int | None,
) -> None:
    """Each checkpoint interval of the history, replayed from its checkpoint with its network,
    gives its losses and the next checkpoint (to 1e-9: a replay is exact, a margin costs
    nothing): a session edited by hand (its samples or learning rate, a checkpoint, a loss, a
    non-finite epoch that is not) is refused, not shown as if it were so (the hostile trials:
    only the epochs after the last checkpoint were replayed, and a checkpoint's weight set to
    99 or a loss to 0.5 earlier on was shown). The last interval is replayed first; a history
    longer than about REPLAY_SECONDS of replay has as many earlier intervals as that time
    allows, spread evenly from the first, and the one of its first non-finite epoch."""
    end = len(losses) + 1  # the first epoch without a loss
    marks = sorted(e for e in checkpoints if e <= end)
    bounds = marks if marks[-1] == end else [*marks, end]
    intervals = list(pairwise(bounds))
    if not intervals:
        return
    starts = set(history.network_starts())  # (an edit's checkpoint is the edit, not a replay)
    last = len(intervals) - 1
    wanted = [last]
    if nonfinite is not None:
        wanted += [k for k, (a, b) in enumerate(intervals) if a <= nonfinite < b]
    began = time.perf_counter()
    done: set[int] = set()
    for k in dict.fromkeys(wanted):
        if _replay(c, history, checkpoints, losses, nonfinite, *intervals[k], starts):
            return  # (the replay turned non-finite, as the history says: the rest is nan)
        done.add(k)
    spent = time.perf_counter() - began
    per_epoch = spent / max(1, sum(b - a for k, (a, b) in enumerate(intervals) if k in done))
    rest = [k for k in range(len(intervals)) if k not in done]
    if not rest:
        return
    room = REPLAY_SECONDS - spent
    epochs = max(1, intervals[rest[0]][1] - intervals[rest[0]][0])
    count = min(len(rest), max(1, int(room / max(per_epoch * epochs, 1e-9))))
    chosen = sorted({rest[round(j * (len(rest) - 1) / max(1, count - 1))] for j in range(count)})
    for k in chosen:
        if _replay(c, history, checkpoints, losses, nonfinite, *intervals[k], starts):
            return


def _replay(
    c: _SessionChecker,
    history: History,
    checkpoints: dict[int, Params],
    losses: list[float],
    nonfinite: int | None,
    epoch: int,
    stop: int,
    starts: set[int],
) -> bool:
    """Replay epochs epoch..stop-1 from the checkpoint at `epoch`; refuse what differs. True
    when the replay turned non-finite (and the history says so)."""
    from bptui.engine.train import train

    params, moments = history.state_at(epoch)
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
        return True
    finite = result.nonfinite_epoch is None and bool(np.isfinite(result.losses).all())
    if nonfinite is not None and epoch <= nonfinite < stop and finite:
        raise c.fail(
            "history.nonfinite_epoch",
            f"expected null or a later epoch (the replay of epochs {epoch:,} to {stop - 1:,} "
            f"stays finite), found {_type_name(nonfinite)}",
        )
    if stop in checkpoints and stop not in starts:
        saved, after = checkpoints[stop].flat(), result.params.flat()
        close = np.isclose(after, saved, rtol=1e-9, atol=1e-12, equal_nan=True)
        if not close.all():
            j = int(np.argmin(close))
            refs = history.network_for(epoch).param_refs
            name = refs[j].name if j < len(refs) else f"number {j}"
            raise c.fail(
                f'history.checkpoints."{stop}"',
                f"{name} is {float(saved[j])!r}, but the network gives {float(after[j])!r} "
                f"from the checkpoint at epoch {epoch:,} (the history does not match its "
                "network)",
            )
        # (and the optimizer's state there: Adam's m and v, edited, gave other steps from it)
        slots = history.network_for(epoch).opt.slots
        saved_moments = history.state_at(stop)[1]
        for k, (kept, gave) in enumerate(zip(saved_moments, result.moments, strict=True)):
            state, gives = kept.flat(), gave.flat()
            close = np.isclose(gives, state, rtol=1e-9, atol=1e-12, equal_nan=True)
            if not close.all():
                j = int(np.argmin(close))
                raise c.fail(
                    f'history.moments."{stop}"[{k}][{j}]',
                    f"{slots[k]} is {float(state[j])!r}, but the network gives "
                    f"{float(gives[j])!r} from the checkpoint at epoch {epoch:,} (the history "
                    "does not match its network)",
                )
    return False


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
