"""Truncated backpropagation through time (Lecture 10, L14765-14792).

Forward and backward over chunks of ``seq_length`` steps: the hidden state is carried from one chunk to
the next (so the model sees the whole sequence's past), but the gradient is not (each chunk backpropagates
only to its own first step; the gradient into the carried-in state is dropped).

>>> import numpy as np
>>> [(s.start, s.stop) for s in chunk_slices(10, 4)]
[(0, 4), (4, 8), (8, 10)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["chunk_slices", "truncated_bptt"]


def chunk_slices(T: int, seq_length: int) -> list[slice]:
    """Consecutive slices of at most ``seq_length`` steps covering 0..T."""
    if seq_length < 1 or T < 1:
        raise ValueError(f"chunk_slices needs T >= 1 and seq_length >= 1; got T={T}, seq_length={seq_length}")
    return [slice(s, min(s + seq_length, T)) for s in range(0, T, seq_length)]


def truncated_bptt(
    chunk_loss: Callable, x: np.ndarray, y: np.ndarray, state, seq_length: int
) -> Iterator[tuple[float, dict, object]]:
    """Run ``chunk_loss`` over consecutive chunks, carrying the state but not its gradient.

    Parameters
    ----------
    chunk_loss : ``(x_chunk (N, t, ...), y_chunk (N, t, ...), state) -> (loss, grads, next_state)``, where
        ``grads`` are the parameter gradients of this chunk's loss with ``state`` held constant.
    x, y : arrays of shape (N, T, ...), the whole sequence.
    state : the initial recurrent state (h0, or (h0, c0) for an LSTM).
    seq_length : steps per chunk.

    Yields
    ------
    (loss, grads, state) per chunk; ``state`` is the one carried into the next chunk. The caller updates
    the parameters between chunks (one optimiser step per chunk).
    """
    for s in chunk_slices(x.shape[1], seq_length):
        loss, grads, state = chunk_loss(x[:, s], y[:, s], state)
        state = _detached(state)
        yield loss, grads, state


def _detached(state):
    """A copy, so nothing a later chunk does can reach back into the previous chunk's arrays."""
    if isinstance(state, tuple):
        return tuple(np.array(s, copy=True) for s in state)
    return np.array(state, copy=True)
