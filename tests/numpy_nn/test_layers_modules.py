"""Stateful layer objects (layers/modules.py) and the gradient checkers they rely on."""

import numpy as np
import pytest

from visrec.numpy_nn import layers as L
from visrec.numpy_nn.gradcheck import check_layer_gradients, check_model_gradients
from visrec.numpy_nn.graph import Sequential


def _loss_of(layer, x, dout):
    return float(np.sum(layer.forward(x, "train") * dout))


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (L.Affine(12, 5, rng=0), (3, 3, 2, 2)),
        (L.ReLU(), (3, 4)),
        (L.Sigmoid(), (3, 4)),
        (L.Tanh(), (3, 4)),
        (L.LeakyReLU(alpha=0.2), (3, 4)),
        (L.ELU(), (3, 4)),
        (L.PReLU(3), (2, 3, 2, 2)),
        (L.Maxout(4, 3, k=3, rng=0), (5, 4)),
        (L.Conv2d(3, 4, 3, rng=0), (2, 3, 5, 5)),
        (L.Conv2d(3, 2, 3, stride=2, pad=1, rng=0, fast=False), (1, 3, 5, 5)),
        (L.MaxPool2d(2), (2, 2, 4, 4)),
        (L.AvgPool2d(2, 1), (2, 2, 3, 3)),
        (L.BatchNorm(4), (6, 4)),
        (L.SpatialBatchNorm(3), (2, 3, 2, 2)),
        (L.LayerNorm(5), (3, 5)),
        (L.GroupNorm(4, 2), (2, 4, 2, 2)),
        (L.Flatten(), (2, 3, 2)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, L.Layer) else str(v),
)
def test_layer_object_gradients_match_numeric(layer, shape):
    rng = np.random.default_rng(0)
    x = rng.permutation(np.prod(shape)).reshape(shape) * 0.05 - 0.675  # distinct, none at 0: no kinks or ties
    out = layer.forward(x, "train")
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    assert set(layer.grads) == set(layer.params)
    from visrec.numpy_nn.gradcheck import numeric_gradient, rel_error

    assert rel_error(dx, numeric_gradient(lambda v: _loss_of(layer, v, dout), x.copy(), h=1e-5)) < 1e-6
    for name, p in layer.params.items():
        assert layer.grads[name].shape == p.shape
        numeric = numeric_gradient(lambda _, x=x: _loss_of(layer, x, dout), p, h=1e-5)
        assert rel_error(layer.grads[name], numeric) < 1e-6, name


def test_batchnorm_object_keeps_running_stats_and_uses_them_at_test_time():
    layer = L.BatchNorm(3)
    x = np.random.default_rng(0).standard_normal((50, 3)) * 2 + 5
    for _ in range(100):
        layer.forward(x, "train")
    np.testing.assert_allclose(layer.buffers["running_mean"], x.mean(axis=0), rtol=1e-3)
    out = layer.forward(x, "test")
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-2)


def test_layer_object_errors():
    with pytest.raises(RuntimeError, match="before forward"):
        L.ReLU().backward(np.ones(3))
    with pytest.raises(ValueError, match="'train' or 'test'"):
        L.ReLU().forward(np.ones(3), "eval")
    with pytest.raises(ValueError, match="KEEP probability"):
        L.Dropout(0.0)


def test_check_layer_gradients_catches_a_wrong_backward():
    def bad_backward(dout, cache):
        dx, dw, db = L.affine_backward(dout, cache)
        return dx, dw * 1.01, db  # a 1% bug in dw

    rng = np.random.default_rng(0)
    inputs = {"x": rng.standard_normal((3, 4)), "w": rng.standard_normal((4, 2)), "b": rng.standard_normal(2)}
    good = check_layer_gradients(L.affine_forward, L.affine_backward, inputs)
    bad = check_layer_gradients(L.affine_forward, bad_backward, inputs)
    assert max(good.values()) < 1e-8
    assert bad["w"] > 1e-3 and bad["x"] < 1e-8


def test_check_model_gradients_samples_entries_and_requires_float64():
    model = Sequential(L.Affine(6, 5, rng=0), L.Tanh(), L.Affine(5, 3, rng=1), reg=0.5)
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((4, 6)), rng.integers(0, 3, 4)
    errors = check_model_gradients(model, X, y, max_entries=5)
    assert set(errors) == {"0.w", "0.b", "2.w", "2.b"} and max(errors.values()) < 1e-6
    model32 = Sequential(L.Affine(6, 3, rng=0, dtype=np.float32))
    with pytest.raises(TypeError, match="float64"):
        check_model_gradients(model32, X.astype(np.float32), y)
