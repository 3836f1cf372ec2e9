"""The first layer's input gradient is never computed in ``loss(X, y)``, and every gradient stays right.

The network's input needs no gradient, so ``Sequential.backward(dout, need_input_grad=False)`` asks the
first layer with parameters for its parameter gradients only: the first Conv2d skips the dx GEMM and the
col2im scatter, the first Affine the ``dout @ w.T`` GEMM. Checked three ways: which layers are asked for
dx, how often the conv's dx path (col2im) runs, and the numeric gradient of every parameter (and of X
when ``need_input_grad`` asks for it).
"""

import numpy as np
import pytest

from visrec.numpy_nn.graph import Sequential
from visrec.numpy_nn.layers import Affine, Dropout, Flatten, ReLU
from visrec.numpy_nn.layers import conv as conv_module
from visrec.numpy_nn.models import ConvNet, FullyConnectedNet, TwoLayerNet
from visrec.utils.gradcheck import numeric_gradient, rel_error

MODELS = {
    "convnet": lambda: ConvNet((2, 4, 4), 3, [[2, 2], [3]], [4], batchnorm=True, reg=0.01, seed=4),
    "fc": lambda: FullyConnectedNet([6, 5], input_dim=8, num_classes=3, reg=0.1, seed=1),
    "twolayer": lambda: TwoLayerNet(8, 6, 3, weight_scale=1e-1, reg=0.3, seed=1),
}


def _data(model, n=4, seed=0):
    r = np.random.default_rng(seed)
    shape = model._kwargs["input_dim"]
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return r.standard_normal((n, *shape)), r.integers(0, model._kwargs["num_classes"], n)


def _record_need_dx(model):
    """Wrap each layer's backward to record (layer index, need_dx) in call order."""
    calls = []
    for i, layer in enumerate(model.net.layers):

        def spy(dout, need_dx=True, _orig=layer.backward, _i=i):
            calls.append((_i, need_dx))
            return _orig(dout, need_dx)

        layer.backward = spy
    return calls


@pytest.mark.parametrize("name", MODELS)
def test_only_the_first_layer_skips_dx_and_nothing_before_it_runs(name):
    model = MODELS[name]()
    calls = _record_need_dx(model)
    X, y = _data(model)
    model.loss(X, y)
    assert calls[-1] == (0, False)  # the first layer (it has parameters) is asked for param grads only
    assert all(need for i, need in calls[:-1])
    assert [i for i, _ in calls] == list(range(len(model.net.layers) - 1, -1, -1))
    assert model.dX is None


def test_the_first_conv_runs_no_col2im_unless_the_input_gradient_is_asked_for(monkeypatch):
    count = {"col2im": 0}
    real = conv_module.col2im

    def counting(*args, **kw):
        count["col2im"] += 1
        return real(*args, **kw)

    monkeypatch.setattr(conv_module, "col2im", counting)
    model = MODELS["convnet"]()  # three convs; small batch: one im2col block each
    X, y = _data(model)
    model.loss(X, y)
    assert count["col2im"] == 2  # the dx of convs 2 and 3 only
    count["col2im"] = 0
    model.need_input_grad = True
    model.loss(X, y)
    assert count["col2im"] == 3


@pytest.mark.parametrize("name", MODELS)
def test_gradients_with_the_saving_pass_the_numeric_check_and_equal_the_full_backward(name):
    model = MODELS[name]()
    X, y = _data(model)
    loss, grads = model.loss(X, y)  # the saving is on by default
    for key, p in model.params.items():
        num = numeric_gradient(lambda _: model.loss(X, y)[0], p, h=1e-6)
        # biases just before a batch norm have an exactly-zero gradient: compare absolutely there
        assert rel_error(num, grads[key]) < 1e-6 or np.max(np.abs(num - grads[key])) < 1e-8, key
    model.need_input_grad = True
    loss_full, grads_full = model.loss(X, y)
    assert loss_full == loss
    for key in grads:
        np.testing.assert_array_equal(grads_full[key], grads[key], err_msg=key)
    dX = model.dX
    assert dX.shape == X.shape
    num_dX = numeric_gradient(lambda v: model.loss(v, y)[0], X.copy(), h=1e-6)
    np.testing.assert_allclose(dX, num_dX, rtol=1e-5, atol=1e-9)  # small entries: absolute floor


def test_sequential_skips_leading_parameter_free_layers():
    net = Sequential(Flatten(), Dropout(0.5, seed=0), Affine(12, 5, rng=0), ReLU(), Affine(5, 3, rng=1))
    calls = _record_need_dx(type("M", (), {"net": net})())
    X, y = np.random.default_rng(0).standard_normal((4, 3, 2, 2)), np.array([0, 1, 2, 1])
    net.loss(X, y)
    assert calls == [(4, True), (3, True), (2, False)]
    assert net.backward(np.ones((4, 3))).shape == X.shape  # the public backward still returns dx
