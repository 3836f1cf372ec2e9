"""Batch / spatial batch / layer / instance / group norm: numeric gradients, torch twins, staged vs alt."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from _testers import LayerCase, case_params, check_case
from visrec.numpy_nn.layers import batchnorm as bn
from visrec.numpy_nn.layers import norms

EPS = 1e-5
RM, RV = np.array([0.3, -0.2, 0.1, 0.5]), np.array([1.5, 0.7, 2.0, 0.9])  # fixed running statistics


def with_affine(shape, C):
    def make(rng):
        x = rng.standard_normal(shape) * 2 + 1
        return {"x": x, "gamma": rng.uniform(0.5, 1.5, C), "beta": rng.standard_normal(C)}

    return make


def bn_train_twin(x, g, b):
    return F.batch_norm(x, None, None, g, b, training=True, eps=EPS)


def bn_test_twin(x, g, b):
    return F.batch_norm(x, torch.tensor(RM), torch.tensor(RV), g, b, training=False, eps=EPS)


CASES = [
    LayerCase(
        "batchnorm-train-staged",
        bn.batchnorm_forward,
        bn.batchnorm_backward,
        with_affine((6, 4), 4),
        torch_fn=bn_train_twin,
        extra_args=({"mode": "train"},),
    ),
    LayerCase(
        "batchnorm-train-alt",
        bn.batchnorm_forward,
        bn.batchnorm_backward_alt,
        with_affine((6, 4), 4),
        torch_fn=bn_train_twin,
        extra_args=({"mode": "train"},),
        naive=(bn.batchnorm_forward, bn.batchnorm_backward),  # the simplified formula == the staged graph
    ),
    LayerCase(
        "batchnorm-test",
        bn.batchnorm_forward,
        bn.batchnorm_backward,
        with_affine((5, 4), 4),
        torch_fn=bn_test_twin,
        extra_args=({"mode": "test", "running_mean": RM, "running_var": RV},),
        naive=(bn.batchnorm_forward, bn.batchnorm_backward_alt),
    ),
    LayerCase(
        "spatial-batchnorm-train",
        bn.spatial_batchnorm_forward,
        bn.spatial_batchnorm_backward,
        with_affine((3, 4, 3, 2), 4),
        torch_fn=bn_train_twin,
        extra_args=({"mode": "train"},),
    ),
    LayerCase(
        "spatial-batchnorm-test",
        bn.spatial_batchnorm_forward,
        bn.spatial_batchnorm_backward,
        with_affine((2, 4, 3, 3), 4),
        torch_fn=bn_test_twin,
        extra_args=({"mode": "test", "running_mean": RM, "running_var": RV},),
    ),
    LayerCase(
        "layernorm-2d",
        norms.layernorm_forward,
        norms.layernorm_backward,
        with_affine((4, 6), 6),
        torch_fn=lambda x, g, b: F.layer_norm(x, (6,), g, b, eps=EPS),
    ),
    LayerCase(
        "layernorm-4d",
        norms.layernorm_forward,
        norms.layernorm_backward,
        lambda rng: {
            "x": rng.standard_normal((3, 2, 3, 2)),
            "gamma": rng.uniform(0.5, 1.5, (2, 3, 2)),
            "beta": rng.standard_normal((2, 3, 2)),
        },
        torch_fn=lambda x, g, b: F.layer_norm(x, (2, 3, 2), g, b, eps=EPS),
    ),
    LayerCase(
        "instancenorm",
        norms.instancenorm_forward,
        norms.instancenorm_backward,
        with_affine((2, 3, 3, 4), 3),
        torch_fn=lambda x, g, b: F.instance_norm(x, weight=g, bias=b, eps=EPS),
    ),
    LayerCase(
        "groupnorm-G2",
        norms.groupnorm_forward,
        norms.groupnorm_backward,
        with_affine((2, 6, 3, 2), 6),
        torch_fn=lambda x, g, b: F.group_norm(x, 2, g, b, eps=EPS),
        extra_args=(2,),
    ),
    LayerCase(
        "groupnorm-G1",
        norms.groupnorm_forward,
        norms.groupnorm_backward,
        with_affine((3, 4, 2, 2), 4),
        torch_fn=lambda x, g, b: F.group_norm(x, 1, g, b, eps=EPS),
        extra_args=(1, {"eps": EPS}),
    ),
]


@pytest.mark.parametrize(("case", "check"), case_params(CASES))
def test_norm(case, check):
    check_case(case, check)


def test_batchnorm_running_averages_follow_momentum_and_biased_variance():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3)) * 3 + 2
    param = {"mode": "train", "momentum": 0.9}
    bn.batchnorm_forward(x, np.ones(3), np.zeros(3), param)
    np.testing.assert_allclose(param["running_mean"], 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(param["running_var"], 0.9 * 1 + 0.1 * x.var(axis=0))  # biased (ddof=0)
    # Torch's momentum 0.1 is our 0.9; its running mean agrees (its running var is unbiased, ours is not).
    rm = torch.zeros(3, dtype=torch.float64)
    F.batch_norm(torch.tensor(x), rm, torch.ones(3, dtype=torch.float64), training=True, momentum=0.1)
    np.testing.assert_allclose(param["running_mean"], rm.numpy())


def test_batchnorm_test_mode_uses_running_statistics_after_training():
    rng = np.random.default_rng(1)
    param = {"mode": "train", "momentum": 0.9}
    for _ in range(200):
        bn.batchnorm_forward(
            rng.standard_normal((64, 2)) * [2.0, 0.5] + [3.0, -1.0], np.ones(2), np.zeros(2), param
        )
    np.testing.assert_allclose(param["running_mean"], [3.0, -1.0], atol=0.15)
    np.testing.assert_allclose(param["running_var"], [4.0, 0.25], rtol=0.1)
    param["mode"] = "test"
    out, _ = bn.batchnorm_forward(np.array([[3.0, -1.0]]), np.ones(2), np.zeros(2), param)
    np.testing.assert_allclose(out, 0.0, atol=0.1)


def test_layernorm_is_the_same_at_train_and_test_and_per_sample():
    x = np.random.default_rng(2).standard_normal((5, 7))
    out, _ = norms.layernorm_forward(x, np.ones(7), np.zeros(7))
    out_single, _ = norms.layernorm_forward(x[:1], np.ones(7), np.zeros(7))
    np.testing.assert_allclose(out[:1], out_single)  # independent of the rest of the batch
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)


def test_groupnorm_with_G_equal_C_is_instancenorm_and_bad_G_is_rejected():
    x = np.random.default_rng(3).standard_normal((2, 4, 3, 3))
    g, b = np.ones(4), np.zeros(4)
    np.testing.assert_allclose(norms.groupnorm_forward(x, g, b, 4)[0], norms.instancenorm_forward(x, g, b)[0])
    with pytest.raises(ValueError, match="G dividing C"):
        norms.groupnorm_forward(x, g, b, 3)


def test_batchnorm_rejects_4d_input_and_bad_mode():
    with pytest.raises(ValueError, match="spatial_batchnorm_forward"):
        bn.batchnorm_forward(np.zeros((2, 3, 4, 4)), np.ones(3), np.zeros(3), {"mode": "train"})
    with pytest.raises(ValueError, match="'train' or 'test'"):
        bn.batchnorm_forward(np.zeros((2, 3)), np.ones(3), np.zeros(3), {"mode": "eval"})
