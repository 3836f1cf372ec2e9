"""Linear losses: the slides' vectors (with errata), gradient checks, naive == vectorized."""

import numpy as np
import pytest

from visrec.classic import linear_loss as ll
from visrec.utils.gradcheck import numeric_gradient, rel_error

# L1268-1457: scores (cat, car, frog) of the cat, car and frog images.
SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
LABELS = np.array([0, 1, 2])

LOSSES = [
    (ll.svm_loss_naive, ll.svm_loss_vectorized),
    (ll.softmax_loss_naive, ll.softmax_loss_vectorized),
]


def test_svm_slide_vectors():
    np.testing.assert_allclose(ll.svm_loss_from_scores(SCORES, LABELS), [2.9, 0.0, 12.9], atol=1e-12)
    # Through W and X: X = I (3 examples, D = 3), W = SCORES, so X @ W gives the slide's scores.
    for fn in (ll.svm_loss_naive, ll.svm_loss_vectorized):
        loss, _ = fn(SCORES, np.eye(3), LABELS, reg=0.0)
        assert loss == pytest.approx((2.9 + 0 + 12.9) / 3)
        assert round(loss, 2) == 5.27
    # L1642: doubling W keeps the car image at loss 0.
    assert ll.svm_loss_from_scores(2 * SCORES[1:2], [1])[0] == 0


def test_softmax_slide_vector_natural_log():
    # L1872-1885: probabilities 0.13, 0.87, 0.00; L_i = -ln(0.13) = 2.04.
    s = SCORES[0]
    np.testing.assert_allclose(np.exp(s), [24.5, 164.0, 0.18], atol=0.05)  # the slide rounds
    probs = np.exp(s) / np.exp(s).sum()
    np.testing.assert_allclose(probs.round(2), [0.13, 0.87, 0.00])
    loss = ll.softmax_loss_from_scores(SCORES[:1], [0])[0]
    assert loss == pytest.approx(2.0404, abs=1e-4)
    # ⚠ L1976 quotes 0.89: that is log10(1 / 0.13), not the natural log used everywhere else.
    assert -np.log10(probs[0]) == pytest.approx(0.89, abs=0.005)


def test_svm_vs_softmax_jiggle():
    # L2351-2361: y = 0. SVM is already 0 for all three; softmax keeps pushing.
    scores = np.array([[10, -2, 3], [10, 9, 9], [10, -100, -100]], dtype=np.float64)
    y = np.zeros(3, dtype=int)
    np.testing.assert_array_equal(ll.svm_loss_from_scores(scores, y), [0, 0, 0])
    soft = ll.softmax_loss_from_scores(scores, y)
    exact = np.log1p(np.exp(scores[:, 1] - 10) + np.exp(scores[:, 2] - 10))
    np.testing.assert_allclose(soft, exact, rtol=1e-12, atol=1e-15)
    assert soft[0] == pytest.approx(0.000918, rel=1e-3)  # 9.18e-4 on the slide
    assert soft[1] == pytest.approx(0.551, abs=5e-4)
    assert soft[2] < 1e-40  # "~0" (2 e^-110)


def test_linear_score_example_and_bias_erratum():
    # L968-969: cat -96.8, dog 437.9, ship 61.95 on the slide.
    W = [[0.2, -0.5, 0.1, 2.0], [1.5, 1.3, 2.1, 0.0], [0, 0.25, 0.2, -0.3]]
    b = [1.1, 3.2, -1.2]
    x = [56, 231, 24, 2]
    s = ll.linear_scores(W, b, x)
    np.testing.assert_allclose(s[:2], [-96.8, 437.9])
    # ⚠ the slide's ship score 61.95 leaves out the bias -1.2; W x + b = 60.75.
    assert ll.linear_scores(W, [0, 0, 0], x)[2] == pytest.approx(61.95)
    assert s[2] == pytest.approx(60.75)


def test_stable_softmax_survives_huge_scores():
    loss = ll.softmax_loss_from_scores(np.array([[1000.0, 0.0, -1000.0]]), [1])[0]
    assert loss == pytest.approx(1000.0)


def test_loss_at_init():
    # L2331 and L1479-1592: with tiny W, softmax ~ log(C) and the SVM ~ C - 1.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 30))
    y = rng.integers(0, 10, 500)
    W = 1e-6 * rng.standard_normal((30, 10))
    assert ll.softmax_loss_vectorized(W, X, y, 0.0)[0] == pytest.approx(np.log(10), abs=1e-3)
    assert ll.svm_loss_vectorized(W, X, y, 0.0)[0] == pytest.approx(9, abs=1e-3)


def test_l2_prefers_spread_weights():
    # L1752-1781: equal scores, but R(w2) < R(w1), so L2 prefers w2.
    x = np.ones(4)
    w1, w2 = np.array([1.0, 0, 0, 0]), np.full(4, 0.25)
    assert w1 @ x == w2 @ x == 1
    r1 = ll.regularization(w1[:, None], 1.0, "l2")[0]
    r2 = ll.regularization(w2[:, None], 1.0, "l2")[0]
    assert (r1, r2) == (1.0, 0.25)
    assert ll.regularization(w1[:, None], 1.0, "l1")[0] == ll.regularization(w2[:, None], 1.0, "l1")[0]


def test_numeric_gradient_reproduces_the_slide_arithmetic():
    # L2565, L2613: the loss 1.25347 becomes 1.25322 when W[0] grows by h = 0.0001 and 1.25353 when W[1]
    # does: (1.25322 - 1.25347) / 0.0001 = -2.5 and (1.25353 - 1.25347) / 0.0001 = 0.6. A loss with exactly
    # those values must give visrec's numeric gradient those slopes (centred differences: exact for it).
    def loss(w):
        return 1.25347 - 2.5 * w[0] + 0.6 * w[1]

    w = np.zeros(2)
    assert loss(np.array([1e-4, 0.0])) == pytest.approx(1.25322) and loss(np.array([0.0, 1e-4])) == (
        pytest.approx(1.25353)
    )
    np.testing.assert_allclose(numeric_gradient(loss, w, h=1e-4), [-2.5, 0.6], rtol=1e-9)
    np.testing.assert_array_equal(w, 0.0)  # restored after probing


def _problem(seed):
    """Random (W, X, y) with every hinge margin and every weight well away from its kink."""
    rng = np.random.default_rng(seed)
    while True:
        W = rng.standard_normal((6, 4))
        X = rng.standard_normal((9, 6))
        y = rng.integers(0, 4, 9)
        s = X @ W
        margins = s - s[np.arange(9), y][:, None] + 1
        margins[np.arange(9), y] = 10
        if np.abs(margins).min() > 1e-3 and np.abs(W).min() > 1e-3:
            return W, X, y


@pytest.mark.parametrize("reg_type", ["l2", "l1", "elastic"])
@pytest.mark.parametrize("pair", LOSSES, ids=["svm", "softmax"])
def test_gradients_match_numeric(pair, reg_type):
    W, X, y = _problem(seed=1)
    for fn in pair:
        loss, dW = fn(W, X, y, reg=0.3, reg_type=reg_type, beta=0.7)
        num = numeric_gradient(lambda w, fn=fn: fn(w, X, y, 0.3, reg_type, 0.7)[0], W.copy(), h=1e-5)
        assert rel_error(dW, num) < 1e-7


@pytest.mark.parametrize("reg_type", ["l2", "l1", "elastic"])
@pytest.mark.parametrize("pair", LOSSES, ids=["svm", "softmax"])
def test_naive_equals_vectorized(pair, reg_type):
    rng = np.random.default_rng(2)
    W, X, y = 0.01 * rng.standard_normal((20, 5)), rng.standard_normal((40, 20)), rng.integers(0, 5, 40)
    (l1, g1), (l2, g2) = (fn(W, X, y, 0.1, reg_type) for fn in pair)
    assert l1 == pytest.approx(l2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)


def test_regularizer_values():
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert ll.regularization(W, 2.0, "l2")[0] == pytest.approx(2 * 5.25)
    assert ll.regularization(W, 2.0, "l1")[0] == pytest.approx(2 * 3.5)
    assert ll.regularization(W, 2.0, "elastic", beta=0.5)[0] == pytest.approx(2 * (0.5 * 5.25 + 3.5))


def test_shape_errors():
    with pytest.raises(ValueError, match=r"W of shape \(D, K\)"):
        ll.svm_loss_vectorized(np.zeros((3, 2)), np.zeros((4, 5)), np.zeros(4, int), 0.0)
