"""Everything the trainer writes: config, history, TensorBoard, checkpoints, final model, metrics, plots.

Only the main process (rank 0) touches the disk; every rank keeps the best weights in memory so all of
them can evaluate the final model on the test set.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import torch
from torch import nn

from visrec.runs import RunDir
from visrec.torch_nn.checkpoint import load_checkpoint, save_checkpoint
from visrec.torch_nn.predictor import save_model

__all__ = ["RunLogger"]


class RunLogger:
    def __init__(self, cfg, is_main: bool, resumed: bool = False):
        self.cfg = cfg
        self.is_main = is_main
        self.run = RunDir(cfg.out)  # resolved by the trainer (the resumed folder, or a new --out)
        self.path = self.run.path
        self.best_state: dict[str, torch.Tensor] | None = None
        self.tb = None
        if is_main:
            if not resumed:
                self.run = RunDir.create(cfg.out, "train", overwrite=cfg.overwrite)
            if cfg.tensorboard:
                self.tb = _tensorboard(self.path / "tensorboard")

    # ------------------------------------------------------------------ start
    def write_config(self, cfg, splits) -> None:
        if not self.is_main:
            return
        self.run.write_config(cfg, data_fingerprint=splits.fingerprint, extra={"splits": splits.info})

    def reset_history(self) -> None:
        """A fresh run in an existing folder starts a new history.jsonl."""
        hist = self.path / "history.jsonl"
        if self.is_main and hist.exists():
            hist.unlink()

    def restore_history(self, history: list[dict]) -> None:
        """On resume: rewrite history.jsonl from the checkpoint; reload the best weights."""
        best = self.path / "checkpoints" / "best"
        if best.with_suffix(".json").is_file():
            tensors, _ = load_checkpoint(best)
            prefix = "ema/" if any(k.startswith("ema/") for k in tensors) else "model/"
            self.best_state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        if self.is_main:
            hist = self.path / "history.jsonl"
            if hist.exists():
                hist.unlink()
            for record in history:
                self.run.append_history(record)

    # ------------------------------------------------------------------ per epoch
    def epoch(self, record: dict, model: nn.Module, optimizer, ema, meta: dict, improved: bool,
              checkpoint: bool = True) -> None:
        """Record one epoch; write the checkpoints when ``checkpoint`` (the epochs that were evaluated)."""
        if improved:
            source = ema.module if ema is not None else model
            self.best_state = {k: v.detach().clone() for k, v in source.state_dict().items()}
        if not self.is_main:
            return
        self.run.append_history(record)
        if self.tb is not None:
            for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "images_per_s"):
                if key in record:
                    self.tb.add_scalar(key, record[key], record["epoch"])
            self.tb.flush()
        ckpt = self.run.checkpoints
        if checkpoint:
            save_checkpoint(ckpt / "last", model, optimizer, ema, meta)
        if improved:
            save_checkpoint(ckpt / "best", model, optimizer, ema, meta)
        if self.cfg.progress:
            val = f"  val {record['val_acc']:.4f}" if "val_acc" in record else ""
            print(
                f"epoch {record['epoch']:3d}  loss {record['train_loss']:.4f}  train {record['train_acc']:.4f}"
                f"{val}  lr {record['lr']:.3g}  {record['images_per_s']:.0f} img/s",
                flush=True,
            )

    # ------------------------------------------------------------------ end
    def best_model(self, model: nn.Module, ema=None) -> nn.Module:
        """A copy of the model holding the best epoch's weights (the EMA ones when EMA is on)."""
        final = copy.deepcopy(ema.module if ema is not None else model)
        if self.best_state is not None:
            final.load_state_dict(self.best_state)
        return final.eval()

    def finish(
        self,
        model,
        model_meta: dict,
        best: dict,
        history: list[dict],
        status: str,
        test_acc=None,
        ema=None,
        seconds: float | None = None,
        extra: dict | None = None,
    ) -> None:
        if not self.is_main:
            return
        final = self.best_model(model, ema)
        save_model(self.path, final, {**model_meta, "best_epoch": best["epoch"], "val_acc": best["val_acc"]})
        metrics = {
            "status": status,
            "best_epoch": best["epoch"],
            "best_val_acc": best["val_acc"],
            "epochs_run": len(history),
            "test_acc": test_acc,
            "seconds": seconds,
        }
        if history:
            last = history[-1]
            metrics.update({k: last[k] for k in ("train_acc", "val_acc", "train_loss", "val_loss") if k in last})
            metrics["images_per_s"] = sum(r["images_per_s"] for r in history) / len(history)
        self.run.write_metrics({**metrics, **(extra or {})})
        if self.tb is not None:
            self.tb.close()
        if len(history) >= 1:
            _plots(history, self.run.plots)


def _tensorboard(folder: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        warnings.warn(
            "--tensorboard needs the 'tensorboard' package (pip install visrec[tensorboard]); "
            "logging to history.jsonl only.",
            stacklevel=3,
        )
        return None
    return SummaryWriter(str(folder))


def _plots(history: list[dict], folder: Path) -> None:
    from visrec.report.curves import accuracy_curves, loss_curve

    loss_curve([r["train_loss"] for r in history], folder / "loss.png", xlabel="epoch", window=1)
    evaluated = [r for r in history if "val_acc" in r]  # --eval-every N evaluates every N-th epoch
    if evaluated:
        accuracy_curves([r["train_acc"] for r in evaluated], [r["val_acc"] for r in evaluated],
                        folder / "accuracy.png")
