"""Figures of the Recurrent Attention Model: glimpse paths drawn on digits, and the learning curve."""

from __future__ import annotations

from pathlib import Path

import torch

from visrec.rl.ram.glimpse import location_to_pixels

__all__ = ["plot_glimpse_paths", "plot_ram_history"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@torch.no_grad()
def plot_glimpse_paths(model, images, labels, path, patch=8, scales=2):
    """One panel per digit: the path l_0 -> l_T, the first glimpse's patch boxes, prediction vs label."""
    plt = _plt()
    model.eval()
    out = model(images, deterministic=True)
    model.train()
    preds = out.logits.argmax(1)
    n = len(images)
    fig, axes = plt.subplots(1, n, figsize=(1.8 * n, 2.2))
    axes = [axes] if n == 1 else axes
    H, W = images.shape[-2:]
    for k, ax in enumerate(axes):
        ax.imshow(images[k, 0].numpy(), cmap="gray")
        locs = out.locations[k, :-1]  # where each glimpse was taken
        xs = (location_to_pixels(locs[:, 0], W) - 0.5).numpy()
        ys = (location_to_pixels(locs[:, 1], H) - 0.5).numpy()
        ax.plot(xs, ys, "-o", color="orange", markersize=3, linewidth=1)
        ax.plot(xs[-1:], ys[-1:], "o", color="red", markersize=4)
        for s in range(scales):
            side = patch * 2**s
            ax.add_patch(plt.Rectangle((xs[-1] - side / 2, ys[-1] - side / 2), side, side, fill=False,
                                       color="red", linewidth=0.8))
        ax.set_title(f"pred {int(preds[k])} / {int(labels[k])}", fontsize=8)
        ax.set_xlim(-0.5, W - 0.5)
        ax.set_ylim(H - 0.5, -0.5)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_ram_history(history: list[dict], path):
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3))
    ep = [r["epoch"] for r in history]
    a.plot(ep, [r["train_loss"] for r in history])
    a.set_xlabel("epoch")
    a.set_ylabel("train loss")
    b.plot(ep, [r["val_acc"] for r in history], label="val accuracy")
    b.plot(ep, [r["train_reward"] for r in history], label="train reward")
    b.set_xlabel("epoch")
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
