"""Hyperparameter search of Lecture 6 (L6780-6996): random, in log space, coarse to fine, in parallel.

* each trial samples every hyperparameter independently: ``10 ** uniform(lo, hi)`` for log-scale ones
  (``lr = 10**uniform(-6, -3)``, ``reg = 10**uniform(-5, 5)``), ``uniform(lo, hi)`` for linear ones and
  a random integer for integer ones; random beats grid search (L6930);
* a trial trains a few epochs and is broken off early when the loss exceeds 3x its initial value (L6842);
* stage s+1 narrows every range around the best ``top_k`` trials of stage s (coarse -> fine);
* a best value near the edge of its range is worrying (L6926): ``edge_warnings`` names it;
* trials run in processes (``jobs``), each seeded from (seed, stage, trial) so results do not depend on
  the number of processes.
"""

from __future__ import annotations

import math
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from visrec.numpy_nn.models import build_model
from visrec.numpy_nn.solver import Solver

#: where a sampled name goes: solver options; everything else goes to the model config
SOLVER_KEYS = ("lr", "batch_size", "num_epochs", "optimizer")
_DATA: dict = {}


@dataclass
class Param:
    """A search dimension: ``scale`` is "log" (bounds are exponents of 10), "linear" or "int"."""

    lo: float
    hi: float
    scale: str = "log"

    def sample(self, rng: np.random.Generator) -> float:
        if self.scale == "log":
            return float(10 ** rng.uniform(self.lo, self.hi))
        if self.scale == "int":
            return int(rng.integers(int(self.lo), int(self.hi) + 1))
        return float(rng.uniform(self.lo, self.hi))

    def position(self, value: float) -> float:
        """Where ``value`` sits in the range, 0 (low edge) .. 1 (high edge)."""
        v = math.log10(value) if self.scale == "log" else value
        return (v - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0.5


@dataclass
class SearchResult:
    trials: list[dict] = field(default_factory=list)
    edge_warnings: list[str] = field(default_factory=list)
    stages: list[dict] = field(default_factory=list)

    @property
    def best(self) -> dict:
        return max(self.trials, key=_score)

    def sorted(self) -> list[dict]:
        return sorted(self.trials, key=_score, reverse=True)


def _score(t: dict) -> float:
    return -1.0 if t["aborted"] or not np.isfinite(t["val_acc"]) else t["val_acc"]


def set_data(data: dict) -> None:
    """The Solver data dict (X_train, y_train, X_val, y_val) the trials of this process train on."""
    _DATA.clear()
    _DATA.update(data)


def _init_worker(data: dict) -> None:
    _DATA.clear()
    _DATA.update(data)


class TrialPruned(Exception):
    """Raised by a trial's ``report`` callback to stop it early (a pruner's decision); not a failure."""


def run_trial(task: dict, report=None) -> dict:
    """Train one configuration (a top-level function, so processes can run it); never raises, except
    :class:`TrialPruned` when ``report(epoch, val_acc)`` returns True after an epoch.

    ``task``: ``params`` (sampled), ``model`` and ``solver`` (base configs), ``stage``, ``trial``, ``seed``.
    """
    params, model_cfg, solver_cfg = task["params"], dict(task["model"]), dict(task["solver"])
    for k, v in params.items():
        (solver_cfg if k in SOLVER_KEYS else model_cfg)[k] = v
    model_cfg["seed"] = task["seed"]
    t0 = time.perf_counter()
    out = {**params, "stage": task["stage"], "trial": task["trial"], "seed": task["seed"]}

    def on_epoch(record: dict) -> None:
        if report is not None and report(int(record["epoch"]), float(record["val_acc"])):
            raise TrialPruned

    try:
        model = build_model(model_cfg)
        solver = Solver(model, _DATA, abort_factor=3.0, verbose=False, seed=task["seed"], on_epoch=on_epoch,
                        **solver_cfg)
        with np.errstate(over="ignore", invalid="ignore"):  # an exploding trial is a result, not a crash
            solver.train()
        out.update(
            val_acc=solver.best_val_acc,
            train_acc=solver.train_acc_history[-1] if solver.history else 0.0,
            aborted=solver.aborted,
            initial_loss=solver.initial_loss,
            final_loss=solver.loss_history[-1] if solver.loss_history else float("nan"),
        )
    except TrialPruned:
        raise
    except Exception as exc:  # a diverged or invalid trial is a result, not a crash of the search
        out.update(val_acc=float("nan"), train_acc=float("nan"), aborted=True, error=str(exc))
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def narrow(space: dict[str, Param], top: list[dict], margin: float = 0.1) -> dict[str, Param]:
    """New ranges spanning the ``top`` trials' values, widened by ``margin`` of the old width, clipped."""
    new = {}
    for name, p in space.items():
        vals = [math.log10(t[name]) if p.scale == "log" else t[name] for t in top]
        pad = margin * (p.hi - p.lo)
        lo, hi = max(p.lo, min(vals) - pad), min(p.hi, max(vals) + pad)
        new[name] = Param(lo, hi, p.scale) if p.scale != "int" else Param(round(lo), round(hi), "int")
    return new


def edge_warnings(space: dict[str, Param], best: dict, edge: float = 0.1) -> list[str]:
    """Messages for each hyperparameter whose best value lies within ``edge`` of its range's ends."""
    out = []
    for name, p in space.items():
        pos = p.position(best[name])
        if pos <= edge or pos >= 1 - edge:
            side = "low" if pos <= edge else "high"
            rng_text = f"10**[{p.lo:g}, {p.hi:g}]" if p.scale == "log" else f"[{p.lo:g}, {p.hi:g}]"
            out.append(
                f"best {name} = {best[name]:.3g} lies at the {side} edge of its range {rng_text}: "
                f"widen the range on that side and search again (Lecture 6)."
            )
    return out


def random_search(
    data: dict,
    model: dict,
    space: dict[str, Param],
    solver: dict | None = None,
    num_trials: int = 10,
    stages: int = 1,
    top_k: int = 3,
    jobs: int = 1,
    seed: int = 0,
    on_trial=None,
) -> SearchResult:
    """Coarse-to-fine random search.

    Parameters
    ----------
    data : Solver data dict (X_train, y_train, X_val, y_val)
    model : base model config (``{"name": "twolayer", "input_dim": ..., ...}``)
    space : name -> Param; names in ``SOLVER_KEYS`` go to the Solver, the others (reg, ...) to the model
    solver : other Solver options (num_epochs, batch_size, optimizer, ...)
    num_trials : trials per stage; stages : number of coarse-to-fine stages
    jobs : worker processes (1: run in this process)
    """
    result = SearchResult()
    solver = solver or {}
    for stage in range(stages):
        tasks = []
        for trial in range(num_trials):
            trial_rng = np.random.default_rng([seed, stage, trial])
            params = {name: p.sample(trial_rng) for name, p in space.items()}
            tasks.append(
                {
                    "params": params,
                    "model": model,
                    "solver": solver,
                    "stage": stage,
                    "trial": trial,
                    "seed": int(trial_rng.integers(2**31)),
                }
            )
        if jobs > 1:
            with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(data,)) as pool:
                done = list(pool.map(run_trial, tasks))
        else:
            _init_worker(data)
            done = [run_trial(t) for t in tasks]
        for t in done:
            result.trials.append(t)
            if on_trial is not None:
                on_trial(t)
        result.stages.append({name: [p.lo, p.hi, p.scale] for name, p in space.items()})
        stage_trials = sorted([t for t in result.trials if t["stage"] == stage], key=_score, reverse=True)
        if stage < stages - 1:
            space = narrow(space, stage_trials[:top_k])
    result.edge_warnings = edge_warnings(_space_of(result.stages[0]), result.best)
    for msg in result.edge_warnings:
        warnings.warn(msg, stacklevel=2)
    return result


def _space_of(stage: dict) -> dict[str, Param]:
    return {name: Param(lo, hi, scale) for name, (lo, hi, scale) in stage.items()}
