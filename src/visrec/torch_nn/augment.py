"""Data augmentation on batches, in plain torch (no torchvision).

Every function takes a float batch ``x`` of shape (N, C, H, W) and, when random, a ``torch.Generator`` so a
seeded run draws the same augmentations again (exact resume relies on it). Pixel-space ops (jitter, PCA
lighting) expect values in [0, 1]; :class:`BatchPipeline` applies them before normalization and cutout after
it (so the cut square holds the dataset mean, 0 after normalization).

References: random crops and flips, PCA lighting noise (Krizhevsky et al., "ImageNet Classification with
Deep Convolutional Neural Networks", 2012, section 4.1; Lecture 7's augmentation slides); cutout (DeVries &
Taylor, "Improved Regularization of CNNs with Cutout", 2017).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = [
    "hflip",
    "random_flip",
    "random_crop",
    "color_jitter",
    "pca_lighting_stats",
    "pca_lighting",
    "random_affine",
    "cutout",
    "BatchPipeline",
]


def _uniform(n: int, low: float, high: float, gen, device) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=gen, device=device)


def hflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror left-right: (N, C, H, W) -> (N, C, H, W)."""
    return x.flip(-1)


def random_flip(x: torch.Tensor, gen: torch.Generator | None = None, p: float = 0.5) -> torch.Tensor:
    """Mirror each image with probability ``p``."""
    mask = torch.rand(len(x), generator=gen, device=x.device) < p  # (N,)
    return torch.where(mask[:, None, None, None], x.flip(-1), x)


def random_crop(
    x: torch.Tensor, padding: int, gen: torch.Generator | None = None, mode: str = "zeros"
) -> torch.Tensor:
    """Pad by ``padding`` on every side and crop back to (H, W) at a random offset per image.

    Equivalent to a random translation by up to ``padding`` pixels; ``mode`` "zeros" pads with black,
    "reflect" mirrors the border (airbench). ``padding=0`` is the identity. The images that share an offset
    are copied as one slice (there are only (2p+1)^2 offsets), which is several times faster than a
    per-pixel gather.
    """
    if padding == 0:
        return x
    n, _, h, w = x.shape
    side = 2 * padding + 1
    xp = F.pad(x, (padding,) * 4, mode="reflect" if mode == "reflect" else "constant")  # (N, C, H+2p, W+2p)
    oy = torch.randint(0, side, (n,), generator=gen, device=x.device)
    ox = torch.randint(0, side, (n,), generator=gen, device=x.device)
    out = torch.empty_like(x)
    offset = oy * side + ox  # (N,)
    for k in torch.unique(offset).tolist():
        idx = (offset == k).nonzero().squeeze(1)
        dy, dx = divmod(k, side)
        out[idx] = xp[idx, :, dy : dy + h, dx : dx + w]
    return out


def _gray(x: torch.Tensor) -> torch.Tensor:
    """Luma (ITU-R 601) of RGB (N, 3, H, W) -> (N, 1, H, W); single-channel input is returned as is."""
    if x.shape[1] == 1:
        return x
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]).to(x.dtype)


def color_jitter(
    x: torch.Tensor,
    brightness: float = 0.4,
    contrast: float = 0.4,
    saturation: float = 0.4,
    gen: torch.Generator | None = None,
) -> torch.Tensor:
    """Random brightness, contrast and saturation factors in [1 - s, 1 + s], per image; x in [0, 1]."""
    n = len(x)
    f_b = _uniform(n, 1 - brightness, 1 + brightness, gen, x.device)[:, None, None, None]
    f_c = _uniform(n, 1 - contrast, 1 + contrast, gen, x.device)[:, None, None, None]
    f_s = _uniform(n, 1 - saturation, 1 + saturation, gen, x.device)[:, None, None, None]
    x = x * f_b
    mean = _gray(x).mean(dim=(1, 2, 3), keepdim=True)  # (N, 1, 1, 1)
    x = (x - mean) * f_c + mean
    gray = _gray(x)
    x = (x - gray) * f_s + gray
    return x.clamp(0.0, 1.0)


def pca_lighting_stats(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigen-decomposition of the RGB covariance of a training set.

    Parameters
    ----------
    images : Tensor of shape (N, C, H, W), values in [0, 1]

    Returns
    -------
    eigval : Tensor of shape (C,), descending
    eigvec : Tensor of shape (C, C), column i is the eigenvector of eigval[i]
    """
    pixels = images.double().permute(0, 2, 3, 1).reshape(-1, images.shape[1])  # (N*H*W, C)
    cov = torch.cov(pixels.T)  # (C, C)
    eigval, eigvec = torch.linalg.eigh(cov.reshape(images.shape[1], images.shape[1]))
    return eigval.flip(0).clamp_min(0).float(), eigvec.flip(1).float()


def pca_lighting(
    x: torch.Tensor,
    eigval: torch.Tensor,
    eigvec: torch.Tensor,
    alpha_std: float = 0.1,
    gen: torch.Generator | None = None,
) -> torch.Tensor:
    """AlexNet lighting noise: add ``eigvec @ (alpha * eigval)``, alpha ~ N(0, alpha_std), to every pixel.

    The shift is one constant colour per image (the same at every pixel), a random combination of the
    principal components of the training set's RGB values.
    """
    alpha = torch.randn(len(x), len(eigval), generator=gen, device=x.device) * alpha_std  # (N, C)
    shift = (alpha * eigval.to(x.device)) @ eigvec.to(x.device).T  # (N, C)
    return x + shift[:, :, None, None].to(x.dtype)


def random_affine(
    x: torch.Tensor,
    degrees: float = 10.0,
    translate: float = 0.1,
    scale: tuple[float, float] = (0.9, 1.1),
    gen: torch.Generator | None = None,
) -> torch.Tensor:
    """Random rotation (+-degrees), translation (fraction of the size) and zoom via affine_grid."""
    n = len(x)
    angle = _uniform(n, -degrees, degrees, gen, x.device) * math.pi / 180
    s = _uniform(n, scale[0], scale[1], gen, x.device)
    tx = _uniform(n, -translate, translate, gen, x.device) * 2  # grid units span [-1, 1]
    ty = _uniform(n, -translate, translate, gen, x.device) * 2
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)  # (N, 2, 3)
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)  # (N, H, W, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def cutout(x: torch.Tensor, size: int, gen: torch.Generator | None = None) -> torch.Tensor:
    """Set one ``size x size`` square per image (all channels) to 0; the square lies inside the image."""
    n, _, h, w = x.shape
    size = min(size, h, w)
    top = torch.randint(0, h - size + 1, (n,), generator=gen, device=x.device)
    left = torch.randint(0, w - size + 1, (n,), generator=gen, device=x.device)
    rows = torch.arange(h, device=x.device)[None, :]
    cols = torch.arange(w, device=x.device)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < top[:, None] + size)  # (N, H)
    in_cols = (cols >= left[:, None]) & (cols < left[:, None] + size)  # (N, W)
    mask = in_rows[:, :, None] & in_cols[:, None, :]  # (N, H, W)
    return x.masked_fill(mask[:, None], 0.0)


class BatchPipeline:
    """uint8 batches (N, C, H, W) -> normalized float batches, with the configured augmentations.

    Parameters
    ----------
    mean, std : per-channel statistics of the training split, in [0, 1] units, shape (C,)
    augment : names among flip, crop, jitter, pca, affine, cutout (applied in that order)
    crop_padding : padding of the random crop
    crop_mode : "zeros" (black border) or "reflect" (mirrored border) padding of the random crop
    pca : (eigval, eigvec) from :func:`pca_lighting_stats`, required when 'pca' is used
    cutout_size : side of the cutout square (default: half the image side)
    channels_last : return batches in channels-last memory format
    resize : (H, W) to resize to (bilinear) before augmenting, when the model needs another size
    """

    def __init__(
        self,
        mean,
        std,
        augment=(),
        crop_padding: int = 4,
        pca=None,
        crop_mode: str = "zeros",
        cutout_size: int | None = None,
        channels_last: bool = False,
        resize=None,
        dtype=torch.float32,
    ):
        self.mean = torch.as_tensor(mean, dtype=dtype).reshape(1, -1, 1, 1)
        self.std = torch.as_tensor(std, dtype=dtype).reshape(1, -1, 1, 1)
        self.augment = list(augment)
        self.crop_padding = crop_padding
        self.crop_mode = crop_mode
        self.pca = pca
        self.cutout_size = cutout_size
        self.channels_last = channels_last
        self.resize = tuple(resize) if resize else None
        self.dtype = dtype
        if "pca" in self.augment and pca is None:
            raise ValueError("The 'pca' augmentation needs the training set's RGB eigenbasis; pass pca=.")

    def _to_float(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.dtype) / 255.0
        if self.resize is not None and tuple(x.shape[-2:]) != self.resize:
            x = F.interpolate(x, size=self.resize, mode="bilinear", align_corners=False)
        return x

    def _finish(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean.to(x.device)) / self.std.to(x.device)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def eval(self, x: torch.Tensor) -> torch.Tensor:
        """Normalize only (validation, test, prediction)."""
        return self._finish(self._to_float(x))

    def train(self, x: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
        """Augment then normalize."""
        x = self._to_float(x)
        a = self.augment
        if "flip" in a:
            x = random_flip(x, gen)
        if "crop" in a:
            x = random_crop(x, self.crop_padding, gen, self.crop_mode)
        if "jitter" in a:
            x = color_jitter(x, gen=gen)
        if "pca" in a:
            x = pca_lighting(x, *self.pca, gen=gen)
        if "affine" in a:
            x = random_affine(x, gen=gen)
        x = self._finish(x)
        if "cutout" in a:
            x = cutout(x, self.cutout_size or max(1, x.shape[-1] // 2), gen)
        return x
