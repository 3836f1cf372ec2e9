"""BoxCoder, AnchorGenerator and sigmoid focal loss against torchvision's frozen outputs (exact)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from visrec.detection import ops


def t(a):
    return torch.from_numpy(np.asarray(a))


def test_box_coder_encode_decode(tv_ops):
    coder = ops.BoxCoder(weights=(10, 10, 5, 5))
    ref, prop, split = t(tv_ops["box_coder.reference_boxes"]), t(tv_ops["box_coder.proposals"]), int(
        tv_ops["box_coder.split"])
    props = [prop[:split], prop[split:]]
    encoded = torch.cat(coder.encode([ref[:split], ref[split:]], props))
    np.testing.assert_allclose(encoded.numpy(), tv_ops["box_coder.encoded"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ops.encode_boxes_reference(ref, prop, (10, 10, 5, 5)).numpy(),
                               tv_ops["box_coder.encoded"], rtol=0, atol=1e-12)
    for k in ("1class", "3class"):
        out = coder.decode(t(tv_ops[f"box_coder.rel_codes_{k}"]), props)
        np.testing.assert_allclose(out.numpy(), tv_ops[f"box_coder.decoded_{k}"], rtol=0, atol=1e-12)
    roundtrip = coder.decode(encoded, props).numpy()
    np.testing.assert_allclose(roundtrip, tv_ops["box_coder.roundtrip"], atol=1e-12)
    np.testing.assert_allclose(coder.decode(encoded, props)[:, 0].numpy(), ref.numpy(), atol=1e-9)


def test_box_coder_clamps_huge_sizes():
    coder = ops.BoxCoder(weights=(1, 1, 1, 1))
    out = coder.decode_single(torch.tensor([[0.0, 0.0, 50.0, 50.0]]), torch.tensor([[0.0, 0.0, 16.0, 16.0]]))
    assert torch.isfinite(out).all() and math.isclose(float(out[0, 2] - out[0, 0]), 1000.0, rel_tol=1e-5)


@pytest.mark.parametrize("case", ["even", "odd"])
def test_anchor_generator(tv_ops, case):
    p = f"anchor_generator.{case}"
    gen = ops.AnchorGenerator(sizes=((32,), (64,)), aspect_ratios=((0.5, 1.0, 2.0),) * 2)
    images = ops.ImageList(torch.zeros(tuple(tv_ops[f"{p}.image_tensor_shape"]), dtype=torch.float64),
                           [tuple(s) for s in tv_ops[f"{p}.image_sizes"].tolist()])
    maps = [torch.zeros(tuple(s), dtype=torch.float64) for s in tv_ops[f"{p}.feature_map_shapes"]]
    anchors = gen(images, maps)
    assert gen.num_anchors_per_location() == [3, 3]
    for i, a in enumerate(anchors):
        np.testing.assert_array_equal(a.numpy(), tv_ops[f"{p}.anchors_image{i}"])
    for i, c in enumerate(gen.cell_anchors):
        np.testing.assert_array_equal(c.numpy(), tv_ops[f"{p}.cell_anchors_level{i}"])


def test_anchor_generator_level_mismatch_is_clear():
    gen = ops.AnchorGenerator(sizes=((32,),), aspect_ratios=((1.0,),))
    with pytest.raises(ValueError, match="feature maps"):
        gen(torch.zeros(1, 3, 32, 32), [torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 2, 2)])


@pytest.mark.parametrize("case", ["hard", "soft"])
def test_sigmoid_focal_loss(tv_ops, case):
    p = f"sigmoid_focal_loss.{case}"
    x = t(tv_ops[f"{p}.inputs"]).clone().requires_grad_()
    y = t(tv_ops[f"{p}.targets"])
    for reduction in ("none", "mean", "sum"):
        out = ops.sigmoid_focal_loss(x, y, alpha=0.25, gamma=2, reduction=reduction)
        np.testing.assert_allclose(out.detach().numpy(), tv_ops[f"{p}.{reduction}"], rtol=0, atol=1e-12)
    ops.sigmoid_focal_loss(x, y, reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), tv_ops[f"{p}.grad_inputs_sum"], rtol=0, atol=1e-12)


def test_focal_loss_reduces_to_bce():
    x, y = torch.randn(10, dtype=torch.float64), (torch.rand(10) > 0.5).double()
    torch.testing.assert_close(ops.sigmoid_focal_loss(x, y, alpha=-1, gamma=0, reduction="mean"),
                               F.binary_cross_entropy_with_logits(x, y))
    with pytest.raises(ValueError, match="reduction"):
        ops.sigmoid_focal_loss(x, y, reduction="max")
