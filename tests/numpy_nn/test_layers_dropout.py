"""Inverted dropout: expectation preserved, identity at test time, backward through the same mask."""

import numpy as np
import pytest

from visrec.numpy_nn.layers import dropout_backward, dropout_forward


@pytest.mark.parametrize("p", [0.25, 0.5, 0.9])
def test_dropout_keeps_a_fraction_p_and_preserves_the_expectation(p):
    x = np.random.default_rng(0).standard_normal((200, 100)) + 3.0
    out, (_, mask) = dropout_forward(x, p, "train", seed=1)
    kept = mask != 0
    assert abs(kept.mean() - p) < 0.01  # 20,000 Bernoulli(p) draws: std <= 0.0035
    np.testing.assert_allclose(out[kept], x[kept] / p)  # survivors scaled by 1/p ...
    assert np.all(out[~kept] == 0)
    # ... so the mean over many masks equals the input (averaging 400 masks: std of the mean ~0.05 x)
    mean = np.mean([dropout_forward(x[:5], p, "train", seed=s)[0] for s in range(400)], axis=0)
    np.testing.assert_allclose(mean, x[:5], rtol=0.25)
    assert abs(mean.mean() / x[:5].mean() - 1) < 0.02


def test_dropout_is_the_identity_at_test_time():
    x = np.random.default_rng(0).standard_normal((4, 5))
    out, cache = dropout_forward(x, 0.5, "test", seed=0)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(dropout_backward(np.ones_like(x), cache), np.ones_like(x))


def test_dropout_backward_uses_the_forward_mask_and_matches_the_numeric_gradient():
    from visrec.numpy_nn.gradcheck import numeric_gradient_array, rel_error

    x = np.random.default_rng(2).standard_normal((6, 7))
    out, cache = dropout_forward(x, 0.6, "train", seed=3)
    dout = np.random.default_rng(4).standard_normal(x.shape)
    dx = dropout_backward(dout, cache)
    np.testing.assert_array_equal(dx == 0, out == 0)  # dropped units get no gradient
    numeric = numeric_gradient_array(lambda v: dropout_forward(v, 0.6, "train", seed=3)[0], x, dout)
    assert rel_error(dx, numeric) < 1e-6  # piecewise linear: only rounding error (~1e-10 / |entry|)


def test_dropout_is_reproducible_with_a_seed_and_keeps_float32():
    x = np.ones((3, 4), dtype=np.float32)
    a, _ = dropout_forward(x, 0.5, "train", seed=7)
    b, _ = dropout_forward(x, 0.5, "train", seed=7)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32


@pytest.mark.parametrize(("p", "mode"), [(0.0, "train"), (1.5, "train"), (0.5, "eval")])
def test_dropout_rejects_bad_settings(p, mode):
    with pytest.raises(ValueError, match="KEEPING|'train' or 'test'"):
        dropout_forward(np.ones(3), p, mode)
