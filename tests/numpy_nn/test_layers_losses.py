"""Loss layers (softmax, SVM, L2): numeric gradients and torch losses (cross_entropy, multi_margin_loss)."""

import math

import numpy as np
import pytest
import torch.nn.functional as F

from _testers import LossCase, check_loss_case
from visrec.numpy_nn.layers import l2_loss, softmax_loss, svm_loss


def scores_and_labels(rng, N=6, K=5, scale=2.0):
    return rng.standard_normal((N, K)) * scale, rng.integers(0, K, N)


def svm_inputs(rng):
    # Keep every margin s_j - s_y + 1 more than 1e-3 from the hinge's kink at 0.
    while True:
        s, y = scores_and_labels(rng)
        margins = s - s[np.arange(len(y)), y][:, None] + 1
        margins[np.arange(len(y)), y] = 1
        if np.abs(margins).min() > 1e-3:
            return s, y


CASES = [
    LossCase("softmax", softmax_loss, scores_and_labels, F.cross_entropy),
    LossCase(
        "softmax-large-scores", softmax_loss, lambda rng: scores_and_labels(rng, scale=300.0), F.cross_entropy
    ),
    LossCase("svm", svm_loss, svm_inputs, lambda s, y: s.shape[1] * F.multi_margin_loss(s, y, margin=1.0)),
    LossCase(
        "l2",
        l2_loss,
        lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((4, 3))),
        lambda p, t: 0.5 * F.mse_loss(p, t, reduction="sum") / p.shape[0],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_loss(case):
    check_loss_case(case)


def test_softmax_loss_at_uniform_scores_is_log_k():
    # With all scores equal the softmax loss is log(10) = 2.302585 (Lecture 3's sanity check).
    loss, _ = softmax_loss(np.zeros((7, 10)), np.arange(7))
    assert math.isclose(loss, math.log(10), rel_tol=1e-12)


def test_svm_loss_at_zero_scores_is_k_minus_one():
    loss, _ = svm_loss(np.zeros((4, 10)), np.array([0, 1, 2, 3]))
    assert loss == 9.0


@pytest.mark.parametrize("fn", [softmax_loss, svm_loss])
def test_losses_reject_bad_labels(fn):
    with pytest.raises(ValueError, match=r"labels must lie in \[0, K-1\]"):
        fn(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="integer labels"):
        fn(np.zeros((2, 3)), np.array([0.0, 1.0]))
