"""Everything the trainer writes: config, history, TensorBoard, checkpoints, final model, metrics, plots.

TensorBoard (``--tensorboard``, through :mod:`visrec.runs.tensorboard`): each epoch's numbers at its optimiser
step, the update/parameter ratio ||new - old|| / ||old|| of every weight on the first step of each epoch,
and at the end the first layer's filters and a validation batch framed by right/wrong predictions.

Only the main process (rank 0) touches the disk; every rank keeps the best weights in memory so all of
them can evaluate the final model on the test set.
"""

from __future__ import annotations

import copy
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
        self.probe: UpdateRatioProbe | None = None
        self.preview = None
        if is_main:
            if not resumed:
                self.run = RunDir.create(cfg.out, "train", overwrite=cfg.overwrite)
            if cfg.tensorboard:
                from visrec.runs.tensorboard import open_writer

                self.tb = open_writer(self.path / "tensorboard")

    def watch(self, optimizer, model: nn.Module, val_ds, pipeline, device) -> None:
        """With TensorBoard on: measure update ratios on ``optimizer``; keep a validation batch to preview."""
        if self.tb is None:
            return
        self.probe = UpdateRatioProbe(optimizer, model)
        self.preview = (val_ds.images[:32], val_ds.labels[:32], pipeline, device)

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
            self.tb.scalars(record, step=record["step"])
            if self.probe is not None and self.probe.ratios:
                self.tb.scalars(self.probe.ratios, step=self.probe.step, prefix="update_ratio/")
                self.probe.arm()
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
            _tensorboard_images(self.tb, final, self.preview, model_meta.get("input_shape"),
                                history[-1]["step"] if history else 0)
            self.tb.close()
        if len(history) >= 1:
            _plots(history, self.run.plots)


class UpdateRatioProbe:
    """||update|| / ||weight|| of every weight (ndim >= 2) on one optimiser step after each :meth:`arm`.

    Registered as optimiser step hooks, so the loop is untouched; a healthy ratio is around 1e-3.
    """

    def __init__(self, optimizer, model: nn.Module):
        self.names = {id(p): n for n, p in model.named_parameters() if p.ndim >= 2}
        self.ratios: dict[str, float] = {}
        self.steps = 0
        self.step = 0
        self._before: dict[int, torch.Tensor] | None = None
        self._armed = True
        optimizer.register_step_pre_hook(self._pre)
        optimizer.register_step_post_hook(self._post)

    def arm(self) -> None:
        self._armed, self.ratios = True, {}

    def _params(self, optimizer):
        return [p for g in optimizer.param_groups for p in g["params"] if id(p) in self.names]

    def _pre(self, optimizer, args, kwargs) -> None:
        if self._armed:
            self._before = {id(p): p.detach().clone() for p in self._params(optimizer)}

    def _post(self, optimizer, args, kwargs) -> None:
        self.steps += 1
        if self._before is None:
            return
        ratios = {}
        for p in self._params(optimizer):
            old = self._before[id(p)].float()
            ratios[self.names[id(p)]] = float((p.detach().float() - old).norm() / old.norm().clamp_min(1e-12))
        self.ratios, self.step, self._before, self._armed = ratios, self.steps, None, False


@torch.no_grad()
def _tensorboard_images(tb, model: nn.Module, preview, input_shape, step: int) -> None:
    """The first layer's filters (conv) or templates (linear on raw pixels) and a predicted batch."""
    from visrec.runs.tensorboard import filter_images, prediction_grid, tile

    first = next((m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)), None)
    if first is not None:
        weight = first.weight.detach().float().cpu().numpy()
        filters = filter_images(weight, input_shape, order="chw")
        if filters is not None:
            tb.image("first_layer", tile(filters), step)
    if preview is not None:
        images, labels, pipeline, device = preview
        x = pipeline.eval(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous().to(device))
        model.eval()
        pred = model(x).argmax(1).cpu().numpy()
        tb.image("val_predictions", prediction_grid(images, labels, pred), step)
    tb.flush()


def _plots(history: list[dict], folder: Path) -> None:
    from visrec.report.curves import accuracy_curves, loss_curve

    loss_curve([r["train_loss"] for r in history], folder / "loss.png", xlabel="epoch", window=1)
    evaluated = [r for r in history if "val_acc" in r]  # --eval-every N evaluates every N-th epoch
    if evaluated:
        accuracy_curves([r["train_acc"] for r in evaluated], [r["val_acc"] for r in evaluated],
                        folder / "accuracy.png")
