"""Shared plumbing for every figure: a pyplot-free ``Figure``, input checks, and an atomic PNG write.

Figures are drawn on ``matplotlib.figure.Figure`` objects (never the pyplot state machine), so they are
safe in scripts, tests and threads, and need no GUI backend: PNGs are rendered by Agg.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.utils.atomic import atomic_path


def new_figure(width: float, height: float, layout: str | None = "constrained"):
    """Return a fresh ``Figure`` of ``width`` x ``height`` inches (``layout=None``: place axes by hand)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout=layout)


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
    img = to_uint8(image, rescale)
    if img.shape[-1] == 1:
        return img[..., 0], {"cmap": "gray", "vmin": 0, "vmax": 255}
    return img, {}


def to_uint8(image: np.ndarray, rescale: bool = False) -> np.ndarray:
    """One (H, W, C) image as uint8: kept when uint8 or in [0, 255] (and not ``rescale``), else rescaled."""
    img = np.asarray(image)
    if rescale or (img.dtype != np.uint8 and (img.min() < 0 or img.max() > 255)):
        return rescale_to_uint8(img)
    return np.clip(np.round(img), 0, 255).astype(np.uint8) if img.dtype != np.uint8 else img


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


def draw_mosaic(
    tiles: list[list[np.ndarray | None]],
    titles=None,
    colors=None,
    title: str | None = None,
    inches_per_tile: float = 1.1,
):
    """Draw a grid of uint8 images on ONE axes (fast: one image instead of one axes per tile).

    Parameters
    ----------
    tiles : R rows of Cc images, each (H, W, C) uint8 with the same H, W, C (None: an empty tile)
    titles, colors : optional R x Cc strings drawn above the tiles (and their colours)
    Returns the Figure.
    """
    first = next(t for row in tiles for t in row if t is not None)
    h, w, c = first.shape
    rows, cols = len(tiles), max(len(row) for row in tiles)
    pad = max(1, round(0.08 * h))
    top = max(2, round(0.32 * h)) if titles is not None else pad
    ch, cw = h + top, w + pad
    canvas = np.full((rows * ch + pad, cols * cw + pad, c), 255, dtype=np.uint8)
    for i, row in enumerate(tiles):
        for j, tile in enumerate(row):
            if tile is not None:
                y, x = i * ch + top, j * cw + pad
                canvas[y : y + h, x : x + w] = tile
    extra = 0.35 if title else 0.05
    scale = inches_per_tile / max(h, w)
    fig = new_figure(canvas.shape[1] * scale, canvas.shape[0] * scale + extra, layout=None)
    ax = fig.add_axes((0, 0, 1, 1 - extra / (canvas.shape[0] * scale + extra)))
    img, kw = to_display(canvas)
    ax.imshow(img, interpolation="nearest", aspect="equal", **kw)
    ax.axis("off")
    if titles is not None:
        for i, row in enumerate(titles):
            for j, text in enumerate(row):
                if text:
                    color = colors[i][j] if colors is not None else "black"
                    ax.text(
                        j * cw + pad + w / 2,
                        i * ch + top - 0.5,
                        str(text),
                        ha="center",
                        va="bottom",
                        fontsize=7,
                        color=color,
                    )
    if title:
        fig.suptitle(title, fontsize=9, y=1 - 0.02)
    return fig
