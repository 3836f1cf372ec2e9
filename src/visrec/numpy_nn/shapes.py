"""Convolution and pooling geometry (Lecture 5, L5083-5299): output sizes, padding, parameter counts.

Output size of a conv or pool window along one spatial axis::

    W' = (W - F + 2P) / S + 1

with W the input width, F the filter (window) size, S the stride and P the zero padding (the glossary of
ARCHITECTURE.md: a conv layer has K filters of size F x F x C, so its weights are ``(K, C, F, F)``).
When the division is not exact the window "doesn't fit" (7x7 input, 3x3 filter, stride 3 -> 2.33, L5159):
we raise :class:`~visrec.utils.errors.GeometryError` with the formula, the numbers and a fix, instead of
silently flooring as Torch does (``floor((W + 2P - F)/S + 1)``, L5367).

>>> conv_output_size(7, 3, 1)
5
>>> conv_output_size(7, 3, 2)
3
>>> conv_output_size(7, 3, 1, 1)
7
>>> conv_param_count(5, 3, 10)
760
"""

from __future__ import annotations

from visrec.utils.errors import GeometryError
from visrec.utils.validation import check_int

__all__ = [
    "conv_output_size",
    "pool_output_size",
    "conv_output_shape",
    "pool_output_shape",
    "conv_param_count",
    "same_padding",
]


def _suggest(W: int, F: int, S: int, P: int) -> str:
    """A fix for a window that doesn't fit: the nearest padding that fits at this stride, or a stride."""
    tips = []
    for p in range(P + 1, P + S + 1):
        if (W - F + 2 * p) % S == 0:
            tips.append(f"pad={p} gives ({W} - {F} + 2*{p})/{S} + 1 = {(W - F + 2 * p) // S + 1}")
            break
    strides = [s for s in range(1, min(W - F + 2 * P, 8) + 1) if (W - F + 2 * P) % s == 0 and s != S]
    if strides:
        tips.append(f"stride in {strides} fits with pad={P}")
    return "; ".join(tips) if tips else "use a smaller filter or pad the input"


def _output_size(W, F, S, P, kind: str) -> int:
    W = check_int("W (input size)", W, low=1)
    F = check_int("F (filter size)", F, low=1)
    S = check_int("S (stride)", S, low=1)
    P = check_int("P (padding)", P, low=0)
    span = W - F + 2 * P
    if span < 0:
        raise GeometryError(
            f"{kind} window does not fit: the filter size F={F} is larger than the padded input "
            f"W + 2P = {W} + 2*{P} = {W + 2 * P}. Use a smaller filter or more padding."
        )
    if span % S != 0:
        raise GeometryError(
            f"{kind} window does not fit: (W - F + 2P)/S + 1 = ({W} - {F} + 2*{P})/{S} + 1 = "
            f"{span / S + 1:.2f} is not an integer. Fix: {_suggest(W, F, S, P)}."
        )
    return span // S + 1


def conv_output_size(W: int, F: int, S: int = 1, P: int = 0) -> int:
    """Output width ``(W - F + 2P)/S + 1`` of a convolution; raises GeometryError if it doesn't fit.

    >>> conv_output_size(32, 5, 1, 2)
    32
    >>> conv_output_size(7, 3, 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    visrec.utils.errors.GeometryError: conv window does not fit: (W - F + 2P)/S + 1 = (7 - 3 + 2*0)/3 ...
    """
    return _output_size(W, F, S, P, "conv")


def pool_output_size(W: int, F: int, S: int, P: int = 0) -> int:
    """Output width ``(W - F + 2P)/S + 1`` of a pooling window (P is 0 for the course's pools)."""
    return _output_size(W, F, S, P, "pool")


def conv_output_shape(x_shape, w_shape, stride: int, pad: int) -> tuple[int, int, int, int]:
    """``(N, K, H', W')`` of a convolution of ``x (N, C, H, W)`` with K filters ``w (K, C, F, F)``.

    Non-square filters ``(K, C, FH, FW)`` give ``H' = (H - FH + 2P)/S + 1`` and ``W' = (W - FW + 2P)/S + 1``.

    >>> conv_output_shape((2, 3, 32, 32), (16, 3, 5, 5), stride=1, pad=2)
    (2, 16, 32, 32)
    """
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(
            f"conv expects x of shape (N, C, H, W) and w of shape (K, C, F, F); "
            f"got x {tuple(x_shape)} and w {tuple(w_shape)}."
        )
    N, C, H, W = x_shape
    K, Cw, FH, FW = w_shape
    if C != Cw:
        raise ValueError(
            f"conv channel mismatch: x has C={C} channels (shape {tuple(x_shape)}) but w expects "
            f"C={Cw} (shape {tuple(w_shape)}). The filters must span the full input depth."
        )
    return N, K, conv_output_size(H, FH, stride, pad), conv_output_size(W, FW, stride, pad)


def pool_output_shape(x_shape, pool_height: int, pool_width: int, stride: int) -> tuple[int, int, int, int]:
    """``(N, C, H', W')`` of a pool_height x pool_width (F x F if square) pool on ``x (N, C, H, W)``."""
    if len(x_shape) != 4:
        raise ValueError(f"pool expects x of shape (N, C, H, W); got {tuple(x_shape)}.")
    N, C, H, W = x_shape
    return N, C, pool_output_size(H, pool_height, stride), pool_output_size(W, pool_width, stride)


def conv_param_count(F: int, C: int, K: int, bias: bool = True) -> int:
    """Parameters of a conv layer with K filters of size F x F x C: ``F*F*C*K (+ K biases)`` (L5288-5299).

    >>> conv_param_count(5, 3, 1)
    76
    """
    F = check_int("F", F, low=1)
    C = check_int("C", C, low=1)
    K = check_int("K", K, low=1)
    return F * F * C * K + (K if bias else 0)


def same_padding(F: int) -> int:
    """Zero padding ``(F - 1)/2`` that keeps the size at stride 1 (L5219); F must be odd.

    >>> [same_padding(f) for f in (3, 5, 7)]
    [1, 2, 3]
    """
    F = check_int("F", F, low=1)
    if F % 2 == 0:
        raise GeometryError(
            f"'same' padding (F - 1)/2 needs an odd filter size; got F={F}. Use F={F - 1} or F={F + 1}."
        )
    return (F - 1) // 2
