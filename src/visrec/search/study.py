"""The search driver: Optuna studies, one per coarse-to-fine stage, run by local processes or shared workers.

A stage is one Optuna study (``<study>`` for stage 0, ``<study>-stage<s>`` after it). Stage s+1 samples
from ranges narrowed around the ``top_k`` best trials of stage s (the lecture's coarse -> fine). Trials
are pruned by the median rule or asynchronous successive halving on their per-epoch validation accuracy,
and broken off when the loss explodes past 3x its initial value.

Where the trials run:

- ``jobs = 1``, no storage: this process, an in-memory study;
- ``jobs > 1``, no storage: ``jobs`` worker processes sharing ``search.db`` (SQLite) in the run directory;
- ``storage`` + ``study``: this process is one worker of a shared study; start the same command on any
  number of machines (PostgreSQL or MySQL across machines, SQLite on one) and they share the trials. Each
  stage ends once it has ``trials`` finished trials (a worker that began a trial at that moment finishes
  it, so a study of W workers holds at most W - 1 more); every worker then waits for the running ones,
  sees the same trials and narrows the same way.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

from visrec.numpy_nn.search import Param, SearchResult, edge_warnings, narrow
from visrec.search.objective import TrialPruned, set_data, train_trial

__all__ = ["run_search", "SearchResult"]

FINISHED = ("COMPLETE", "PRUNED", "FAIL")


def _optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _sampler(cfg, seed: int):
    optuna = _optuna()
    if cfg["sampler"] == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(2, cfg["trials"] // 3))
    return optuna.samplers.RandomSampler(seed=seed)


def _pruner(cfg):
    optuna = _optuna()
    if cfg["pruner"] == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    if cfg["pruner"] == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    return optuna.pruners.NopPruner()


def _objective(cfg: dict, space: dict, model_cfg: dict, solver_cfg: dict, worker):
    optuna = _optuna()

    def objective(trial) -> float:
        params = {name: trial.suggest_float(name, 10 ** p.lo, 10 ** p.hi, log=True) for name, p in space.items()}

        def report(epoch: int, val_acc: float) -> bool:
            trial.report(val_acc, epoch)
            return trial.should_prune()

        try:
            out = train_trial(params, model_cfg, solver_cfg, seed=cfg["seed"] * 100003 + trial.number, report=report)
        except TrialPruned:
            trial.set_user_attr("worker", worker)
            raise optuna.TrialPruned() from None
        for key in ("train_acc", "aborted", "seconds"):
            trial.set_user_attr(key, out[key])
        trial.set_user_attr("worker", worker)
        if out["aborted"]:  # the loss exploded: stop it as a pruned trial (its last accuracy is kept)
            raise optuna.TrialPruned()
        return out["val_acc"]

    return objective


def _study(cfg: dict, name: str, storage, seed: int, attempts: int = 20):
    """Create or join the study; workers starting together may race to create the database's tables."""
    optuna = _optuna()
    for attempt in range(attempts):
        try:
            return optuna.create_study(study_name=name, storage=storage, direction="maximize", load_if_exists=True,
                                       sampler=_sampler(cfg, seed), pruner=_pruner(cfg))
        except Exception as exc:  # sqlalchemy's IntegrityError / OperationalError while another worker creates
            racing = type(exc).__name__ in ("IntegrityError", "OperationalError")  # tables, version row, lock
            if storage is None or attempt == attempts - 1 or not racing:
                raise
            time.sleep(0.2 * (attempt + 1))


def _finished(study) -> int:
    return sum(t.state.name in FINISHED for t in study.get_trials(deepcopy=False))


def _work(args) -> None:
    """One worker process (or this process): run trials until the stage's study has enough finished ones.

    Workers of a shared study differ by host and process id, which also seeds their samplers apart.
    """
    import os
    import socket

    cfg, name, storage, space, model_cfg, solver_cfg, _, data = args
    if data is not None:
        set_data(data)
    optuna = _optuna()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    study = _study(cfg, name, storage, seed=cfg["seed"] * 1000 + os.getpid() % 1000)
    states = tuple(getattr(optuna.trial.TrialState, s) for s in FINISHED)
    stop = optuna.study.MaxTrialsCallback(cfg["trials"], states=states)
    if _finished(study) < cfg["trials"]:
        study.optimize(_objective(cfg, space, model_cfg, solver_cfg, worker), n_trials=cfg["trials"],
                       callbacks=[stop], catch=(Exception,))


def _wait_for_others(study, timeout_s: float = 3600) -> None:
    """A shared study's stage is over when no trial is still running anywhere."""
    end = time.monotonic() + timeout_s
    while any(t.state.name == "RUNNING" for t in study.get_trials(deepcopy=False)) and time.monotonic() < end:
        time.sleep(0.5)


def _record(t, stage: int) -> dict:
    """A finished Optuna trial as a search record."""
    last = max(t.intermediate_values.items())[1] if t.intermediate_values else float("nan")
    val = t.value if t.value is not None else last
    return {
        "stage": stage, "trial": t.number, "lr": t.params.get("lr"), "reg": t.params.get("reg"),
        "val_acc": float(val) if val is not None else float("nan"), "train_acc": t.user_attrs.get("train_acc"),
        "aborted": t.state.name != "COMPLETE", "state": t.state.name.lower(),
        "seconds": t.user_attrs.get("seconds"), "worker": t.user_attrs.get("worker"),
    }


def run_stages(cfg: dict, data: dict, model_cfg: dict, solver_cfg: dict, local_db: str | None,
               on_trial=None) -> SearchResult:
    """Every stage: a study run by the chosen workers, its finished trials, the narrowed ranges."""
    space = {"lr": Param(*cfg["lr_range"]), "reg": Param(*cfg["reg_range"])}
    result = SearchResult()
    base = cfg["study"] or "visrec-search"
    storage = cfg["storage"] or local_db
    memory = storage is None
    set_data(data)
    for stage in range(cfg["stages"]):
        name = base if stage == 0 else f"{base}-stage{stage}"
        jobs = cfg["jobs"] if cfg["storage"] is None else 1
        if memory:
            study = _study(cfg, name, None, seed=cfg["seed"] * 1000)
            study.optimize(_objective(cfg, space, model_cfg, solver_cfg, 0), n_trials=cfg["trials"],
                           catch=(Exception,))
        else:
            _study(cfg, name, storage, seed=cfg["seed"] * 1000)  # create it once, before the workers join
            tasks = [(cfg, name, storage, space, model_cfg, solver_cfg, w, data if jobs > 1 else None)
                     for w in range(jobs)]
            if jobs > 1:
                with ProcessPoolExecutor(jobs) as pool:
                    list(pool.map(_work, tasks))
            else:
                _work(tasks[0])
            study = _study(cfg, name, storage, seed=0)
            _wait_for_others(study)
        study.set_user_attr("ranges", {k: [p.lo, p.hi] for k, p in space.items()})
        finished = sorted((t for t in study.get_trials(deepcopy=False) if t.state.name in FINISHED),
                          key=lambda t: t.number)
        records = [_record(t, stage) for t in finished]
        for r in records:
            result.trials.append(r)
            if on_trial is not None:
                on_trial(r)
        result.stages.append({k: [p.lo, p.hi, p.scale] for k, p in space.items()})
        good = sorted([r for r in records if not r["aborted"]], key=lambda r: r["val_acc"], reverse=True)
        if stage < cfg["stages"] - 1 and good:
            space = narrow(space, good[: cfg["top_k"]])
    if result.trials and any(not t["aborted"] for t in result.trials):
        result.edge_warnings = edge_warnings({"lr": Param(*cfg["lr_range"]), "reg": Param(*cfg["reg_range"])},
                                             result.best)
    return result


def run_search(cfg):
    """`visrec search`: load and split the data, run the stages, write the run directory. -> (RunDir, result)."""
    import numpy as np

    from visrec.data.run_data import load_splits
    from visrec.numpy_nn.persist import InputTransform
    from visrec.runs import RunDir
    from visrec.search.records import write_results

    splits = load_splits(cfg)
    tf = InputTransform("image", "std", "flat").fit(splits.train.images)
    data = {"X_train": tf.transform(splits.train.images).astype(np.float32), "y_train": splits.train.labels,
            "X_val": tf.transform(splits.val.images).astype(np.float32), "y_val": splits.val.labels}
    model_cfg = {"name": cfg.model, "input_dim": data["X_train"].shape[1], "num_classes": splits.train.num_classes,
                 "dtype": "float32"}
    model_cfg.update({"hidden_dim": cfg.hidden[0], "weight_scale": 1e-3} if cfg.model == "twolayer"
                     else {"hidden_dims": list(cfg.hidden)})
    solver_cfg = {"num_epochs": cfg.epochs, "batch_size": cfg.batch_size, "optimizer": cfg.optimizer}
    run = RunDir.open(cfg, "search")
    run.write_config(cfg, data_fingerprint=splits.fingerprint, extra={"splits": splits.info})
    local_db = f"sqlite:///{(run.path / 'search.db').resolve()}" if cfg.jobs > 1 and not cfg.storage else None
    result = run_stages(cfg.to_dict(), data, model_cfg, solver_cfg, local_db,
                        on_trial=lambda t: run.append_history({"step": len(run.history()) + 1, **t}))
    write_results(run, result)
    return run, result
