"""Affine, flatten and maxout: numeric gradients, torch twins, float32."""

import numpy as np
import pytest
import torch

from _testers import LayerCase, case_params, check_case
from visrec.numpy_nn.layers import (
    affine_backward,
    affine_forward,
    flatten_backward,
    flatten_forward,
    maxout_backward,
    maxout_forward,
)


def maxout_inputs(rng):
    # Resample until every unit's best piece beats the runner-up by > 1e-3 (no ties within h).
    while True:
        x, w, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3, 2)), rng.standard_normal((3, 2))
        z = np.sort(np.einsum("nd,dmk->nmk", x, w) + b, axis=-1)
        if np.min(z[..., -1] - z[..., -2]) > 1e-3:
            return {"x": x, "w": w, "b": b}


def torch_maxout(x, w, b):
    return (torch.einsum("nd,dmk->nmk", x, w) + b).max(dim=-1).values


CASES = [
    LayerCase(
        "affine-2d",
        affine_forward,
        affine_backward,
        lambda rng: {
            "x": rng.standard_normal((4, 6)),
            "w": rng.standard_normal((6, 3)),
            "b": rng.standard_normal(3),
        },
        torch_fn=lambda x, w, b: x @ w + b,
    ),
    LayerCase(
        "affine-4d-input",
        affine_forward,
        affine_backward,
        lambda rng: {
            "x": rng.standard_normal((2, 3, 2, 2)),
            "w": rng.standard_normal((12, 5)),
            "b": rng.standard_normal(5),
        },
        torch_fn=lambda x, w, b: x.reshape(len(x), -1) @ w + b,
    ),
    LayerCase(
        "flatten",
        flatten_forward,
        flatten_backward,
        lambda rng: {"x": rng.standard_normal((2, 3, 4, 5))},
        torch_fn=lambda x: torch.flatten(x, 1),
    ),
    LayerCase("maxout-k2", maxout_forward, maxout_backward, maxout_inputs, torch_fn=torch_maxout),
]


@pytest.mark.parametrize(("case", "check"), case_params(CASES))
def test_layer(case, check):
    check_case(case, check)


def test_affine_rejects_mismatched_shapes_with_a_clear_message():
    with pytest.raises(ValueError, match=r"x \(N, D\), w \(D, M\)"):
        affine_forward(np.zeros((2, 5)), np.zeros((4, 3)), np.zeros(3))


def test_maxout_with_zero_second_piece_is_relu():
    rng = np.random.default_rng(0)
    x, w1, b1 = rng.standard_normal((6, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    w = np.stack([w1, np.zeros_like(w1)], axis=-1)
    b = np.stack([b1, np.zeros_like(b1)], axis=-1)
    out, _ = maxout_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(x @ w1 + b1, 0))
