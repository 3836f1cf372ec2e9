"""The k nearest training rows of every query, in chunks that never hold the full (M, N) distance matrix.

Ties: neighbours are returned sorted by distance, equal distances by training index. Where several training
rows tie at the k-th distance, the *set* kept is the one scikit-learn's brute-force search keeps when it
scans training rows in order (a fixed-size max-heap, :func:`heap_select`), so the votes match it.

The float32 fast paths (L2).

- Integer-valued data (pixels stored as float32): float32 GEMMs over column blocks short enough that every
  partial sum is an integer below 2^24 are *exact*; added up in float64 (:func:`l2_squared_exact_int`)
  they give exact distances at float32 speed.
- Other float32 data: a chunk's squared distances come from one float32 GEMM; rounding can reorder
  near-ties, so the result is then made exact: with a rigorous bound ``|error| <= c (|x_i|^2 + |x_j|^2)``
  (``c`` from the dot-product error bound ``gamma_D = D u / (1 - D u)``, u = 2^-24), every training row that
  could still be among the k nearest is kept as a candidate, its distance recomputed directly in float64,
  and the k nearest chosen from those (slower when many rows crowd around the k-th distance).

So float32 inputs get the neighbours of a float64 computation. L1 has no GEMM form: it uses SciPy's compiled
``cdist`` in float64 blocks; cosine uses one GEMM of unit rows in the input dtype.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from visrec.classic.distances import (
    METRICS,
    _unit_rows,
    as_float_pair,
    chunk_rows,
    l1_block_float64,
    l2_squared_block,
)
from visrec.utils.validation import check_choice, check_int

__all__ = ["iter_chunked_kneighbors", "k_smallest", "kneighbors"]

_U32 = 2.0**-24


def heap_select(row: np.ndarray, k: int) -> np.ndarray:
    """The k neighbours chosen by a fixed-size max-heap scanning ``row`` (N,) in index order.

    This is scikit-learn's brute-force rule (``sklearn.utils._heap.heap_push``, used by its ArgKmin when it
    scans training rows in order): a candidate equal to the current k-th distance is rejected, and which of
    several tied entries leaves the heap depends on the heap's layout. Only rows with ties straddling the
    k-th place need it; elsewhere the k smallest are unambiguous. Returns int64 ndarray of shape (k,).
    """
    values = np.full(k, np.inf)
    indices = np.full(k, -1, dtype=np.int64)
    j, n = 0, len(row)
    while j < n:
        # Jump to the next entry the heap accepts (strictly below its current maximum, at the root).
        hits = np.flatnonzero(row[j : j + 4096] < values[0])
        if len(hits) == 0:
            j += 4096
            continue
        j += int(hits[0])
        _heap_push(values, indices, float(row[j]), j)
        j += 1
    return indices


def _heap_push(values: np.ndarray, indices: np.ndarray, val: float, idx: int) -> None:
    """scikit-learn's ``heap_push`` on a max-heap stored in ``values``/``indices`` (line for line)."""
    size = len(values)
    if val >= values[0]:
        return
    cur = 0
    while True:
        left = 2 * cur + 1
        right = left + 1
        if left >= size:
            break
        if right >= size:
            if values[left] > val:
                swap = left
            else:
                break
        elif values[left] >= values[right]:
            if val < values[left]:
                swap = left
            else:
                break
        elif val < values[right]:
            swap = right
        else:
            break
        values[cur] = values[swap]
        indices[cur] = indices[swap]
        cur = swap
    values[cur] = val
    indices[cur] = idx


def _sort_by_value_then_index(d_sel: np.ndarray, ind: np.ndarray):
    order = np.lexsort((ind, d_sel), axis=-1)
    return np.take_along_axis(d_sel, order, 1), np.take_along_axis(ind, order, 1)


def k_smallest(d: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k smallest entries of every row, sorted by (value, index).

    d : ndarray of shape (m, N). Returns int64 ndarray of shape (m, k). Where ties straddle the k-th place,
    the set is chosen by :func:`heap_select` (scikit-learn's rule), not arbitrarily as by ``argpartition``.
    """
    m, n = d.shape
    if k >= n:
        return np.argsort(d, axis=1, kind="stable")[:, :k]
    part = np.argpartition(d, k - 1, axis=1)[:, :k]  # (m, k), unordered, ties arbitrary
    kth = np.take_along_axis(d, part, axis=1).max(axis=1)  # (m,)
    n_le = np.count_nonzero(d <= kth[:, None], axis=1)
    for r in np.flatnonzero(n_le > k):  # rows with ties straddling the k-th place
        part[r] = heap_select(d[r], k)
    return _sort_by_value_then_index(np.take_along_axis(d, part, axis=1), part)[1]


def _exact_pairs(X: np.ndarray, Xtr: np.ndarray, rows, cols) -> np.ndarray:
    """float64 squared L2 distances of the pairs (X[rows[p]], Xtr[cols[p]]), in bounded blocks."""
    out = np.empty(len(rows), dtype=np.float64)
    step = max(1, (64 * 2**20) // (8 * X.shape[1]))
    for s in range(0, len(rows), step):
        diff = X[rows[s : s + step]].astype(np.float64) - Xtr[cols[s : s + step]]  # (p, D)
        out[s : s + step] = np.einsum("ij,ij->i", diff, diff)
    return out


def _refine_float32(Xc, Xtr, approx, scale_q, scale_t, k):
    """Exact float64 k nearest from float32 squared distances ``approx`` (m, N), whose error is at most
    c (scale_q[i] + scale_t[j]) with scale the squared norms."""
    D = Xc.shape[1]
    gamma = D * _U32 / (1 - D * _U32)
    c = 2 * gamma + 8 * _U32  # covers the dot/sum, the norms and the final additions
    idx = k_smallest(approx, k)  # (m, k)
    # Upper bound on the true k-th distance, then every j whose lower bound is below it is a candidate.
    upper = (np.take_along_axis(approx, idx, 1) + c * scale_t[idx]).max(1) + c * scale_q  # (m,)
    lower = approx - (c * scale_t)[None, :]  # (m, N)
    rows, cols = np.nonzero(lower <= (upper + c * scale_q)[:, None])
    exact = _exact_pairs(Xc, Xtr, rows, cols)
    order = np.lexsort((cols, exact, rows))
    rows, cols, exact = rows[order], cols[order], exact[order]
    starts = np.searchsorted(rows, np.arange(len(Xc)))
    take = starts[:, None] + np.arange(k)[None, :]  # (m, k): every row has at least k candidates
    dist, ind = exact[take], cols[take]
    # Ties straddling the k-th place: apply scikit-learn's heap rule on the row's exact distances.
    ends = np.append(starts[1:], len(exact))
    has_next = starts + k < ends  # the row has a (k+1)-th candidate
    tied = has_next & (exact[np.minimum(starts + k, len(exact) - 1)] == dist[:, -1])
    for r in np.flatnonzero(tied):
        full = _exact_pairs(Xc, Xtr, np.full(len(Xtr), r), np.arange(len(Xtr)))
        sel = heap_select(full, k)
        dist[r], ind[r] = _sort_by_value_then_index(full[sel][None], sel[None])
    return dist, ind


def integer_max(X: np.ndarray) -> float | None:
    """``max |X|`` when every entry of X is an integer (e.g. pixels stored as float32), else None."""
    top = 0.0
    for s in range(0, len(X), 4096):  # row blocks: no full-size temporary
        b = X[s : s + 4096]
        if not np.array_equal(b, np.rint(b)):
            return None
        top = max(top, float(np.abs(b).max(initial=0)))
    return top


def exact_int_block_size(qmax: float, tmax: float) -> int:
    """Columns per float32 GEMM block whose dot products are exact for integers bounded by qmax, tmax.

    Every partial sum of B products of integers up to qmax * tmax stays within 2^24, where float32 still
    represents every integer, so any summation order is exact. Pixels shifted by -128 against raw pixels
    (128 * 255): B = 514.
    """
    return int(2**24 // max(qmax * tmax, 1.0))


def l2_squared_exact_int(Xc: np.ndarray, Xtr: np.ndarray, stats: dict, block: int, shift: float):
    """Exact float64 squared L2 distances of integer-valued float32 rows, at float32 GEMM speed.

    ``x.y = (x - shift).y + shift * sum(y)``: the first term is a sum of float32 GEMMs over column blocks of
    ``block`` (exact, see :func:`exact_int_block_size`; the shift halves the largest query value, doubling
    the block), accumulated in float64 (about 20% over the cost of one float32 GEMM).
    Xc (m, D), Xtr (N, D); stats from :func:`training_stats`. Returns (m, N) float64.
    """
    Xs = Xc - np.float32(shift)  # (m, D), exact: integers
    out = np.zeros((len(Xc), len(Xtr)))
    for s in range(0, Xc.shape[1], block):
        out += Xs[:, s : s + block] @ Xtr[:, s : s + block].T  # (m, N) float32, exact integers
    out += shift * stats["sum"][None, :]  # now x.y
    out *= -2
    out += np.einsum("ij,ij->i", Xc, Xc, dtype=np.float64)[:, None]
    out += stats["sq"][None, :]
    return out


def iter_chunked_kneighbors(
    X, Xtr, k: int, metric: str = "l2", chunk_size: int | None = None, xtr_stats: dict | None = None
) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
    """Yield ``(rows, dist, ind)`` for consecutive chunks of queries: the k nearest training rows of each.

    X : ndarray of shape (M, D) queries; Xtr : ndarray of shape (N, D) training rows; k <= N.
    metric : "l2", "l1" or "cosine". chunk_size : query rows per chunk (None: from the 256 MB budget).
    xtr_stats : optional dict of per-training-row statistics from :func:`training_stats`, so that a fitted
    model computes them once.
    Yields ``rows`` (a slice of X), ``dist`` (m, k) ascending and ``ind`` (m, k) int64 training indices.
    Memory: one (m, N) block at a time.
    """
    check_choice("metric", metric, METRICS)
    X, Xtr = as_float_pair(X, Xtr)
    k = check_int("k", k, low=1, high=len(Xtr))
    yield from _iter_kneighbors(X, Xtr, k, metric, chunk_size, xtr_stats)


def _iter_kneighbors(X, Xtr, k, metric, chunk_size=None, xtr_stats=None):
    """:func:`iter_chunked_kneighbors` on inputs already checked by :func:`as_float_pair`."""
    stats = training_stats(Xtr, metric) if xtr_stats is None else xtr_stats
    # Per chunk: the (m, N) block, argpartition's int64 indices, a shifted copy and two boolean masks.
    step = chunk_rows(len(Xtr), 2 * 8 + 8 + 2, chunk_size)
    fast32 = X.dtype == np.float32 and metric == "l2"
    for s in range(0, len(X), step):
        Xc = X[s : s + step]
        sl = slice(s, s + len(Xc))
        if metric == "cosine":
            d = np.clip(1 - _unit_rows(Xc) @ stats["unit"].T, 0, 2)
            ind = k_smallest(d, k)
            yield sl, np.take_along_axis(d, ind, 1), ind
            continue
        exact32 = False
        if fast32 and stats["int_max"] is not None and integer_max(Xc) is not None:
            shift = float(np.rint((Xc.min() + Xc.max()) / 2))
            block = exact_int_block_size(float(np.abs(Xc - shift).max()), stats["int_max"])
            exact32 = block >= min(64, Xc.shape[1])
        if exact32:  # integer pixels: exact float32 GEMM blocks, no re-check needed
            d = l2_squared_exact_int(Xc, Xtr, stats, block, shift)
        elif metric == "l2":
            d = l2_squared_block(Xc, Xtr, stats["sq"].astype(X.dtype))
        else:  # L1: SciPy's compiled cdist, float64 (no GEMM trick exists, so no float32 speed-up either)
            d = l1_block_float64(Xc, Xtr)
        if fast32 and not exact32:
            q = np.einsum("ij,ij->i", Xc, Xc, dtype=np.float64)
            dist, ind = _refine_float32(Xc, Xtr, d, q, stats["sq"], k)
        else:
            ind = k_smallest(d, k)
            dist = np.take_along_axis(d, ind, 1)
        if metric == "l2":
            dist = np.sqrt(dist)
        yield sl, dist.astype(X.dtype, copy=False), ind


def training_stats(Xtr: np.ndarray, metric: str) -> dict:
    """What :func:`iter_chunked_kneighbors` needs of the training rows, computed once at ``fit``:
    L2: float64 squared norms ``sq`` and sums ``sum`` (N,), ``int_max`` (:func:`integer_max`, float32 only);
    cosine: ``unit`` rows (N, D); L1: nothing."""
    if metric == "l2":
        int_max = integer_max(Xtr) if Xtr.dtype == np.float32 else None
        return {
            "sq": np.einsum("ij,ij->i", Xtr, Xtr, dtype=np.float64),
            "sum": Xtr.sum(axis=1, dtype=np.float64),
            "int_max": int_max,
        }
    if metric == "l1":
        return {}
    return {"unit": _unit_rows(Xtr)}


def kneighbors(X, Xtr, k: int, metric: str = "l2", chunk_size: int | None = None, xtr_stats=None):
    """All chunks of :func:`iter_chunked_kneighbors` stacked: ``(dist (M, k), ind (M, k))``."""
    check_choice("metric", metric, METRICS)
    X, Xtr = as_float_pair(X, Xtr)
    k = check_int("k", k, low=1, high=len(Xtr))
    return _kneighbors_checked(X, Xtr, k, metric, chunk_size, xtr_stats)


def _kneighbors_checked(X, Xtr, k, metric, chunk_size=None, xtr_stats=None):
    dist = np.empty((len(X), k), dtype=X.dtype)
    ind = np.empty((len(X), k), dtype=np.int64)
    for sl, d, i in _iter_kneighbors(X, Xtr, k, metric, chunk_size, xtr_stats):
        dist[sl], ind[sl] = d, i
    return dist, ind
