"""Preprocessing against independent references: NumPy statistics, scikit-learn's StandardScaler and PCA."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA as SkPCA
from sklearn.preprocessing import StandardScaler

from visrec.data.preprocess import PCA, TRANSFORMS, ChannelMean, MeanImage, Standardize, add_bias_column
from visrec.runs import load_arrays, save_arrays
from visrec.utils.errors import NotFittedError


@pytest.fixture
def images():
    g = np.random.default_rng(0)
    return g.integers(0, 256, size=(40, 4, 5, 3), dtype=np.uint8)


@pytest.fixture
def X():
    g = np.random.default_rng(1)
    return g.normal(size=(300, 6)) @ g.normal(size=(6, 6)) + g.normal(size=6) * 5


def test_mean_image(images):
    t = MeanImage().fit(images[:30])
    out = t.transform(images[30:])
    expected = images[30:].astype(np.float64) - images[:30].astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(out, expected)
    assert t.mean_.shape == (4, 5, 3) and out.dtype == np.float64
    flat = images.reshape(40, -1).astype(np.float32)
    out32 = MeanImage().fit_transform(flat)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.mean(axis=0), 0, atol=1e-4)


def test_channel_mean(images):
    t = ChannelMean().fit(images)
    ref = np.array([images[..., c].mean() for c in range(3)])
    np.testing.assert_allclose(t.mean_, ref)
    np.testing.assert_allclose(t.transform(images), images - ref)
    with pytest.raises(ValueError, match="4 channels.*fitted on 3"):
        ChannelMean().fit(images).transform(np.zeros((2, 4, 5, 4)))


def test_standardize_matches_sklearn(X):
    ours = Standardize().fit(X[:200])
    ref = StandardScaler().fit(X[:200])
    np.testing.assert_allclose(ours.transform(X[200:]), ref.transform(X[200:]), rtol=1e-12, atol=1e-12)
    Xc = X.copy()
    Xc[:, 2] = 4.0  # constant feature: centred, not divided by 0
    out = Standardize().fit_transform(Xc)
    assert np.isfinite(out).all() and np.all(out[:, 2] == 0)
    np.testing.assert_allclose(out, StandardScaler().fit_transform(Xc), atol=1e-12)


@pytest.mark.parametrize("k", [2, 6])
def test_pca_matches_sklearn(X, k):
    ours = PCA(n_components=k).fit(X)
    ref = SkPCA(n_components=k, svd_solver="full").fit(X)
    n = len(X)
    # components agree up to sign; variances differ only by sklearn's 1/(N-1) vs the notes' 1/N
    signs = np.sign(np.sum(ours.components_ * ref.components_, axis=1))
    np.testing.assert_allclose(ours.components_ * signs[:, None], ref.components_, atol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_ * (n - 1) / n, rtol=1e-10)
    np.testing.assert_allclose(ours.transform(X) * signs, ref.transform(X), atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(ours.components_, axis=1), 1.0)


def test_pca_whitening_gives_identity_covariance(X):
    W = PCA(whiten=True, eps=0.0).fit_transform(X)
    np.testing.assert_allclose(np.cov(W.T, bias=True), np.eye(6), atol=1e-9)
    ref = SkPCA(whiten=True, svd_solver="full").fit_transform(X)  # sklearn whitens to unit (N-1) variance
    n = len(X)
    np.testing.assert_allclose(np.abs(W) * np.sqrt((n - 1) / n), np.abs(ref), atol=1e-8)
    # eps damps small eigenvalues: variance of each output is lambda / (lambda + eps) < 1
    Weps = PCA(whiten=True, eps=1.0).fit_transform(X)
    ev = PCA().fit(X).explained_variance_
    np.testing.assert_allclose(Weps.var(axis=0), ev / (ev + 1.0), rtol=1e-9)


def test_pca_inverse_and_reduction(X):
    full = PCA().fit(X)
    np.testing.assert_allclose(full.inverse_transform(full.transform(X)), X, atol=1e-9)
    w = PCA(whiten=True).fit(X)
    np.testing.assert_allclose(w.inverse_transform(w.transform(X)), X, atol=1e-9)
    two = PCA(2).fit(X)
    err2 = np.mean((two.inverse_transform(two.transform(X)) - X) ** 2)
    assert err2 * 6 == pytest.approx(full.explained_variance_[2:].sum(), rel=1e-8)


def test_state_round_trip_through_safetensors(tmp_path, X, images):
    fitted = {
        "MeanImage": MeanImage().fit(images),
        "ChannelMean": ChannelMean().fit(images),
        "Standardize": Standardize().fit(X),
        "PCA": PCA(3, whiten=True, eps=1e-3).fit(X),
    }
    for name, t in fitted.items():
        path = tmp_path / f"{name}.safetensors"
        save_arrays(path, t.state(), metadata={"transform": name})
        back = TRANSFORMS[name].from_state(load_arrays(path))
        data = X if name in ("Standardize", "PCA") else images
        np.testing.assert_array_equal(back.transform(data), t.transform(data))
    pca = PCA.from_state(fitted["PCA"].state())
    assert (pca.n_components, pca.whiten, pca.eps) == (3, True, 1e-3)
    with pytest.raises(ValueError, match="missing"):
        PCA.from_state({"mean": np.zeros(3)})


def test_not_fitted_and_shape_errors(X):
    for t in (MeanImage(), ChannelMean(), Standardize(), PCA(2)):
        with pytest.raises(NotFittedError, match="fit"):
            t.transform(X)
    with pytest.raises(ValueError, match=r"examples of shape \(5,\)"):
        Standardize().fit(X).transform(X[:, :5])
    with pytest.raises(ValueError, match=r"\(N, 6\)"):
        PCA(2).fit(X).transform(X[:, :5])
    with pytest.raises(
        ValueError, match=r"'n_components' parameter of PCA must be an int in the range \[1, 6\]"
    ):
        PCA(7).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        Standardize().fit(np.array([[np.nan, 1.0]]))


def test_add_bias_column(X):
    out = add_bias_column(X)
    assert out.shape == (300, 7)
    np.testing.assert_array_equal(out[:, :6], X)
    np.testing.assert_array_equal(out[:, 6], 1.0)
    W = np.random.default_rng(0).normal(size=(7, 3))  # the bias trick: [x, 1] @ [W; b] = x @ W + b
    np.testing.assert_allclose(out @ W, X @ W[:6] + W[6], rtol=1e-12)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        add_bias_column(np.zeros((2, 3, 4)))
