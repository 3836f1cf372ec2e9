"""Train the Recurrent Attention Model on MNIST digits (the t10k file, split with a seed).

``train_ram(RAMConfig(data="../shared/data/mnist-t10k", epochs=30))`` writes a run directory:
config.json (seed, split sizes), history.jsonl (per epoch: train loss, reward, val accuracy),
checkpoints/last (exact resume), model.safetensors + model.json (kind "ram"), metrics.json (test accuracy,
glimpses), plots/learning_curve.png and plots/glimpse_paths.png.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from visrec.rl.common.checkpoint import pack_training_state, unpack_training_state
from visrec.rl.ram.model import RecurrentAttention, ram_loss
from visrec.runs import TrainRunConfig, TrainSession
from visrec.utils.errors import DataError, ParameterError

__all__ = ["RAMConfig", "train_ram", "load_mnist_split", "evaluate_ram"]


@dataclass
class RAMConfig(TrainRunConfig):
    """RAM settings; defaults after Mnih et al. (2014) on 28x28 MNIST (6 glimpses of 8x8)."""

    kind: ClassVar[str] = "ram"
    engine: ClassVar[str] = "torch"
    data: str = "../shared/data/mnist-t10k"
    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3
    glimpses: int = 6
    patch: int = 8
    scales: int = 2
    hidden: int = 256
    std: float = 0.15
    train_size: int = 8000
    test_size: int = 1000
    eval_samples: int = 1
    learn_locations: bool = True  # False: random glimpse locations (ablation)

    def validate(self) -> None:
        super().validate()
        for name in ("glimpses", "patch", "scales", "hidden", "train_size", "test_size", "eval_samples"):
            self.check("int", name, low=1)
        self.check("float", "std", low=0.0, closed="neither")


def load_mnist_split(cfg: RAMConfig):
    """(train, val, test) pairs of float images (N, 1, 28, 28) in [0, 1] and labels (N,), seeded.

    Default on the t10k file: 8,000 / 1,000 / 1,000 (validation = what train and test leave).
    """
    from visrec.data.mnist import load_mnist

    try:
        ds = load_mnist(cfg.data, split="test")
    except FileNotFoundError as exc:
        raise DataError(f"--data {cfg.data}: no MNIST IDX files there ({exc}).") from None
    n = len(ds.labels)
    val = cfg.val_size if cfg.val_size is not None else n - cfg.train_size - cfg.test_size
    if val < 0 or cfg.train_size + val + cfg.test_size > n:
        raise ParameterError(f"--train-size {cfg.train_size} + --val-size {val} + --test-size "
                             f"{cfg.test_size} exceed the {n} images of --data {cfg.data}; lower them.")
    perm = np.random.default_rng(cfg.seed).permutation(n)
    x = torch.as_tensor(ds.images[perm]).permute(0, 3, 1, 2).float() / 255.0  # (N, 1, 28, 28)
    y = torch.as_tensor(ds.labels[perm])
    a, b = cfg.train_size, cfg.train_size + val
    if cfg.limit:
        a = min(a, cfg.limit * 10)
    return (x[:a], y[:a]), (x[cfg.train_size:b], y[cfg.train_size:b]), (x[b:b + cfg.test_size],
                                                                         y[b:b + cfg.test_size])


@torch.no_grad()
def evaluate_ram(model: RecurrentAttention, x, y, samples: int = 1, batch: int = 500) -> float:
    model.eval()
    correct = sum(int((model.predict(x[i:i + batch], samples) == y[i:i + batch]).sum())
                  for i in range(0, len(y), batch))
    model.train()
    return correct / max(len(y), 1)


def _build(cfg: RAMConfig) -> RecurrentAttention:
    return RecurrentAttention(10, 1, cfg.patch, cfg.scales, cfg.glimpses, cfg.hidden, cfg.std,
                              cfg.learn_locations)


def train_ram(cfg: RAMConfig) -> dict:
    """Train, evaluate on the held-out digits, save figures; returns metrics.json's content."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    (xtr, ytr), (xva, yva), (xte, yte) = load_mnist_split(cfg)
    model = _build(cfg)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    per_epoch = -(-len(ytr) // cfg.batch_size)
    with TrainSession(cfg, command="ram train", total_steps=cfg.epochs * per_epoch) as s:
        start, best = 0, 0.0
        if s.resumed:
            tensors, meta = s.run.load_checkpoint("last")
            unpack_training_state(tensors, meta, {"model": model}, {"optimizer": optimizer})
            start, best = int(meta["step"]), float(meta["best_val_acc"])
            s.run.rewrite_history([r for r in s.run.history() if r["step"] <= start])
        t0, sums = time.perf_counter(), {"loss": 0.0, "reward": 0.0, "n": 0}
        perm = None
        for step in s.steps(start):
            epoch, i = divmod(step, per_epoch)
            if perm is None or i == 0:  # one permutation per epoch, drawn from the torch RNG
                g = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
                perm = torch.randperm(len(ytr), generator=g)
            idx = perm[i * cfg.batch_size:(i + 1) * cfg.batch_size]
            out = model(xtr[idx])
            loss, parts = ram_loss(out, ytr[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            s.log(loss=float(loss.detach()))
            sums["loss"] += float(loss.detach())
            sums["reward"] += parts["reward"]
            sums["n"] += 1
            if i == per_epoch - 1:
                val_acc = evaluate_ram(model, xva, yva, cfg.eval_samples) if len(yva) else float("nan")
                best = max(best, val_acc) if val_acc == val_acc else best
                n = max(sums["n"], 1)
                s.record(epoch=epoch + 1, train_loss=sums["loss"] / n, train_reward=sums["reward"] / n,
                         val_acc=val_acc, images_per_s=n * cfg.batch_size / (time.perf_counter() - t0))
                t0, sums = time.perf_counter(), {"loss": 0.0, "reward": 0.0, "n": 0}
                tensors, meta = pack_training_state({"model": model}, {"optimizer": optimizer})
                s.run.save_checkpoint("last", tensors, {**meta, "step": step + 1, "best_val_acc": best})
        test_acc = evaluate_ram(model, xte, yte, cfg.eval_samples)
        s.run.save_model({k: v.numpy() for k, v in model.state_dict().items()},
                         {"kind": "ram", "config": cfg.to_dict(), "test_acc": test_acc})
        from visrec.rl.ram.figures import plot_glimpse_paths, plot_ram_history

        plot_glimpse_paths(model, xte[:8], yte[:8], s.run.plots / "glimpse_paths.png", cfg.patch, cfg.scales)
        plot_ram_history(s.run.history(), s.run.plots / "learning_curve.png")
        return s.finish({"test_acc": test_acc, "val_acc_best": best, "glimpses": cfg.glimpses,
                         "train_size": len(ytr), "val_size": len(yva), "test_size": len(yte),
                         "run_dir": str(s.run.path)})


def load_ram(run_dir) -> tuple[RecurrentAttention, RAMConfig]:
    """The trained model of a ``visrec ram train`` run."""
    from visrec.runs import load_model

    tensors, meta = load_model(run_dir)
    cfg = RAMConfig.from_dict({k: v for k, v in meta["config"].items()
                               if k not in ("resume", "out", "overwrite")})
    model = _build(cfg)
    model.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in tensors.items()})
    return model, cfg


class RAMPredictor:
    """The ``Predictor`` protocol for a RAM run: ``predict_proba(images uint8 (N, H, W, C)) -> (N, 10)``."""

    def __init__(self, model: RecurrentAttention):
        self.model = model.eval()
        self.class_names = [str(k) for k in range(10)]

    def predict_proba(self, images) -> np.ndarray:
        x = torch.as_tensor(np.asarray(images, dtype=np.float32)).permute(0, 3, 1, 2) / 255.0
        if x.shape[1] == 3:  # RGB -> gray (ITU-R 601)
            x = (x * torch.tensor([0.299, 0.587, 0.114])[:, None, None]).sum(1, keepdim=True)
        if x.shape[-2:] != (28, 28):
            x = torch.nn.functional.interpolate(x, size=(28, 28), mode="area")
        with torch.no_grad():
            return torch.softmax(self.model(x, deterministic=True).logits, 1).numpy()

    def predict(self, images) -> np.ndarray:
        return self.predict_proba(images).argmax(1)


def load_predictor(run_dir, device: str = "cpu") -> RAMPredictor:
    """PREDICTOR_LOADERS entry for kind "ram" (deterministic glimpses: the location net's means)."""
    return RAMPredictor(load_ram(run_dir)[0])
