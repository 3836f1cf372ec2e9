"""Solver: the minibatch training loop of Lectures 3 and 6-7, with the babysitting habits of Lecture 6.

>>> # solver = Solver(model, {"X_train": X, "y_train": y, "X_val": Xv, "y_val": yv},
>>> #                 optimizer="adam", lr=1e-3, num_epochs=10, checkpoint_dir="runs/x/checkpoints")
>>> # history = solver.train()

What it does, in order (L5655-5661, L6441-6996, L8057):

1. reports the loss at initialization beside log(K) (2.30 for 10 classes, L6471);
2. runs epochs of shuffled minibatches; each epoch sets the learning rate from the schedule;
3. stops with ``TrainingDiverged`` when the loss becomes NaN/inf ("lr too high", L6690), keeping the
   last good checkpoints on disk; ``abort_factor`` stops quietly when the loss exceeds that multiple of
   the initial loss (the search's "cost > 3x original", L6842);
4. after each epoch: train accuracy on a sample, validation accuracy, the per-parameter
   ||update|| / ||param|| ratio (want ~1e-3, L6986-6996), best-validation parameters (early stopping
   with ``patience``), and checkpoints ``last`` and ``best`` written atomically;
5. prints the slides' line "Finished epoch e / E: cost c, train: a, val: v, lr l" (L6579);
6. ends with the best-validation parameters in the model (``restore_best``).

Resuming from ``last`` (``Solver.resume``) restores params, batch-norm statistics, optimizer state, both
random generators and all counters, so an interrupted run continues bit for bit as if never stopped.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from visrec.numpy_nn import checkpoint as ckpt
from visrec.numpy_nn.ema import EMA
from visrec.numpy_nn.optim import Optimizer, clip_grad_norm
from visrec.numpy_nn.schedules import make_schedule
from visrec.utils.errors import TrainingDiverged
from visrec.utils.progress import track
from visrec.utils.validation import check_int


class Solver:
    """Train ``model`` (the ``loss(X, y=None)`` + ``params`` contract) on ``data``.

    Parameters
    ----------
    data : dict with X_train (N, ...), y_train (N,), X_val, y_val
    optimizer : rule name (sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw) or an ``Optimizer``
    lr : base learning rate; lr_schedule : schedule config / name (see ``schedules.make_schedule``)
    optim_config : extra hyperparameters of the rule (rho, beta1, ...)
    batch_size, num_epochs : the usual; num_train_samples : train-accuracy sample size per epoch
    num_val_samples : validation subsample (None: all)
    patience : stop after this many epochs without a better validation accuracy (None: never)
    clip_norm : clip the global gradient norm (None: no clipping); ema_decay : Polyak averaging of the
        weights for evaluation (e.g. 0.995; None: off)
    abort_factor : stop (``self.aborted``) when a minibatch loss exceeds this multiple of the initial loss
    checkpoint_dir : where ``last.safetensors`` / ``best.safetensors`` go (None: no checkpoints)
    checkpointer : callable(name, arrays, meta) writing checkpoint ``name`` ("last" / "best") instead of
        the files in ``checkpoint_dir`` (``numpy_nn.train`` passes ``RunDir.save_checkpoint``)
    max_seconds : wall-clock budget of one ``train`` call; the current epoch is cut short and evaluated
    should_stop : callable() -> bool checked after every step (Ctrl-C, a budget); when it says True the
        epoch is cut short, evaluated and checkpointed, and training stops
    on_step : callable(iteration, loss) after every step (a progress bar, a NaN guard)
    on_epoch : callable(record) after each epoch (the trainer appends it to history.jsonl)
    show_progress : draw a per-epoch progress bar (off when the caller shows its own)
    """

    def __init__(
        self,
        model,
        data: dict,
        *,
        optimizer="sgd",
        lr: float = 1e-3,
        lr_schedule=None,
        optim_config: dict | None = None,
        batch_size: int = 100,
        num_epochs: int = 10,
        num_train_samples: int = 1000,
        num_val_samples: int | None = None,
        patience: int | None = None,
        clip_norm: float | None = None,
        ema_decay: float | None = None,
        abort_factor: float | None = None,
        checkpoint_dir: str | Path | None = None,
        checkpointer=None,
        max_seconds: float | None = None,
        should_stop=None,
        restore_best: bool = True,
        seed: int = 0,
        verbose: bool = True,
        print_every: int = 100,
        on_step=None,
        on_epoch=None,
        show_progress: bool = True,
        log=print,
    ):
        self.model = model
        for key in ("X_train", "y_train", "X_val", "y_val"):
            if key not in data:
                raise ValueError(f"Solver data must hold X_train, y_train, X_val, y_val; {key!r} is missing.")
        self.X_train, self.y_train = data["X_train"], np.asarray(data["y_train"])
        self.X_val, self.y_val = data["X_val"], np.asarray(data["y_val"])
        if len(self.X_train) != len(self.y_train) or len(self.X_val) != len(self.y_val):
            raise ValueError(
                f"X and y lengths differ: train {len(self.X_train)} vs {len(self.y_train)}, "
                f"val {len(self.X_val)} vs {len(self.y_val)}."
            )
        self.optimizer = (
            optimizer
            if isinstance(optimizer, Optimizer)
            else Optimizer(optimizer, lr, **(optim_config or {}))
        )
        self.schedule = lr_schedule if hasattr(lr_schedule, "lr") else make_schedule(lr_schedule, lr=lr)
        self.batch_size = check_int("batch_size", batch_size, low=1, owner="Solver")
        self.num_epochs = check_int("num_epochs", num_epochs, low=1, owner="Solver")
        self.num_train_samples, self.num_val_samples = num_train_samples, num_val_samples
        self.patience, self.clip_norm, self.abort_factor = patience, clip_norm, abort_factor
        self.ema = EMA(model.params, ema_decay) if ema_decay else None
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else None
        self.checkpointer = checkpointer
        self.max_seconds, self.should_stop, self.restore_best = max_seconds, should_stop, restore_best
        self.verbose, self.print_every, self.on_epoch, self.log = verbose, print_every, on_epoch, log
        self.on_step, self.show_progress = on_step, show_progress
        self.rng = np.random.default_rng(seed)
        # counters and histories (all saved in checkpoints)
        self.epoch = 0
        self.iteration = 0
        self.initial_loss: float | None = None
        self.best_val_acc = -1.0
        self.best_epoch = -1
        self.bad_epochs = 0
        self.elapsed = 0.0
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        self.history: list[dict] = []
        self.best_params = {k: v.copy() for k, v in model.params.items()}
        self.aborted = False
        self.stop_reason = ""

    # ------------------------------------------------------------------------------------------------
    def check_accuracy(self, X, y, num_samples=None, batch_size: int = 500) -> float:
        """Accuracy of the model (test mode) on ``X``, or on a random sample of ``num_samples`` rows."""
        if num_samples is not None and len(X) > num_samples:
            idx = self.rng.choice(len(X), num_samples, replace=False)
            X, y = X[idx], y[idx]
        if len(X) == 0:
            return float("nan")
        return float(np.mean(self.model.predict(X, batch_size) == y))

    def _report_initial_loss(self) -> None:
        n = min(self.batch_size, len(self.X_train))
        loss, _ = self.model.loss(self.X_train[:n], self.y_train[:n])
        self.initial_loss = float(loss)
        k = int(self.y_train.max()) + 1 if len(self.y_train) else 1
        k = max(k, getattr(self.model, "_kwargs", {}).get("num_classes", k))
        if self.verbose:
            self.log(
                f"loss at initialization: {loss:.4f} (log(K) = {math.log(k):.4f} for K={k} classes "
                f"with small weights and no regularization)"
            )

    def _diverged(self, loss: float, it: int) -> None:
        kept = (
            " The last good checkpoints are kept in " + str(self.checkpoint_dir)
            if self.checkpoint_dir
            else ""
        )
        raise TrainingDiverged(
            f"loss became {loss} at iteration {it}, epoch {self.epoch + 1}; the learning rate "
            f"({self.optimizer.lr:g}) is likely too high: try 10x smaller.{kept}"
        )

    def _step(self, Xb, yb, measure_ratio: bool) -> float:
        loss, grads = self.model.loss(Xb, yb)
        if not math.isfinite(loss):
            self._diverged(loss, self.iteration)
        if self.clip_norm:
            clip_grad_norm(grads, self.clip_norm)
        before = {k: v.copy() for k, v in self.model.params.items()} if measure_ratio else None
        self.optimizer.step(self.model.params, grads)
        if before is not None:
            self._ratios = {
                k: float(
                    np.linalg.norm(self.model.params[k] - before[k]) / (np.linalg.norm(before[k]) + 1e-12)
                )
                for k in before
            }
        if self.ema is not None:
            self.ema.update(self.model.params)
        return float(loss)

    def train(self, stop_after_epoch: int | None = None) -> list[dict]:
        """Run the remaining epochs (up to ``stop_after_epoch`` if given); return the per-epoch history."""
        N = len(self.X_train)
        per_epoch = max(N // self.batch_size, 1)
        start = time.perf_counter() - self.elapsed  # elapsed counts earlier (resumed) sessions too
        call_start = time.perf_counter()  # max_seconds budgets this call only
        if self.initial_loss is None:
            self._report_initial_loss()
        last_epoch = self.num_epochs if stop_after_epoch is None else min(self.num_epochs, stop_after_epoch)
        while self.epoch < last_epoch:
            lr = self.optimizer.lr = self.schedule.lr(self.epoch)
            perm = self.rng.permutation(N)
            self._ratios, losses, cut = {}, [], False
            batches = range(per_epoch)
            if self.show_progress:
                batches = track(batches, f"epoch {self.epoch + 1}/{self.num_epochs}")
            for b in batches:
                idx = perm[b * self.batch_size : (b + 1) * self.batch_size]
                loss = self._step(self.X_train[idx], self.y_train[idx], measure_ratio=(b == per_epoch - 1))
                self.iteration += 1
                losses.append(loss)
                self.loss_history.append(loss)
                if self.on_step is not None:
                    self.on_step(self.iteration, loss)
                if self.verbose and self.print_every and self.iteration % self.print_every == 0:
                    self.log(f"(Iteration {self.iteration} / {per_epoch * self.num_epochs}) loss: {loss:.6f}")
                if self.abort_factor and self.initial_loss and loss > self.abort_factor * self.initial_loss:
                    self.aborted, self.stop_reason = True, f"loss {loss:.3g} > {self.abort_factor}x initial"
                    break
                if self.max_seconds is not None and time.perf_counter() - call_start > self.max_seconds:
                    cut, self.stop_reason = True, f"time budget of {self.max_seconds:.0f} s used up"
                    break
                if self.should_stop is not None and self.should_stop():
                    cut, self.stop_reason = True, "stopped by the caller (interrupt or budget)"
                    break
            if self.aborted:
                break
            self.epoch += 1
            self.elapsed = time.perf_counter() - start
            self._end_epoch(float(np.mean(losses)), lr, partial=cut)
            if cut or self._patience_exhausted():
                break
        if self.restore_best and self.best_epoch >= 0:
            for k, v in self.best_params.items():
                self.model.params[k][...] = v
        return self.history

    def _patience_exhausted(self) -> bool:
        if self.patience is not None and self.bad_epochs >= self.patience:
            self.stop_reason = f"early stopping: no better val accuracy for {self.patience} epochs"
            if self.verbose:
                self.log(self.stop_reason)
            return True
        return False

    def _end_epoch(self, mean_loss: float, lr: float, partial: bool) -> None:
        saved = self.ema.swap_into(self.model.params) if self.ema is not None else None
        train_acc = self.check_accuracy(self.X_train, self.y_train, self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, self.num_val_samples)
        if saved is not None:
            eval_params = {k: v.copy() for k, v in self.model.params.items()}
            for k, v in saved.items():
                self.model.params[k][...] = v
        else:
            eval_params = self.model.params
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        improved = val_acc > self.best_val_acc
        if improved:
            self.best_val_acc, self.best_epoch, self.bad_epochs = val_acc, self.epoch, 0
            self.best_params = {k: v.copy() for k, v in eval_params.items()}
        else:
            self.bad_epochs += 1
        record = {
            "epoch": self.epoch,
            "iteration": self.iteration,
            "loss": mean_loss,
            "train_acc": train_acc,
            "val_acc": val_acc,
            "lr": lr,
            "time_s": round(self.elapsed, 3),
            "partial_epoch": partial,
            "update_ratio": self._ratios,
        }
        self.history.append(record)
        if self.checkpointer is not None:
            self.checkpointer("last", *self.state())
            if improved:
                self.checkpointer("best", *self.state(best_only=True))
        elif self.checkpoint_dir is not None:
            self.save(self.checkpoint_dir / "last.safetensors")
            if improved:
                self.save(self.checkpoint_dir / "best.safetensors", best_only=True)
        if self.verbose:
            self.log(
                f"Finished epoch {self.epoch} / {self.num_epochs}: cost {mean_loss:.6f}, "
                f"train: {train_acc:.3f}, val: {val_acc:.3f}, lr {lr:e}"
            )
        if self.on_epoch is not None:
            self.on_epoch(record)

    # -- checkpoints ------------------------------------------------------------------------------------
    def save(self, path: str | Path, best_only: bool = False) -> Path:
        """Write a checkpoint (``best_only``: just the best params and counters, for reloading a model)."""
        return ckpt.save_checkpoint(path, *self.state(best_only))

    def state(self, best_only: bool = False) -> tuple[dict[str, np.ndarray], dict]:
        """``(arrays, meta)`` of a checkpoint: everything :meth:`load_state` needs to continue exactly.

        ``best_only`` gives the best-validation params (``params/<name>``) and their epoch only.
        """
        if best_only:
            arrays = ckpt.with_prefix(self.best_params, "params")
            meta = {"epoch": self.best_epoch, "best_val_acc": self.best_val_acc, "model": self.model.config()}
            return arrays, meta
        opt_arrays, opt_scalars = self.optimizer.state_arrays()
        arrays = {
            **ckpt.with_prefix(self.model.state_arrays(), "params"),
            **ckpt.with_prefix(opt_arrays, "optim"),
            **ckpt.with_prefix(self.best_params, "best"),
        }
        if self.ema is not None:
            arrays.update(ckpt.with_prefix(self.ema.params, "ema"))
        meta = {
            "epoch": self.epoch,
            "iteration": self.iteration,
            "initial_loss": self.initial_loss,
            "best_val_acc": self.best_val_acc,
            "best_epoch": self.best_epoch,
            "bad_epochs": self.bad_epochs,
            "elapsed": self.elapsed,
            "optim_scalars": opt_scalars,
            "optimizer": self.optimizer.config(),
            "rng": self.rng.bit_generator.state,
            "model_rng": self.model.rng.bit_generator.state,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
            "history": self.history,
            "model": self.model.config(),
        }
        return arrays, meta

    def resume(self, path: str | Path) -> Solver:
        """Restore everything from a ``last`` checkpoint written by :meth:`save`; returns self."""
        arrays, meta = ckpt.load_checkpoint(path)
        return self.load_state(arrays, meta, source=str(path))

    def load_state(self, arrays: dict[str, np.ndarray], meta: dict, source: str = "the checkpoint") -> Solver:
        """Restore params, optimizer state, counters, histories and both generators from :meth:`state`."""
        if "iteration" not in meta:
            raise ValueError(f"{source} is a best-params checkpoint; resume from checkpoints/last.")
        self.model.load_state_arrays(ckpt.split_prefix(arrays, "params"))
        self.optimizer.load_state_arrays(ckpt.split_prefix(arrays, "optim"), meta["optim_scalars"])
        self.best_params = ckpt.split_prefix(arrays, "best")
        if self.ema is not None:
            self.ema.params = ckpt.split_prefix(arrays, "ema")
        for key in (
            "epoch",
            "iteration",
            "initial_loss",
            "best_val_acc",
            "best_epoch",
            "bad_epochs",
            "elapsed",
            "loss_history",
            "train_acc_history",
            "val_acc_history",
            "history",
        ):
            setattr(self, key, meta[key])
        self.rng.bit_generator.state = meta["rng"]
        self.model.rng.bit_generator.state = meta["model_rng"]
        return self
