"""RoI align / RoI pool: forward and input gradient equal torchvision's on all 20 frozen configurations
(float64, atol 1e-12: the sums are the same up to association order); the slow references agree; gradcheck."""

import numpy as np
import pytest
import torch

from visrec.detection import ops

ALIGN = [f"roi_align.ss{s}_os{o}_sr{r}_al{a}"
         for s in (16, 4) for o in (7, 2) for r in (-1, 2) for a in (0, 1)]
POOL = [f"roi_pool.ss{s}_os{o}" for s in (16, 4) for o in (7, 2)] + ["roi_pool.ties"]
TOL = dict(rtol=0, atol=1e-12)


def _params(key):
    if key == "roi_pool.ties":
        return 0.25, 2, None, None
    parts = key.split(".")[1].split("_")
    scale, size = 1 / int(parts[0][2:]), int(parts[1][2:])
    if key.startswith("roi_pool"):
        return scale, size, None, None
    return scale, size, int(parts[2][2:]), bool(int(parts[3][2:]))


def _run(fn, tv_ops, key, *args):
    x = torch.from_numpy(tv_ops[f"{key}.input"].copy()).requires_grad_()
    y = fn(x, torch.from_numpy(tv_ops[f"{key}.rois"]), *args)
    y.backward(torch.from_numpy(tv_ops[f"{key}.grad_output"]))
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("key", ALIGN)
def test_roi_align_matches_torchvision(tv_ops, key):
    scale, size, ratio, aligned = _params(key)
    out, grad = _run(ops.roi_align, tv_ops, key, size, scale, ratio, aligned)
    np.testing.assert_allclose(out, tv_ops[f"{key}.output"], **TOL)
    np.testing.assert_allclose(grad, tv_ops[f"{key}.grad_input"], **TOL)


@pytest.mark.parametrize("key", POOL)
def test_roi_pool_matches_torchvision(tv_ops, key):
    scale, size, _, _ = _params(key)
    out, grad = _run(ops.roi_pool, tv_ops, key, size, scale)
    np.testing.assert_array_equal(out, tv_ops[f"{key}.output"])
    np.testing.assert_array_equal(grad, tv_ops[f"{key}.grad_input"])


@pytest.mark.parametrize("key", ["roi_align.ss16_os2_sr-1_al0", "roi_align.ss4_os2_sr2_al1"])
def test_roi_align_reference_matches_torchvision(tv_ops, key):
    scale, size, ratio, aligned = _params(key)
    out, grad = _run(ops.roi_align_reference, tv_ops, key, size, scale, ratio, aligned)
    np.testing.assert_allclose(out, tv_ops[f"{key}.output"], **TOL)
    np.testing.assert_allclose(grad, tv_ops[f"{key}.grad_input"], **TOL)


@pytest.mark.parametrize("key", ["roi_pool.ss16_os2", "roi_pool.ties"])
def test_roi_pool_reference_matches_torchvision(tv_ops, key):
    scale, size, _, _ = _params(key)
    out, grad = _run(ops.roi_pool_reference, tv_ops, key, size, scale)
    np.testing.assert_array_equal(out, tv_ops[f"{key}.output"])
    np.testing.assert_allclose(grad, tv_ops[f"{key}.grad_input"], **TOL)  # summation order differs


def test_roi_align_gradcheck_and_list_input():
    torch.manual_seed(0)
    x = torch.randn(2, 2, 6, 7, dtype=torch.float64, requires_grad=True)
    boxes = [torch.tensor([[0.3, 0.7, 4.2, 5.1]], dtype=torch.float64),
             torch.tensor([[1.0, 0.0, 6.5, 3.3], [2.2, 2.2, 3.0, 5.9]], dtype=torch.float64)]
    assert torch.autograd.gradcheck(lambda v: ops.roi_align(v, boxes, 3, 1.0, 2, True), (x,))
    rois = torch.cat([torch.cat([torch.full((len(b), 1), float(i), dtype=torch.float64), b], 1)
                      for i, b in enumerate(boxes)])
    module = ops.RoIAlign((3, 3), spatial_scale=1.0, sampling_ratio=-1, aligned=False)
    torch.testing.assert_close(module(x, boxes), ops.roi_align(x, rois, 3, 1.0, -1, False))
    pooled = ops.RoIPool(2, 0.5)(x, boxes)
    assert pooled.shape == (3, 2, 2, 2)


def test_roi_ops_chunking_does_not_change_results(monkeypatch):
    from visrec.detection.ops import _roi_common
    torch.manual_seed(1)
    x = torch.randn(1, 3, 9, 9, dtype=torch.float64)
    rois = torch.cat([torch.zeros(20, 1), torch.rand(20, 2) * 4, 4 + torch.rand(20, 2) * 5], 1).double()
    full_align, full_pool = ops.roi_align(x, rois, 3, 1.0, 2), ops.roi_pool(x, rois, 3, 1.0)
    monkeypatch.setattr(_roi_common, "GATHER_BUDGET", 1)
    torch.testing.assert_close(ops.roi_align(x, rois, 3, 1.0, 2), full_align)
    torch.testing.assert_close(ops.roi_pool(x, rois, 3, 1.0), full_pool)


def test_roi_bad_shapes():
    with pytest.raises(ValueError, match=r"\(K, 5\)"):
        ops.roi_align(torch.zeros(1, 1, 4, 4), torch.zeros(3, 4), 2)
    assert ops.roi_pool(torch.zeros(1, 1, 4, 4), torch.zeros(0, 5), 2).shape == (0, 1, 2, 2)
