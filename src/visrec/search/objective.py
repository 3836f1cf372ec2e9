"""One trial of the search: the NumPy engine's :func:`~visrec.numpy_nn.search.run_trial` with a pruning hook."""

from __future__ import annotations

from visrec.numpy_nn.search import TrialPruned, run_trial, set_data

__all__ = ["TrialPruned", "set_data", "train_trial"]


def train_trial(params: dict, model_cfg: dict, solver_cfg: dict, seed: int, report=None) -> dict:
    """Train one (lr, reg); ``report(epoch, val_acc) -> bool`` returns True to prune (raises TrialPruned).

    Returns the trial's record: val_acc (best validation accuracy), train_acc, ``aborted`` when the loss
    exploded past 3x its initial value (the lecture's early break-off) or the trial failed, seconds.
    """
    task = {"params": params, "model": model_cfg, "solver": solver_cfg, "stage": 0, "trial": 0, "seed": seed}
    return run_trial(task, report=report)
