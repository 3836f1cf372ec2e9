"""Every NumPy model: gradients against the numeric gradient (float64), config round trip, seed vectors."""

import math

import numpy as np
import pytest

from visrec.numpy_nn.models import ConvNet, FullyConnectedNet, ThreeLayerConvNet, TwoLayerNet, build_model
from visrec.utils.gradcheck import numeric_gradient, rel_error


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Many small matmuls: one BLAS thread avoids oversubscription under ``pytest -n 2``."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


MODELS = {
    "twolayer": lambda: TwoLayerNet(5, 7, 4, weight_scale=1e-1, reg=0.3, seed=1),
    "fc-relu": lambda: FullyConnectedNet([7, 6], input_dim=5, num_classes=4, reg=0.1, seed=1),
    "fc-batch-dropout": lambda: FullyConnectedNet(
        [7, 6], input_dim=5, num_classes=4, dropout_keep=0.7, normalization="batch", reg=0.1, seed=1
    ),
    "fc-layer-tanh": lambda: FullyConnectedNet(
        [6, 5], input_dim=5, num_classes=4, normalization="layer", activation="tanh", init="xavier", seed=2
    ),
    "fc-elu-leaky": lambda: FullyConnectedNet([6], input_dim=5, num_classes=4, activation="elu", seed=3),
    "fc-sigmoid-small": lambda: FullyConnectedNet(
        [6], input_dim=5, num_classes=4, activation="sigmoid", init="small", weight_scale=0.5, seed=3
    ),
    "threelayer": lambda: ThreeLayerConvNet(
        (2, 4, 4), num_filters=3, filter_size=3, hidden_dim=5, num_classes=4, init="he", reg=0.05
    ),
    "convnet-bn": lambda: ConvNet(
        (2, 4, 4), 3, [[2, 2], [3]], [4], batchnorm=True, dropout_keep=0.8, reg=0.01, seed=4
    ),
    "convnet-plain": lambda: ConvNet((1, 4, 4), 3, [[2]], [], filter_size=5, seed=5),
}


def _inputs(model, n=4, seed=0):
    r = np.random.default_rng(seed)
    shape = (
        (model._kwargs["input_dim"],)
        if isinstance(model._kwargs["input_dim"], int)
        else model._kwargs["input_dim"]
    )
    return r.standard_normal((n, *shape)), r.integers(0, model._kwargs["num_classes"], n)


@pytest.mark.parametrize("name", MODELS)
def test_gradients_match_numeric(name):
    model = MODELS[name]()
    model.fixed_dropout_seed = 7  # the same dropout mask in every evaluation
    X, y = _inputs(model)
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for key, p in model.params.items():
        num = numeric_gradient(lambda _: model.loss(X, y)[0], p, h=1e-6)
        # biases just before a batch norm have an exactly-zero gradient: compare absolutely there
        assert rel_error(num, grads[key]) < 1e-6 or np.max(np.abs(num - grads[key])) < 1e-8, key


@pytest.mark.parametrize("name", MODELS)
def test_config_roundtrip_rebuilds_same_model(name):
    model = MODELS[name]()
    clone = build_model(model.config())
    X, _ = _inputs(model)
    clone.load_state_arrays(model.state_arrays())
    np.testing.assert_array_equal(model.loss(X), clone.loss(X))


def test_loss_at_init_is_log_c_and_reg_raises_it():
    """L6471 / L6503: 2.3026 at init with reg 0; with reg 1e3 the 0.5 * reg * sum W^2 term adds ~0.77."""
    r = np.random.default_rng(0)
    X = r.standard_normal((100, 3072)) * 60  # roughly mean-subtracted CIFAR pixels
    y = r.integers(0, 10, 100)
    model = TwoLayerNet(3072, 50, 10, weight_scale=1e-4, seed=0)
    loss0, _ = model.loss(X, y)
    assert loss0 == pytest.approx(math.log(10), abs=5e-3)
    model.reg = 1e3
    loss1, _ = model.loss(X, y)
    expected_reg = 0.5 * 1e3 * sum(float(np.sum(w**2)) for k, w in model.params.items() if k.startswith("W"))
    assert loss1 - loss0 == pytest.approx(expected_reg, rel=1e-12)
    assert loss1 == pytest.approx(3.06859716482, abs=0.02)  # the slide's value, within sampling noise


def test_dtype_and_errors():
    m = FullyConnectedNet([4], input_dim=3, num_classes=2, dtype="float32")
    assert m.loss(np.ones((2, 3))).dtype == np.float32
    with pytest.raises(ValueError, match="normalization"):
        FullyConnectedNet([4], normalization="group")
    with pytest.raises(ValueError, match="Unknown NumPy model"):
        build_model({"name": "resnet"})
    with pytest.raises(ValueError, match="odd"):
        ConvNet(filter_size=4)


def test_batchnorm_running_stats_saved():
    m = FullyConnectedNet([4], input_dim=3, num_classes=2, normalization="batch")
    m.loss(np.random.default_rng(0).standard_normal((8, 3)) + 5, np.zeros(8, dtype=int))
    state = m.state_arrays()
    assert "running_mean1" in state and np.all(state["running_mean1"] != 0)
