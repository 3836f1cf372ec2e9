"""Weight initialization: scales, conv fan-in, and the slides' activation-statistics experiment."""

import numpy as np
import pytest

from visrec.numpy_nn import init


def layer_stds(initializer, activation, seed=0, layers=10, width=500):
    # Lecture 6 (L6074-6117): X = randn(1000, 500), ten layers of 500 units, no bias.
    rng = np.random.default_rng(seed)
    H = rng.standard_normal((1000, width))
    means, stds = [], []
    for _ in range(layers):
        H = activation(H @ initializer(width, width, rng=rng))
        means.append(H.mean())
        stds.append(H.std())
    return np.array(means), np.array(stds)


def relu(h):
    return np.maximum(h, 0)


def test_small_random_tanh_activations_collapse_like_the_slide():
    # Slide (L6121-6131): 0.213081, 0.047551, 0.010630, 0.002378, 0.000532 ... -> 0
    _, stds = layer_stds(lambda i, o, rng: init.small_random(i, o, rng=rng), np.tanh)
    np.testing.assert_allclose(stds[:5], [0.213081, 0.047551, 0.010630, 0.002378, 0.000532], rtol=0.05)
    assert stds[-1] < 1e-6


def test_xavier_tanh_statistics_match_the_slide():
    # Slide (L6188-6198): 0.627953, 0.486051, 0.407723, 0.357108, 0.320917, ..., 0.228008
    _, stds = layer_stds(init.xavier, np.tanh)
    slide = [
        0.627953,
        0.486051,
        0.407723,
        0.357108,
        0.320917,
        0.292116,
        0.273387,
        0.254935,
        0.239266,
        0.228008,
    ]
    np.testing.assert_allclose(stds, slide, rtol=0.05)


def test_xavier_relu_shrinks_and_he_relu_is_stable():
    _, stds_x = layer_stds(init.xavier, relu)
    assert stds_x[-1] < 0.1 * stds_x[0]  # slide: 0.58 -> 0.027
    means, stds = layer_stds(init.he, relu)
    # Slide: He + ReLU keeps mean ~0.55-0.62 and std ~0.81-0.89 in every layer (the corrected formula).
    assert np.all((means > 0.45) & (means < 0.75)), means
    assert np.all((stds > 0.7) & (stds < 1.05)), stds


def test_scales_and_conv_fan_in():
    w = init.he(2000, 300, rng=1)
    assert w.std() == pytest.approx(np.sqrt(2 / 2000), rel=0.02)
    assert init.xavier(800, 300, rng=1).std() == pytest.approx(1 / np.sqrt(800), rel=0.02)
    assert init.small_random(100, 300, scale=0.01, rng=1).std() == pytest.approx(0.01, rel=0.03)
    wc = init.he_conv((64, 16, 3, 3), rng=2)
    assert wc.shape == (64, 16, 3, 3)
    assert wc.std() == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.03)  # fan_in = C*F*F
    assert init.xavier_conv((8, 3, 5, 5), rng=0, dtype=np.float32).dtype == np.float32


def test_seeded_and_registry():
    np.testing.assert_array_equal(init.he(4, 3, rng=5), init.he(4, 3, rng=5))
    assert init.get_initializer("kaiming") is init.he
    assert init.get_initializer("xavier", conv=True) is init.xavier_conv
    with pytest.raises(ValueError, match="Unknown initializer 'lecun'"):
        init.get_initializer("lecun")
    with pytest.raises(ValueError, match="fan_in"):
        init.he(0, 3)
