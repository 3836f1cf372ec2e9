"""Turning maps and images into PNGs: heat-map overlays, tiles, side-by-side figures, the success-rate
plot. uint8 (H, W, C) arrays on disk; matplotlib ``Figure`` objects only (no pyplot state)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from visrec.report._figure import new_figure, save_png

__all__ = ["to_uint8", "heatmap", "overlay", "write_png", "side_by_side", "plot_success", "normalize_map"]


def to_uint8(x) -> np.ndarray:
    """Pixels (C, H, W) or (1, C, H, W) tensor in [0, 1], or a float (H, W, C) array in [0, 1] -> uint8 (H, W, C)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        if x.dim() == 4:
            x = x[0]
        x = x.permute(1, 2, 0).numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[..., None]
    return np.clip(np.rint(x * 255), 0, 255).astype(np.uint8)


def normalize_map(m) -> np.ndarray:
    """A map (H, W) scaled to [0, 1] by its min and max."""
    m = m.detach().cpu().double().numpy() if isinstance(m, torch.Tensor) else np.asarray(m, np.float64)
    lo, hi = float(m.min()), float(m.max())
    return (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)


def heatmap(m, cmap: str = "jet") -> np.ndarray:
    """A map (H, W) -> uint8 RGB (H, W, 3) through a matplotlib colormap (min-max scaled first)."""
    import matplotlib

    rgba = matplotlib.colormaps[cmap](normalize_map(m))
    return (rgba[..., :3] * 255).astype(np.uint8)


def overlay(image: np.ndarray, m, alpha: float = 0.5, cmap: str = "jet") -> np.ndarray:
    """``alpha`` * heat map + (1 - alpha) * image, uint8 (H, W, 3); grey images are repeated to RGB."""
    img = np.asarray(image, dtype=np.float64)
    if img.shape[-1] == 1:
        img = np.repeat(img, 3, axis=-1)
    heat = heatmap(m, cmap).astype(np.float64)
    return np.clip(alpha * heat + (1 - alpha) * img, 0, 255).astype(np.uint8)


def write_png(path: str | Path, image: np.ndarray) -> Path:
    """Write uint8 (H, W, C) with C in {1, 3} as a PNG (atomically)."""
    from PIL import Image

    from visrec.utils.atomic import atomic_path

    path = Path(path)
    img = np.asarray(image)
    img = img[..., 0] if img.ndim == 3 and img.shape[2] == 1 else img
    with atomic_path(path) as tmp:
        Image.fromarray(img).save(tmp, format="PNG")
    return path


def side_by_side(path: str | Path, panels: list[tuple[str, np.ndarray]], width: float = 2.6) -> Path:
    """One figure with the ``(title, uint8 image)`` panels in a row."""
    fig = new_figure(width * len(panels), width + 0.4)
    for i, (title, img) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        img = np.asarray(img)
        ax.imshow(
            img[..., 0] if img.shape[-1] == 1 else img,
            cmap="gray" if img.shape[-1] == 1 else None,
            interpolation="nearest",
        )
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    return save_png(fig, path)


def plot_success(path: str | Path, curves: dict[str, dict]) -> Path:
    """Attack success rate against epsilon, one line per ``label -> success_rate(...)`` result."""
    fig = new_figure(5, 3.5)
    ax = fig.add_subplot(1, 1, 1)
    for label, res in curves.items():
        ax.plot(res["eps"], res["success"], marker="o", label=label)
    ax.set_xlabel("epsilon (pixel units, [0, 1])")
    ax.set_ylabel("success rate (fooled / correct)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    return save_png(fig, path)
