"""Distances: the slides' L1 example, the three implementations against each other, chunking, scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_distances as sk_cosine
from sklearn.metrics.pairwise import euclidean_distances, manhattan_distances

from visrec.classic import distances as dist

TEST_IMG = [[56, 32, 10, 18], [90, 23, 128, 133], [24, 26, 178, 200], [2, 0, 255, 220]]
TRAIN_IMG = [[10, 20, 24, 17], [8, 10, 89, 100], [12, 16, 178, 170], [4, 32, 233, 112]]

L2_FNS = [dist.l2_distances_two_loops, dist.l2_distances_one_loop, dist.l2_distances_no_loops]
L1_FNS = [dist.l1_distances_two_loops, dist.l1_distances_one_loop, dist.l1_distances_no_loops]


@pytest.mark.parametrize("fn", L1_FNS + [dist.l1_distances_cdist])
def test_l1_slide_example_is_456(fn):
    # L343-363: the 4x4 test and training images as one row each.
    a = np.array(TEST_IMG, dtype=np.uint8).reshape(1, -1)
    b = np.array(TRAIN_IMG, dtype=np.uint8).reshape(1, -1)
    assert fn(a, b)[0, 0] == 456  # uint8 must not wrap around: computed in float64


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_three_versions_agree_with_sklearn(dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 5)).astype(dtype)
    Xtr = rng.standard_normal((11, 5)).astype(dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for fns, ref in ((L2_FNS, euclidean_distances), (L1_FNS, manhattan_distances)):
        expected = ref(X.astype(np.float64), Xtr.astype(np.float64))
        for fn in fns:
            d = fn(X, Xtr)
            assert d.shape == (7, 11) and d.dtype == dtype
            np.testing.assert_allclose(d, expected, atol=tol * 10, rtol=tol)


@pytest.mark.parametrize("metric", ["l2", "l1", "cosine"])
def test_chunked_equals_unchunked(metric):
    rng = np.random.default_rng(1)
    X, Xtr = rng.standard_normal((23, 6)), rng.standard_normal((17, 6))
    full = dist.pairwise_distances(X, Xtr, metric)
    for chunk in (1, 4, 23, 100):
        got = dist.pairwise_distances(X, Xtr, metric, chunk_size=chunk)
        np.testing.assert_allclose(got, full, atol=1e-12)


def test_l1_broadcast_blocks_equal_loops():
    rng = np.random.default_rng(3)
    X, Xtr = rng.standard_normal((9, 6)), rng.standard_normal((13, 6))
    ref = dist.l1_distances_two_loops(X, Xtr)
    for chunk in (1, 2, 9):
        np.testing.assert_allclose(dist.l1_distances_no_loops(X, Xtr, chunk_size=chunk), ref, atol=1e-12)


def test_chunk_rows_respects_the_memory_budget():
    # 49,000 training rows in float32: 256 MB / (49,000 * 4 B) = 1369 query rows per chunk.
    assert dist.chunk_rows(49_000, 4) == 256 * 2**20 // (49_000 * 4)
    assert dist.chunk_rows(10**12, 8) == 1  # never zero rows
    assert dist.chunk_rows(10, 8, chunk_size=5) == 5


def test_cosine_matches_sklearn_including_zero_rows():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 4))
    X[0] = 0
    Xtr = rng.standard_normal((6, 4))
    np.testing.assert_allclose(dist.cosine_distances(X, Xtr), sk_cosine(X, Xtr), atol=1e-12)


def test_l2_no_loops_clips_negative_rounding():
    x = np.full((1, 3), 1e8)
    d = dist.l2_distances_no_loops(x, x.copy())
    assert d[0, 0] == 0.0  # ||a||^2 - 2a.b + ||b||^2 can round below 0: clipped before the sqrt


def test_bad_shapes_and_metric_raise_helpful_errors():
    with pytest.raises(ValueError, match="same D"):
        dist.pairwise_distances(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"\(M, D\)"):
        dist.pairwise_distances(np.zeros(3), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="'metric' parameter must be one of"):
        dist.pairwise_distances(np.zeros((2, 3)), np.zeros((2, 3)), metric="l3")


def test_generator_reachable_from_distances_module():
    from visrec.classic.neighbors import iter_chunked_kneighbors

    assert dist.iter_chunked_kneighbors is iter_chunked_kneighbors
