"""Activations (ReLU, sigmoid, tanh, leaky ReLU, PReLU, ELU): numeric gradients, torch twins, float32."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from _testers import LayerCase, away_from_zero, case_params, check_case
from visrec.numpy_nn.layers import activations as act


def x_only(shape=(3, 4, 2, 2)):
    return lambda rng: {"x": away_from_zero(rng.standard_normal(shape) * 2)}


CASES = [
    LayerCase("relu", act.relu_forward, act.relu_backward, x_only(), torch_fn=F.relu),
    LayerCase("sigmoid", act.sigmoid_forward, act.sigmoid_backward, x_only(), torch_fn=torch.sigmoid),
    LayerCase("tanh", act.tanh_forward, act.tanh_backward, x_only(), torch_fn=torch.tanh),
    LayerCase(
        "leaky_relu-default",
        act.leaky_relu_forward,
        act.leaky_relu_backward,
        x_only(),
        torch_fn=lambda x: F.leaky_relu(x, 0.01),
    ),
    LayerCase(
        "leaky_relu-0.1",
        act.leaky_relu_forward,
        act.leaky_relu_backward,
        x_only((5, 6)),
        torch_fn=lambda x: F.leaky_relu(x, 0.1),
        extra_args=(0.1,),
    ),
    LayerCase(
        "prelu-per-channel",
        act.prelu_forward,
        act.prelu_backward,
        lambda rng: {"x": away_from_zero(rng.standard_normal((3, 4, 2, 2))), "alpha": rng.uniform(0, 0.5, 4)},
        torch_fn=F.prelu,
    ),
    LayerCase(
        "prelu-shared",
        act.prelu_forward,
        act.prelu_backward,
        lambda rng: {"x": away_from_zero(rng.standard_normal((4, 5))), "alpha": np.array([0.25])},
        torch_fn=F.prelu,
    ),
    LayerCase("elu", act.elu_forward, act.elu_backward, x_only(), torch_fn=F.elu),
    LayerCase(
        "elu-alpha0.5",
        act.elu_forward,
        act.elu_backward,
        x_only((4, 5)),
        torch_fn=lambda x: F.elu(x, 0.5),
        extra_args=(0.5,),
    ),
]


@pytest.mark.parametrize(("case", "check"), case_params(CASES))
def test_activation(case, check):
    check_case(case, check)


def test_leaky_relu_default_slope_is_0_01_not_the_summary_slides_0_1():
    out, _ = act.leaky_relu_forward(np.array([-10.0, 10.0]))
    np.testing.assert_allclose(out, [-0.1, 10.0])


def test_sigmoid_is_stable_for_large_inputs_and_backward_uses_the_output():
    with np.errstate(over="raise"):
        out, cache = act.sigmoid_forward(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])
    assert cache is out  # Caffe's SigmoidLayer: backward reads the top data
    np.testing.assert_allclose(act.sigmoid_backward(np.ones(3), cache), [0.0, 0.25, 0.0])


def test_prelu_rejects_alpha_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"shape \(C,\)"):
        act.prelu_forward(np.zeros((2, 3, 4)), np.zeros(4))
