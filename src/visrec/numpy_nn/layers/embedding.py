"""Word (token) embedding: row lookup ``out[n, t] = W[x[n, t]]`` (Lecture 10, captioning and char models).

The lookup is a one-hot vector times W without building the one-hot vectors; its backward adds every
upstream row into the row of its token, so a token that appears several times accumulates
(``np.add.at``, not fancy-index assignment, which would keep only one of them).

>>> import numpy as np
>>> out, cache = word_embedding_forward(np.array([[0, 2, 2]]), np.arange(6.0).reshape(3, 2))
>>> out.tolist()
[[[0.0, 1.0], [4.0, 5.0], [4.0, 5.0]]]
>>> word_embedding_backward(np.ones((1, 3, 2)), cache).tolist()
[[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["word_embedding_forward", "word_embedding_backward", "check_token_ids"]


def check_token_ids(name: str, x, V: int) -> np.ndarray:
    """Return ``x`` as int64 or raise ``ValueError`` naming the first id outside [0, V)."""
    x = np.asarray(x)
    if x.size and not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"{name} expects integer token ids; got dtype {x.dtype}. Map tokens to ids first.")
    bad = (x < 0) | (x >= V)
    if np.any(bad):
        pos = tuple(int(p) for p in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: unknown token id {int(x[pos])} at position {pos}; the vocabulary has V={V} ids "
            f"(0..{V - 1}). Encode with the same vocabulary the model was built with."
        )
    return x.astype(np.int64, copy=False)


def word_embedding_forward(x, W):
    """Embedding forward.

    Parameters
    ----------
    x : int ndarray of shape (N, T), token ids in [0, V).
    W : ndarray of shape (V, D), one row per token.

    Returns
    -------
    out : ndarray of shape (N, T, D)
    cache : (x, V)
    """
    x = check_token_ids("word_embedding_forward", x, W.shape[0])
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    """Embedding backward: dout (N, T, D) -> dW (V, D), with repeated ids accumulated."""
    x, shape = cache
    dW = np.zeros(shape, dtype=dout.dtype)
    np.add.at(dW, x, dout)
    return dW
