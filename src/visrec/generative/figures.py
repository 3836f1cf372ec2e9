"""The lecture's figures: sample grids (with each sample's nearest training image), the 2-D latent manifold,
latent traversals, interpolations, latent vector arithmetic, and the two generator losses against D(G(z)).

Image grids are written pixel-exact with Pillow (each image scaled up by an integer factor); the loss curves
use matplotlib. Every function returns the path it wrote.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from visrec.generative._errors import ParameterError
from visrec.utils.atomic import atomic_path

__all__ = [
    "tile",
    "save_grid",
    "nearest_neighbours",
    "samples_with_neighbours",
    "manifold_grid",
    "traversals",
    "interpolations",
    "latent_arithmetic",
    "generator_losses_figure",
]


def tile(images: np.ndarray, ncol: int, pad: int = 1, fill: int = 128) -> np.ndarray:
    """uint8 (N, H, W, C) -> one (rows (H + pad), ncol (W + pad), C) mosaic, row-major."""
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ParameterError(f"tile expects uint8 images (N, H, W, C); got {images.dtype} {images.shape}.")
    n, h, w, c = images.shape
    rows = -(-n // ncol)
    out = np.full((rows * (h + pad) + pad, ncol * (w + pad) + pad, c), fill, np.uint8)
    for k in range(n):
        r, q = divmod(k, ncol)
        out[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + q * (w + pad) : pad + q * (w + pad) + w] = images[k]
    return out


def save_grid(images: np.ndarray, path: str | Path, ncol: int = 8, scale: int | None = None) -> Path:
    """Write a grid of uint8 (N, H, W, C) images as a PNG, each pixel ``scale`` x ``scale`` (auto: ~64 px)."""
    from PIL import Image

    mosaic = tile(images, ncol)
    scale = scale or max(1, 64 // images.shape[1])
    mosaic = mosaic.repeat(scale, 0).repeat(scale, 1)
    img = Image.fromarray(mosaic[..., 0] if mosaic.shape[-1] == 1 else mosaic)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        img.save(tmp, format="PNG")
    return path


def nearest_neighbours(samples: np.ndarray, train: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Index of each sample's nearest training image in pixel L2 distance: (N,) into ``train``."""
    a = torch.from_numpy(samples.reshape(len(samples), -1).astype(np.float32))
    b = torch.from_numpy(train.reshape(len(train), -1).astype(np.float32))
    out = []
    for i in range(0, len(a), chunk):
        out.append(torch.cdist(a[i : i + chunk], b).argmin(1))
    return torch.cat(out).numpy()


def samples_with_neighbours(samples: np.ndarray, train: np.ndarray, path: str | Path, pairs_per_row: int = 4):
    """Grid of (sample, its nearest training image) pairs, side by side: the lecture's memorisation check."""
    nn_idx = nearest_neighbours(samples, train)
    pairs = np.stack([samples, train[nn_idx]], axis=1).reshape(-1, *samples.shape[1:])  # (2N, H, W, C)
    return save_grid(pairs, path, ncol=2 * pairs_per_row)


def manifold_grid(model, path: str | Path, n: int = 15, dims: tuple[int, int] = (0, 1)) -> Path:
    """Decode an n x n grid of z over the Gaussian's quantiles 0.05..0.95 in ``dims`` (other dims 0).

    With a 2-D latent this is the lecture's "data manifold" figure (Kingma & Welling, Fig. 4).
    """
    from scipy.stats import norm

    _check_latent(model, max(dims) + 1)
    q = torch.tensor(norm.ppf(np.linspace(0.05, 0.95, n)), dtype=torch.float32)
    z = torch.zeros(n * n, model.latent_dim)
    z[:, dims[0]] = q.repeat(n)  # columns vary z_a
    z[:, dims[1]] = q.flip(0).repeat_interleave(n)  # rows vary z_b (top = high)
    return save_grid(model.decode(z), path, ncol=n, scale=max(1, 32 // model.image_shape[1]))


def traversals(
    model,
    path: str | Path,
    dims: int = 8,
    steps: int = 9,
    span: float = 3.0,
    seed: int = 0,
    codes: torch.Tensor | None = None,
):
    """Row d: one base code with z_d swept over [-span, span] (GANs: [-1, 1]); the other dims fixed.

    ``codes`` (K, Z): take the base code from there (e.g. an encoded image) instead of the prior.
    """
    _check_latent(model, 1)
    dims = min(dims, model.latent_dim)
    base = codes[:1] if codes is not None else model.prior(1, torch.Generator().manual_seed(seed)).cpu()
    if "generator" in model.modules:
        span = 1.0
    sweep = torch.linspace(-span, span, steps)
    z = base.repeat(dims * steps, 1)
    for d in range(dims):
        z[d * steps : (d + 1) * steps, d] = sweep
    return save_grid(model.decode(z), path, ncol=steps)


def interpolations(
    model, path: str | Path, pairs: int = 6, steps: int = 10, seed: int = 0, codes: torch.Tensor | None = None
) -> Path:
    """Each row decodes (1 - t) z0 + t z1 for t in [0, 1] between two random codes.

    ``codes`` (>= 2 pairs, Z): take the end points from there (e.g. encoded images) instead of the prior.
    """
    _check_latent(model, 1)
    g = torch.Generator().manual_seed(seed)
    if codes is not None:
        pairs = min(pairs, len(codes) // 2)
        z0, z1 = codes[:pairs], codes[pairs : 2 * pairs]
    else:
        z0, z1 = model.prior(pairs, g).cpu(), model.prior(pairs, g).cpu()
    t = torch.linspace(0, 1, steps)[None, :, None]  # (1, T, 1)
    z = ((1 - t) * z0[:, None] + t * z1[:, None]).reshape(pairs * steps, -1)  # (pairs T, Z)
    return save_grid(model.decode(z), path, ncol=steps)


def latent_arithmetic(model, z_a: torch.Tensor, z_b: torch.Tensor, z_c: torch.Tensor, path: str | Path):
    """The lecture's vector arithmetic, each concept averaged over three samples: mean(a) - mean(b) + mean(c).

    z_a, z_b, z_c : (3, Z). The figure's rows: the three samples of a, b and c with each mean's decoding in
    the fourth column; last row: the result. Returns (path, result z (1, Z)).
    """
    for name, z in (("z_a", z_a), ("z_b", z_b), ("z_c", z_c)):
        if z.ndim != 2 or len(z) != 3:
            raise ParameterError(f"{name} must hold three codes (3, Z); got {tuple(z.shape)}.")
    result = z_a.mean(0, keepdim=True) - z_b.mean(0, keepdim=True) + z_c.mean(0, keepdim=True)
    rows = [torch.cat([z, z.mean(0, keepdim=True)]) for z in (z_a, z_b, z_c)]
    blank = np.full((3, *model.image_shape[1:], model.image_shape[0]), 128, np.uint8)
    images = np.concatenate([model.decode(r) for r in rows] + [blank, model.decode(result)])
    return save_grid(images, path, ncol=4), result


def generator_losses_figure(path: str | Path) -> Path:
    """The lecture's plot: log(1 - D(G(z))) (minimax, flat where samples are bad) and -log D(G(z))."""
    from visrec.report._figure import new_figure, save_png

    d = np.linspace(1e-3, 1 - 1e-3, 400)
    fig = new_figure(5.5, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(d, np.log(1 - d), label="minimax: minimise log(1 - D(G(z)))")
    ax.plot(d, -np.log(d), label="non-saturating: minimise -log D(G(z))")
    ax.set_xlabel("D(G(z))")
    ax.set_ylabel("generator loss")
    ax.axvspan(0, 0.2, color="0.9")
    ax.text(0.02, -4.5, "bad samples:\nminimax gradient ~ flat", fontsize=8)
    ax.legend(fontsize=8)
    return save_png(fig, path)


def _check_latent(model, need: int) -> None:
    if model.latent_dim is None:
        raise ParameterError(f"{model.name} has no latent space; this figure needs a vae, ae or GAN run.")
    if model.latent_dim < need:
        raise ParameterError(f"This figure needs a latent of size >= {need}; the model has {model.latent_dim}.")
