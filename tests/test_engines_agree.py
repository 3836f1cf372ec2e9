"""The NumPy engine and the torch side compute the same loss and gradients (float64).

The NumPy models' parameters are copied into their torch twins (affine weights transposed: NumPy (D, M),
nn.Linear (M, D)); both objectives are mean softmax cross-entropy + 0.5 * reg * sum W**2.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from visrec.numpy_nn.models import FullyConnectedNet, ThreeLayerConvNet
from visrec.torch_nn.models.twins import FCTwin, ThreeLayerConvNetTwin


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _compare(np_model, twin, X, y):
    twin = twin.double()
    twin.load_numpy_params(np_model.params)
    loss_np, grads_np = np_model.loss(X, y)
    loss_t = twin.objective(torch.from_numpy(X), torch.from_numpy(y))
    loss_t.backward()
    assert abs(loss_np - float(loss_t.detach())) < 1e-10 * max(1.0, abs(loss_np))
    grads_t = twin.numpy_grads()
    assert set(grads_t) == set(grads_np)
    for name, g in grads_np.items():
        np.testing.assert_allclose(grads_t[name], g, rtol=1e-7, atol=1e-10, err_msg=name)
    scores = np_model.loss(X)
    np.testing.assert_allclose(twin(torch.from_numpy(X)).detach().numpy(), scores, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_fully_connected_net_and_its_twin_agree(reg):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 3, 4, 4))
    y = rng.integers(0, 5, 6)
    np_model = FullyConnectedNet(hidden_dims=[7, 6], input_dim=48, num_classes=5, reg=reg, init="he", seed=1)
    twin = FCTwin(num_classes=5, hidden_dims=[7, 6], input_dim=48, reg=reg)
    _compare(np_model, twin, X, y)


@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_three_layer_convnet_and_its_twin_agree(reg):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 3, 8, 8))
    y = rng.integers(0, 4, 4)
    kw = dict(input_dim=(3, 8, 8), num_filters=5, filter_size=3, hidden_dim=9, num_classes=4, reg=reg)
    np_model = ThreeLayerConvNet(**kw, weight_scale=0.1, seed=2)
    twin = ThreeLayerConvNetTwin(**kw)
    _compare(np_model, twin, X, y)


def test_twins_are_registered():
    from visrec.torch_nn.registry import create_model

    assert isinstance(
        create_model("fc_twin", num_classes=3, hidden_dims=[4], input_dim=12, in_chans=3), FCTwin
    )
    assert isinstance(create_model("threelayer_convnet_twin", num_classes=3), ThreeLayerConvNetTwin)
