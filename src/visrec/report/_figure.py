"""Shared plumbing for every figure: a pyplot-free ``Figure``, input checks, and an atomic PNG write.

Figures are drawn on ``matplotlib.figure.Figure`` objects (never the pyplot state machine), so they are
safe in scripts, tests and threads, and need no GUI backend: PNGs are rendered by Agg.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.utils.atomic import atomic_path


def new_figure(width: float, height: float):
    """Return a fresh ``Figure`` of ``width`` x ``height`` inches."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def save_png(fig, path: str | Path, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` as a PNG atomically and return the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return path


def as_images(name: str, images, ndim: int = 4, shape_doc: str = "(N, H, W, C)") -> np.ndarray:
    """Check that ``images`` is a stack of HWC images (C in 1 or 3) and return it as an ndarray."""
    arr = np.asarray(images)
    if arr.ndim != ndim:
        raise ValueError(
            f"{name} must have shape {shape_doc} with C = 1 or 3; got an array of shape {arr.shape}. "
            "Grayscale images need a trailing channel axis: images[..., None]."
        )
    if arr.shape[-1] not in (1, 3):
        raise ValueError(
            f"{name} must have shape {shape_doc} with C = 1 or 3 (channels last); got {arr.shape}. "
            "Channels-first arrays (N, C, H, W) need images.transpose(0, 2, 3, 1)."
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); there is nothing to draw.")
    if not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must hold numbers; got dtype {arr.dtype}.")
    return arr


def to_display(image: np.ndarray, rescale: bool = False) -> tuple[np.ndarray, dict]:
    """Turn one (H, W, C) image into what ``imshow`` wants, plus the keyword arguments to pass.

    uint8 images are shown as they are; other images are shown as they are when already in [0, 255] and
    ``rescale`` is False, else rescaled to 0..255 by their own minimum and maximum.
    """
    img = np.asarray(image)
    if rescale or (img.dtype != np.uint8 and (img.min() < 0 or img.max() > 255)):
        img = rescale_to_uint8(img)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if img.shape[-1] == 1:
        return img[..., 0], {"cmap": "gray", "vmin": 0, "vmax": 255}
    return img, {}


def rescale_to_uint8(x: np.ndarray) -> np.ndarray:
    """Rescale an array linearly so its minimum maps to 0 and its maximum to 255 (a constant -> 0)."""
    x = np.asarray(x, dtype=np.float64)
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-12:
        return np.zeros(x.shape, dtype=np.uint8)
    return np.round(255.0 * (x - lo) / (hi - lo)).astype(np.uint8)


def grid_shape(n: int, ncols: int | None = None) -> tuple[int, int]:
    """(rows, cols) of a near-square grid holding ``n`` panels."""
    if ncols is None:
        ncols = int(np.ceil(np.sqrt(n)))
    ncols = max(1, min(int(ncols), n))
    return int(np.ceil(n / ncols)), ncols


def check_names(class_names, k: int, what: str = "class_names") -> list[str]:
    """Return ``class_names`` as K strings (default '0'..'K-1'), or raise when the count is wrong."""
    if class_names is None:
        return [str(i) for i in range(k)]
    names = [str(c) for c in class_names]
    if len(names) != k:
        raise ValueError(f"{what} must hold K = {k} names; got {len(names)}: {names[:5]}...")
    return names
