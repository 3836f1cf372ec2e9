"""The digit classifier that scores samples: a small CNN trained here, on the generative split's training
images only (never the held-out digits it later helps to judge), and recorded as a run.

``visrec generate classifier --data ../shared/data/mnist-t10k`` writes it (model.json kind
"digit-classifier"); :func:`load_digit_classifier` reads it back. Its penultimate layer (D = 128) gives the
features of the Fréchet distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from visrec.generative._errors import DataError
from visrec.generative.data import load_generative_data
from visrec.runs import RunDir, TrainRunConfig, TrainSession

__all__ = ["DigitClassifier", "DigitClassifierConfig", "train_digit_classifier", "load_digit_classifier"]


class DigitClassifier(nn.Module):
    """(N, C, H, W) in [0, 1] -> logits (N, K); ``features`` gives the (N, 128) penultimate activations."""

    def __init__(self, in_channels: int = 1, image_size: int = 28, num_classes: int = 10):
        super().__init__()
        self.config = dict(in_channels=in_channels, image_size=image_size, num_classes=num_classes)
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(64 * 16, 128),
            nn.ReLU(),
        )
        self.head = nn.Linear(128, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    @torch.no_grad()
    def probe(self, images: np.ndarray, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """uint8 images (N, H, W, C) -> (probabilities (N, K), features (N, 128))."""
        self.eval()
        probs, feats = [], []
        for i in range(0, len(images), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(images[i : i + batch_size].transpose(0, 3, 1, 2)))
            f = self.features(x.float() / 255.0)
            probs.append(F.softmax(self.head(f), 1).numpy())
            feats.append(f.numpy())
        return np.concatenate(probs), np.concatenate(feats)


@dataclass
class DigitClassifierConfig(TrainRunConfig):
    kind: ClassVar[str] = "digit-classifier"
    engine: ClassVar[str] = "torch"
    epochs: int = 5
    batch_size: int = 128


def train_digit_classifier(cfg: DigitClassifierConfig) -> tuple[Path, dict]:
    """Train on the seeded split's training images (8-bit levels); report held-out accuracy."""
    data = load_generative_data(
        cfg.data,
        binarize="none",
        seed=cfg.seed,
        test_fraction=cfg.val_fraction,
        limit=cfg.limit,
        overfit=cfg.overfit,
    )
    c, h, _ = data.image_shape
    torch.manual_seed(cfg.seed)
    model = DigitClassifier(c, h, int(data.train_labels.max()) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    n = len(data.train)
    per_epoch = max(1, n // cfg.batch_size)
    g = torch.Generator().manual_seed(cfg.seed)
    with TrainSession(cfg, command="generate classifier", total_steps=cfg.epochs * per_epoch) as s:
        perm = None
        for step in s.steps():
            pos = step % per_epoch
            if pos == 0:
                perm = torch.randperm(n, generator=g)
            idx = perm[pos * cfg.batch_size : (pos + 1) * cfg.batch_size]
            model.train()
            loss = F.cross_entropy(model(data.train[idx].float() / 255.0), data.train_labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            s.log(loss=float(loss.detach()))
            if s.due(per_epoch):
                probs, _ = model.probe(data.test.permute(0, 2, 3, 1).numpy())
                acc = float((probs.argmax(1) == data.test_labels.numpy()).mean())
                s.record(epoch=(step + 1) / per_epoch, train_loss=s.running_loss, val_acc=acc)
        s.run.save_model(
            {k: v for k, v in model.state_dict().items()},
            {"kind": "digit-classifier", "build": model.config, "data": data.describe()},
        )
        probs, _ = model.probe(data.test.permute(0, 2, 3, 1).numpy())
        acc = float((probs.argmax(1) == data.test_labels.numpy()).mean())
        return s.run.path, s.finish({"test_acc": acc, "data": data.describe()})


def load_digit_classifier(run_dir: str | Path) -> DigitClassifier:
    run = RunDir(run_dir)
    tensors, meta = run.load_model("pt")
    if meta.get("kind") != "digit-classifier":
        raise DataError(
            f"--classifier {run_dir} holds a model of kind {meta.get('kind')!r}; expected a run of "
            "`visrec generate classifier`."
        )
    model = DigitClassifier(**meta["build"])
    model.load_state_dict(tensors)
    return model.eval()
