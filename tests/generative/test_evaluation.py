"""Fréchet distance against scipy.linalg.sqrtm, the class entropy, and scores on real vs collapsed sets."""

import numpy as np
import pytest
import torch
from scipy import linalg

from visrec.generative._errors import ParameterError
from visrec.generative.evaluation import (
    DigitClassifier,
    class_histogram_entropy,
    frechet_distance,
    frechet_distance_from_features,
    sample_quality,
    trace_sqrt_product,
)


def scipy_frechet(mu1, s1, mu2, s2):
    covmean = linalg.sqrtm(s1 @ s2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real)


def random_cov(rng, d, rank=None):
    a = rng.normal(size=(d, rank or d + 2))
    return a @ a.T / a.shape[1]


@pytest.mark.parametrize("d", [1, 2, 5, 12])
def test_frechet_matches_scipy_sqrtm(d):
    rng = np.random.default_rng(d)
    for _ in range(5):
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        s1, s2 = random_cov(rng, d), random_cov(rng, d)
        assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(scipy_frechet(mu1, s1, mu2, s2), rel=1e-7)
        assert trace_sqrt_product(s1, s2) == pytest.approx(np.trace(linalg.sqrtm(s1 @ s2)).real, rel=1e-8)


def test_frechet_closed_forms():
    # equal covariances: only the means count; 1-D: (m1 - m2)^2 + (s1 - s2)^2
    s = random_cov(np.random.default_rng(0), 4)
    assert frechet_distance(np.zeros(4), s, np.ones(4), s) == pytest.approx(4.0, abs=1e-9)
    assert frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4 + 1, rel=1e-12)
    # a rank-deficient covariance (fewer samples than features) still works
    rng = np.random.default_rng(1)
    s1, s2 = random_cov(rng, 6, rank=3), random_cov(rng, 6, rank=2)
    assert frechet_distance(np.zeros(6), s1, np.zeros(6), s2) == pytest.approx(
        scipy_frechet(np.zeros(6), s1, np.zeros(6), s2), abs=1e-6
    )


def test_frechet_from_features_and_errors():
    rng = np.random.default_rng(0)
    f1, f2 = rng.normal(size=(400, 3)), rng.normal(size=(300, 3)) + 2.0
    expected = scipy_frechet(f1.mean(0), np.cov(f1, rowvar=False), f2.mean(0), np.cov(f2, rowvar=False))
    assert frechet_distance_from_features(f1, f2) == pytest.approx(expected, rel=1e-7)
    with pytest.raises(ParameterError, match="same D"):
        frechet_distance_from_features(f1, f2[:, :2])


def test_class_histogram_entropy():
    assert class_histogram_entropy(np.arange(10).repeat(5), 10) == pytest.approx(np.log(10))
    assert class_histogram_entropy(np.zeros(7, int), 10) == 0.0
    assert class_histogram_entropy(np.array([0, 1]), 10) == pytest.approx(np.log(2))


class StubClassifier:
    """Probabilities from the image's mean brightness bucket; features = the flattened image."""

    def probe(self, images):
        x = images.reshape(len(images), -1).astype(np.float64) / 255
        k = np.clip((x.mean(1) * 10).astype(int), 0, 9)
        probs = np.full((len(x), 10), 0.01)
        probs[np.arange(len(x)), k] = 0.91
        return probs, x[:, :6]


def test_sample_quality_separates_real_from_collapsed():
    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, size=(400, 4, 4, 1), dtype=np.uint8)
    good = sample_quality(StubClassifier(), real[:150], real[150:])
    collapsed = sample_quality(StubClassifier(), np.repeat(real[:1], 150, 0), real[150:])
    assert collapsed["class_entropy"] == 0.0 < good["class_entropy"]
    assert collapsed["frechet"] > 10 * good["frechet_real_floor"]
    assert good["frechet"] < 3 * good["frechet_real_floor"] + 0.05
    assert good["confident_share"] == 1.0


def test_digit_classifier_shapes():
    clf = DigitClassifier(1, 28)
    probs, feats = clf.probe(np.zeros((3, 28, 28, 1), np.uint8))
    assert probs.shape == (3, 10) and feats.shape == (3, 128)
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)
    assert clf(torch.zeros(2, 1, 8, 8)).shape == (2, 10)  # adaptive pooling: any size >= 8
