"""Sample-quality scores from the digit classifier: confident share, class entropy, Fréchet distance.

- confident share: the fraction of samples the classifier labels with probability >= ``threshold``;
- predicted-class entropy: H of the histogram of predicted labels, in nats (ln 10 = 2.303 when every digit
  is generated equally often; 0 when the generator collapsed onto one mode);
- Fréchet distance between the classifier's features of the samples and of held-out real digits, printed
  beside the real-vs-real floor: the same distance between two disjoint halves of the held-out digits, with
  the same number of images (the distance is biased upwards for small sets, so only equal sizes compare).
"""

from __future__ import annotations

import numpy as np

from visrec.generative._errors import ParameterError
from visrec.generative.evaluation.frechet import frechet_distance_from_features

__all__ = ["class_histogram_entropy", "sample_quality"]


def class_histogram_entropy(labels: np.ndarray, num_classes: int) -> float:
    """Entropy (nats) of the histogram of predicted labels (N,) over K classes."""
    p = np.bincount(labels, minlength=num_classes) / max(1, len(labels))
    p = p[p > 0]
    return float(-(p * np.log(p)).sum()) + 0.0  # + 0.0: no "-0.0" for a single class


def sample_quality(classifier, samples: np.ndarray, real: np.ndarray, threshold: float = 0.9, seed: int = 0):
    """Scores of uint8 samples (N, H, W, C) against uint8 held-out real images (M, H, W, C).

    The real images are split into seeded halves A and B; the samples and A are cut to the same size
    n = min(N, M // 2) and both compared with B (A vs B is the floor).
    """
    if samples.shape[1:] != real.shape[1:]:
        raise ParameterError(
            f"Samples {samples.shape[1:]} and real images {real.shape[1:]} differ in shape; score samples of "
            "a model trained on the classifier's data."
        )
    order = np.random.default_rng(seed).permutation(len(real))
    half = len(real) // 2
    a, b = real[order[:half]], real[order[half:]]
    n = min(len(samples), len(a))
    if n < 10:
        raise ParameterError(f"Need at least 10 samples and 20 real images to score; got {len(samples)}, {len(real)}.")
    probs, feats = classifier.probe(samples[:n])
    _, feats_a = classifier.probe(a[:n])
    probs_b, feats_b = classifier.probe(b)
    k = probs.shape[1]
    pred = probs.argmax(1)
    return {
        "n": int(n),
        "confident_share": float((probs.max(1) >= threshold).mean()),
        "real_confident_share": float((probs_b.max(1) >= threshold).mean()),
        "class_entropy": class_histogram_entropy(pred, k),
        "class_entropy_max": float(np.log(k)),
        "frechet": frechet_distance_from_features(feats, feats_b),
        "frechet_real_floor": frechet_distance_from_features(feats_a, feats_b),
    }
