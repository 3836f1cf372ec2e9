"""Every figure function writes a readable, non-empty PNG and rejects bad shapes with a clear message."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from visrec import report
from visrec.report._figure import rescale_to_uint8


def _png_ok(path) -> tuple[int, int]:
    assert path.is_file() and path.stat().st_size > 1000
    with Image.open(path) as im:
        assert im.format == "PNG"
        return im.size


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_cv_accuracy_vs_k(tmp_path, rng):
    out = report.cv_accuracy_vs_k([1, 3, 5, 7], rng.uniform(0.2, 0.3, size=(4, 5)), tmp_path / "cv.png")
    _png_ok(out)
    with pytest.raises(ValueError, match=r"shape \(P, F\)"):
        report.cv_accuracy_vs_k([1, 3, 5], rng.uniform(size=(4, 5)), tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


def test_linear_templates(tmp_path, rng):
    out = report.linear_templates(rng.normal(size=(3, 8, 8, 3)), tmp_path / "t.png", ["a", "b", "c"])
    _png_ok(out)
    report.linear_templates(rng.normal(size=(2, 8, 8, 1)), tmp_path / "g.png")
    with pytest.raises(ValueError, match="C = 1 or 3"):
        report.linear_templates(rng.normal(size=(3, 3, 8, 8)), tmp_path / "x.png")
    with pytest.raises(ValueError, match="K = 3 names"):
        report.linear_templates(rng.normal(size=(3, 8, 8, 3)), tmp_path / "x.png", ["a"])


def test_templates_from_weights_drops_bias_row(rng):
    W = rng.normal(size=(4 * 4 * 3 + 1, 5))
    t = report.templates_from_weights(W, (4, 4, 3))
    assert t.shape == (5, 4, 4, 3)
    # template of class 2, pixel (1, 2), channel 0 is weight row (1 * 4 + 2) * 3 + 0
    assert t[2, 1, 2, 0] == W[(1 * 4 + 2) * 3, 2]
    with pytest.raises(ValueError, match="D = H\\*W\\*C = 48"):
        report.templates_from_weights(W[:10], (4, 4, 3))


def test_rescale_to_uint8_spans_full_range(rng):
    x = rng.normal(size=(5, 5, 3))
    r = rescale_to_uint8(x)
    assert r.dtype == np.uint8 and r.min() == 0 and r.max() == 255
    assert (
        np.argsort(r.ravel(), kind="stable")
        == np.argsort(np.round(255 * (x - x.min()) / np.ptp(x)).ravel(), kind="stable")
    ).all()
    assert (rescale_to_uint8(np.full((2, 2), 3.0)) == 0).all()


def test_nearest_neighbors(tmp_path, rng):
    q = rng.integers(0, 256, size=(3, 8, 8, 1), dtype=np.uint8)
    nb = rng.integers(0, 256, size=(3, 4, 8, 8, 1), dtype=np.uint8)
    out = report.nearest_neighbors(
        q, nb, tmp_path / "nn.png", [0, 1, 2], rng.integers(0, 3, (3, 4)), list("abc")
    )
    _png_ok(out)
    with pytest.raises(ValueError, match="one row per query"):
        report.nearest_neighbors(q, nb[:2], tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"\(M, k, H, W, C\)"):
        report.nearest_neighbors(q, nb[:, 0], tmp_path / "x.png")


def test_confusion_counts_match_sklearn(rng):
    from sklearn.metrics import confusion_matrix

    yt, yp = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    assert (report.confusion_counts(yt, yp, 4) == confusion_matrix(yt, yp, labels=range(4))).all()
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        report.confusion_counts(yt, yp + 1, 4)
    with pytest.raises(ValueError, match="same shape"):
        report.confusion_counts(yt, yp[:5], 4)


def test_confusion_matrix_png(tmp_path, rng):
    out = report.confusion_matrix(
        rng.integers(0, 3, 50), rng.integers(0, 3, 50), tmp_path / "cm.png", list("abc")
    )
    _png_ok(out)


def test_smooth_is_trailing_running_mean(rng):
    v = rng.normal(size=37)
    ref = np.array([v[max(0, t - 4) : t + 1].mean() for t in range(37)])
    np.testing.assert_allclose(report.smooth(v, 5), ref)


def test_curves(tmp_path, rng):
    _png_ok(report.loss_curve(np.exp(-np.arange(200) / 50) + 0.1 * rng.random(200), tmp_path / "loss.png"))
    _png_ok(report.loss_curve([2.3, np.nan, 1.0], tmp_path / "nan.png"))
    _png_ok(report.accuracy_curves([0.1, 0.5, 0.8], [0.1, 0.4, 0.5], tmp_path / "acc.png"))
    with pytest.raises(ValueError, match="non-empty 1-D"):
        report.loss_curve([], tmp_path / "x.png")
    with pytest.raises(ValueError, match="same length"):
        report.accuracy_curves([0.1, 0.2], [0.1], tmp_path / "x.png")


def test_grids(tmp_path, rng):
    _png_ok(
        report.image_grid(
            rng.integers(0, 256, (10, 8, 8, 3), dtype=np.uint8),
            tmp_path / "g.png",
            titles=[str(i) for i in range(10)],
        )
    )
    _png_ok(report.filters_grid(rng.normal(size=(6, 3, 5, 5)), tmp_path / "f.png"))
    _png_ok(report.filters_grid(rng.normal(size=(6, 5, 5, 1)), tmp_path / "f1.png", channels_first=False))
    with pytest.raises(ValueError, match="C = 1 or 3"):
        report.filters_grid(rng.normal(size=(6, 16, 3, 3)), tmp_path / "x.png")
    with pytest.raises(ValueError, match="titles must hold N = 10"):
        report.image_grid(rng.integers(0, 256, (10, 8, 8, 3)), tmp_path / "x.png", titles=["a"])
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        report.image_grid(rng.integers(0, 256, (8, 8, 3)), tmp_path / "x.png")
