"""Max and average pooling: numeric gradients, torch max_pool2d / avg_pool2d, naive vs fast."""

import numpy as np
import pytest
import torch.nn.functional as F

from _testers import LayerCase, case_params, check_case, distinct_values
from visrec.numpy_nn.layers import pool
from visrec.utils.errors import GeometryError


def pool_case(kind, name, shape, ph, pw, stride):
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    if kind == "max":
        fast = (pool.max_pool_forward_fast, pool.max_pool_backward_fast)
        naive = (pool.max_pool_forward_naive, pool.max_pool_backward_naive)
        twin = lambda x: F.max_pool2d(x, (ph, pw), stride)
    else:
        fast = (pool.avg_pool_forward_fast, pool.avg_pool_backward_fast)
        naive = (pool.avg_pool_forward_naive, pool.avg_pool_backward_naive)
        twin = lambda x: F.avg_pool2d(x, (ph, pw), stride)
    return LayerCase(
        f"{kind}-{name}",
        *fast,
        # Distinct values 1e-2 apart: no ties within a window, so max is differentiable at the input.
        lambda rng: {"x": distinct_values(rng, shape)},
        torch_fn=twin,
        extra_args=(param,),
        naive=naive,
    )


CASES = [
    pool_case(kind, name, shape, ph, pw, s)
    for kind in ("max", "avg")
    for name, shape, ph, pw, s in [
        ("2x2-s2-tiled", (2, 3, 4, 6), 2, 2, 2),
        ("3x3-s2-overlap", (2, 2, 7, 7), 3, 3, 2),
        ("2x3-s1", (1, 2, 5, 6), 2, 3, 1),
    ]
]


@pytest.mark.parametrize(("case", "check"), case_params(CASES))
def test_pool(case, check):
    check_case(case, check)


@pytest.mark.parametrize("forward", [pool.max_pool_forward_fast, pool.max_pool_forward_naive])
def test_max_pool_ties_route_the_gradient_once_to_the_first_maximum(forward):
    # After a ReLU many window entries are 0: the whole gradient must go to ONE of them, like torch.
    import torch

    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 0] = -1.0
    param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, cache = forward(x, param)
    backward = (
        pool.max_pool_backward_fast if forward is pool.max_pool_forward_fast else pool.max_pool_backward_naive
    )
    dx = backward(np.ones_like(out), cache)
    xt = torch.tensor(x, requires_grad=True)
    F.max_pool2d(xt, 2, 2).sum().backward()
    np.testing.assert_array_equal(dx, xt.grad.numpy())
    assert dx.sum() == out.size


def test_pool_window_that_does_not_fit_raises_with_the_formula():
    with pytest.raises(GeometryError, match=r"pool window does not fit: \(W - F \+ 2P\)/S \+ 1"):
        pool.max_pool_forward_fast(np.zeros((1, 1, 7, 7)), {"pool_height": 2, "pool_width": 2, "stride": 2})


def test_pool_param_missing_keys_are_named():
    with pytest.raises(ValueError, match="missing"):
        pool.avg_pool_forward(np.zeros((1, 1, 4, 4)), {"pool_height": 2, "stride": 2})
