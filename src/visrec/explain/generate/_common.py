"""Small pieces the image generators share: blur, jitter, validated options."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from visrec.explain._errors import ParameterError


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (N, C, H, W), reflect padding, kernel radius ceil(3 sigma)."""
    if sigma <= 0:
        return x
    r = max(1, math.ceil(3 * sigma))
    t = torch.arange(-r, r + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    k = k / k.sum()
    c = x.shape[1]
    pad_h, pad_w = min(r, x.shape[2] - 1), min(r, x.shape[3] - 1)
    x = F.pad(x, (pad_w, pad_w, pad_h, pad_h), mode="reflect") if pad_h and pad_w else x
    kh = k[r - pad_h : r + pad_h + 1] if pad_h else k[r : r + 1]
    kw = k[r - pad_w : r + pad_w + 1] if pad_w else k[r : r + 1]
    x = F.conv2d(x, (kh / kh.sum()).reshape(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
    return F.conv2d(x, (kw / kw.sum()).reshape(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)


def random_roll(x: torch.Tensor, max_shift: int, gen: torch.Generator | None = None):
    """Roll (N, C, H, W) by random (dy, dx) in [-max_shift, max_shift]; returns (rolled, (dy, dx))."""
    if max_shift <= 0:
        return x, (0, 0)
    dy, dx = (int(v) for v in torch.randint(-max_shift, max_shift + 1, (2,), generator=gen))
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3)), (dy, dx)


def positive(name: str, value, integer: bool = False, zero_ok: bool = False):
    """``value`` if it is a positive (or non-negative) number, else a ParameterError naming ``name``."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value >= 0 if zero_ok else value > 0) and (not integer or float(value).is_integer())
    if not ok:
        kind = "int" if integer else "number"
        bound = ">= 0" if zero_ok else "> 0"
        raise ParameterError(f"{name} must be a {kind} {bound}; got {value!r}.")
    return int(value) if integer else float(value)
