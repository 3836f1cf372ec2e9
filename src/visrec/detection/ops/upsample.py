"""In-network upsampling for segmentation: unpooling (nearest, bed of nails, max) and transpose conv.

All on (N, C, H, W) tensors. The Lecture 11 examples are the tests:

>>> import torch
>>> x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
>>> nearest_unpool(x)[0, 0]
tensor([[1., 1., 2., 2.],
        [1., 1., 2., 2.],
        [3., 3., 4., 4.],
        [3., 3., 4., 4.]])
>>> bed_of_nails_unpool(x)[0, 0]
tensor([[1., 0., 2., 0.],
        [0., 0., 0., 0.],
        [3., 0., 4., 0.],
        [0., 0., 0., 0.]])

Transpose convolution is convolution's matrix transposed: a stride-s convolution is ``y = M x`` with a
sparse (out, in) matrix ``M``; the transpose convolution of the same kernel computes ``M^T y``: each input
value scales a copy of the kernel written into the output, and overlapping copies add ("sum where output
overlaps"). ``conv1d_matrix`` builds ``M`` explicitly so that the two can be compared.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = [
    "nearest_unpool",
    "bed_of_nails_unpool",
    "max_pool_with_indices",
    "max_unpool",
    "conv1d_matrix",
    "conv_transpose2d_reference",
]


def _check4(x: Tensor, owner: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{owner}: expected (N, C, H, W); got shape {tuple(x.shape)}.")


def nearest_unpool(x: Tensor, factor: int = 2) -> Tensor:
    """Copy each value into a factor x factor block: (N, C, H, W) -> (N, C, factor H, factor W)."""
    _check4(x, "nearest_unpool")
    return x.repeat_interleave(factor, dim=2).repeat_interleave(factor, dim=3)


def bed_of_nails_unpool(x: Tensor, factor: int = 2) -> Tensor:
    """Put each value at the top-left of its factor x factor block, zeros elsewhere."""
    _check4(x, "bed_of_nails_unpool")
    n, c, h, w = x.shape
    out = x.new_zeros((n, c, h * factor, w * factor))
    out[:, :, ::factor, ::factor] = x
    return out


def max_pool_with_indices(
    x: Tensor, kernel_size: int = 2, stride: int | None = None
) -> tuple[Tensor, Tensor]:
    """Max pooling that remembers where each maximum was: -> (pooled (N, C, H', W'), indices (N, C, H', W'))
    with indices flat into each (H, W) plane (row-major), as ``F.max_pool2d(return_indices=True)``."""
    _check4(x, "max_pool_with_indices")
    stride = stride or kernel_size
    n, c, h, w = x.shape
    patches = x.unfold(2, kernel_size, stride).unfold(3, kernel_size, stride)  # (N, C, H', W', k, k)
    hp, wp = patches.shape[2], patches.shape[3]
    values, arg = patches.reshape(n, c, hp, wp, -1).max(dim=-1)
    dy, dx = arg // kernel_size, arg % kernel_size
    rows = torch.arange(hp, device=x.device)[:, None] * stride + dy
    cols = torch.arange(wp, device=x.device)[None, :] * stride + dx
    return values, rows * w + cols


def max_unpool(x: Tensor, indices: Tensor, output_size: tuple[int, int]) -> Tensor:
    """Write each value of x (N, C, H', W') back at the remembered position (max pool ``indices``) of an
    (N, C, H, W) map of zeros, ``output_size = (H, W)``: the "max unpooling" of Lecture 11."""
    _check4(x, "max_unpool")
    n, c = x.shape[:2]
    h, w = output_size
    out = x.new_zeros((n, c, h * w))
    out = out.scatter(2, indices.reshape(n, c, -1), x.reshape(n, c, -1))
    return out.reshape(n, c, h, w)


def conv1d_matrix(kernel: Tensor, length: int, stride: int = 1, padding: int = 0) -> Tensor:
    """The (L_out, L) matrix ``M`` with ``M @ x == conv1d(x, kernel, stride, padding)`` for x of length L
    (cross-correlation, as every deep-learning library). ``M.T @ y`` is the transpose convolution."""
    k = kernel.shape[0]
    l_out = (length + 2 * padding - k) // stride + 1
    m = kernel.new_zeros((l_out, length))
    for i in range(l_out):
        for j in range(k):
            col = i * stride - padding + j
            if 0 <= col < length:
                m[i, col] = kernel[j]
    return m


def conv_transpose2d_reference(x: Tensor, weight: Tensor, stride: int = 1, padding: int = 0,
                               output_padding: int = 0) -> Tensor:
    """Transpose convolution by its definition: each input value times the kernel, added into the output.

    x (N, C_in, H, W), weight (C_in, C_out, k, k) (PyTorch's layout for ``conv_transpose2d``) ->
    (N, C_out, H_out, W_out) with H_out = (H - 1) stride - 2 padding + k + output_padding.
    """
    n, c_in, h, w = x.shape
    _, c_out, k, _ = weight.shape
    full_h, full_w = (h - 1) * stride + k + output_padding, (w - 1) * stride + k + output_padding
    out = x.new_zeros((n, c_out, full_h, full_w))
    for i in range(h):
        for j in range(w):
            # (N, C_in) x (C_in, C_out, k, k) -> (N, C_out, k, k), summed where the copies overlap
            out[:, :, i * stride:i * stride + k, j * stride:j * stride + k] += torch.einsum(
                "nc,cokl->nokl", x[:, :, i, j], weight)
    h_out, w_out = full_h - 2 * padding, full_w - 2 * padding
    return out[:, :, padding:padding + h_out, padding:padding + w_out]
