"""k-NN: parity with scikit-learn's brute-force KNeighborsClassifier (random and tie-heavy data), the
estimator contract, the float32 fast path, chunking and the tie rules."""

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.estimator_checks import check_estimator
from threadpoolctl import threadpool_limits

from visrec.classic import KNearestNeighbor, iter_chunked_kneighbors, kneighbors
from visrec.classic.neighbors import heap_select, k_smallest

SK_METRIC = {"l2": "euclidean", "l1": "manhattan", "cosine": "cosine"}


def _data(kind, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    if kind == "random":
        X, Xtr = rng.standard_normal((40, 8)), rng.standard_normal((150, 8))
    else:  # tie-heavy: small integers, so many training rows share a distance (exact in float32 too)
        X, Xtr = rng.integers(0, 3, (40, 5)), rng.integers(0, 3, (150, 5))
        if kind == "half-ties":  # not integers: float32 takes the GEMM + exact re-check path instead
            X, Xtr = X + 0.5, Xtr * 0.5
    ytr = rng.integers(0, 4, len(Xtr))
    return X.astype(dtype), Xtr.astype(dtype), ytr


def _sklearn(metric, k, Xtr, ytr, X):
    # scikit-learn's ArgKmin keeps ties by a heap scanned in index order; with several OpenMP threads the
    # merge order (and so the tie choice) depends on the thread count, hence one thread for a fixed answer.
    with threadpool_limits(1, user_api="openmp"):
        sk = KNeighborsClassifier(n_neighbors=k, algorithm="brute", metric=SK_METRIC[metric]).fit(Xtr, ytr)
        return sk.predict(X), sk.predict_proba(X), sk.kneighbors(X)


@pytest.mark.parametrize("k", [1, 3, 5, 7])
@pytest.mark.parametrize("metric", ["l2", "l1"])
@pytest.mark.parametrize("kind", ["random", "ties", "half-ties"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predictions_match_sklearn(k, metric, kind, dtype):
    X, Xtr, ytr = _data(kind, seed=k, dtype=dtype)
    pred, proba, (sk_dist, sk_ind) = _sklearn(metric, k, Xtr, ytr, X)
    knn = KNearestNeighbor(k=k, metric=metric).fit(Xtr, ytr)
    np.testing.assert_array_equal(knn.predict(X), pred)
    np.testing.assert_allclose(knn.predict_proba(X), proba)
    dist, ind = knn.kneighbors(X)
    np.testing.assert_allclose(dist, sk_dist, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.sort(ind, axis=1), np.sort(sk_ind, axis=1))  # same neighbour sets


@pytest.mark.parametrize("k", [1, 3, 5, 7])
def test_cosine_matches_sklearn_on_random_data(k):
    # scikit-learn's cosine brute force uses argpartition (ties arbitrary), so only tie-free data compares.
    X, Xtr, ytr = _data("random", seed=10 + k)
    pred, proba, _ = _sklearn("cosine", k, Xtr, ytr, X)
    knn = KNearestNeighbor(k=k, metric="cosine").fit(Xtr, ytr)
    np.testing.assert_array_equal(knn.predict(X), pred)
    np.testing.assert_allclose(knn.predict_proba(X), proba)


def test_vote_tie_goes_to_smallest_label():
    Xtr = np.array([[0.0], [1.0], [-1.0], [2.0]])
    ytr = np.array([7, 3, 3, 7])
    knn = KNearestNeighbor(k=4).fit(Xtr, ytr)  # two votes each
    assert knn.predict([[0.5]])[0] == 3


def test_neighbour_ties_sorted_by_distance_then_index():
    d = np.array([[2.0, 1.0, 1.0, 0.0, 1.0, 3.0]])
    np.testing.assert_array_equal(k_smallest(d, 3)[0], [3, 1, 2])
    np.testing.assert_array_equal(k_smallest(d, 6)[0], [3, 1, 2, 4, 0, 5])


def test_heap_select_differs_from_smallest_index_like_sklearn():
    # A max-heap that saw a larger value first evicts it, not the last of the tied ones.
    row = np.array([5.0, 1.0, 1.0, 1.0, 0.0])
    sel = heap_select(row, 3)
    assert sorted(sel.tolist()) in ([1, 2, 4], [1, 3, 4], [2, 3, 4])
    assert 4 in sel and 0 not in sel


@pytest.mark.parametrize("metric", ["l2", "l1", "cosine"])
def test_chunk_size_does_not_change_results(metric):
    X, Xtr, _ = _data("ties", seed=3)
    full = kneighbors(X, Xtr, 5, metric)
    for chunk in (1, 7, 64):
        got = kneighbors(X, Xtr, 5, metric, chunk_size=chunk)
        np.testing.assert_array_equal(got[1], full[1])
    chunks = list(iter_chunked_kneighbors(X, Xtr, 5, metric, chunk_size=16))
    assert [c[0] for c in chunks] == [slice(0, 16), slice(16, 32), slice(32, 40)]
    assert all(c[1].shape == (c[0].stop - c[0].start, 5) for c in chunks)


@pytest.mark.parametrize("metric", ["l2", "l1"])
def test_float32_fast_path_equals_float64_neighbours(metric):
    # Clusters of near-duplicates far from the origin: float32 GEMM rounding (~0.1 on squared distances
    # of ~0.05) alone would scramble the order; the exact float64 re-check of the candidates must not.
    rng = np.random.default_rng(4)
    base = rng.uniform(0, 255, (10, 256))
    Xtr = (np.repeat(base, 20, axis=0) + rng.normal(0, 0.01, (200, 256))).astype(np.float32)
    X = (base + rng.normal(0, 0.01, base.shape)).astype(np.float32)
    d64, i64 = kneighbors(X.astype(np.float64), Xtr.astype(np.float64), 7, metric)
    d32, i32 = kneighbors(X, Xtr, 7, metric)
    np.testing.assert_array_equal(i32, i64)
    np.testing.assert_allclose(d32, d64, rtol=1e-6)
    if metric == "l2":  # the plain float32 computation really does get this wrong
        from visrec.classic.distances import l2_squared_block, squared_norms

        plain = k_smallest(l2_squared_block(X, Xtr, squared_norms(Xtr)), 7)
        assert (plain != i64).any()


def test_uint8_images_are_stored_as_float32():
    rng = np.random.default_rng(5)
    Xtr = rng.integers(0, 256, (30, 12), dtype=np.uint8)
    knn = KNearestNeighbor(k=1, metric="l1").fit(Xtr, np.arange(30))
    assert knn.X_fit_.dtype == np.float32
    np.testing.assert_array_equal(knn.predict(Xtr), np.arange(30))  # each row is its own neighbour


def test_errors_name_parameter_and_range():
    X, y = np.zeros((3, 2)), np.array([0, 1, 0])
    with pytest.raises(ValueError, match=r"The 'k' parameter of KNearestNeighbor must be an int in the"):
        KNearestNeighbor(k=0).fit(X, y)
    with pytest.raises(ValueError, match="'metric' parameter of KNearestNeighbor must be one of"):
        KNearestNeighbor(metric="l3").fit(X, y)
    with pytest.raises(ValueError, match="Expected k <= n_samples_fit"):
        KNearestNeighbor(k=5).fit(X, y).predict(X)


def test_check_estimator():
    # Nothing skipped on purpose (the array-API and pandas checks skip themselves when those are absent).
    check_estimator(KNearestNeighbor())


def test_integer_pixels_take_the_exact_float32_path():
    from visrec.classic.neighbors import exact_int_block_size, l2_squared_exact_int, training_stats

    assert exact_int_block_size(128, 255) == 514  # 514 * 128 * 255 <= 2^24 < 515 * 128 * 255
    rng = np.random.default_rng(6)
    Xtr = rng.integers(0, 256, (120, 1100)).astype(np.float32)  # D > 514: several GEMM blocks
    X = rng.integers(0, 256, (9, 1100)).astype(np.float32)
    ref = ((X.astype(np.int64)[:, None, :] - Xtr.astype(np.int64)[None]) ** 2).sum(-1)  # exact integers
    got = l2_squared_exact_int(X, Xtr, training_stats(Xtr, "l2"), 514, 128.0)
    np.testing.assert_array_equal(got, ref)
    d, i = kneighbors(X, Xtr, 3)
    np.testing.assert_array_equal(i, np.argsort(ref, axis=1, kind="stable")[:, :3])
