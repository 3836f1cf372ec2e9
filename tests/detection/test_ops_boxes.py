"""Box ops against torchvision's frozen outputs (exact in float64: the same arithmetic, same order)."""

import numpy as np
import pytest
import torch

from visrec.detection import ops
from visrec.utils.errors import DataError

TOL = dict(rtol=0, atol=1e-12)  # float64; every box op here reproduces torchvision bit for bit


def t(a):
    return torch.from_numpy(np.asarray(a))


def test_box_iou_giou_area(tv_ops):
    b1, b2 = t(tv_ops["box_iou.boxes1"]), t(tv_ops["box_iou.boxes2"])
    np.testing.assert_allclose(ops.box_iou(b1, b2).numpy(), tv_ops["box_iou.iou"], equal_nan=True, **TOL)
    np.testing.assert_allclose(ops.box_iou_reference(b1, b2).numpy(), tv_ops["box_iou.iou"], equal_nan=True,
                               **TOL)
    g1, g2 = t(tv_ops["generalized_box_iou.boxes1"]), t(tv_ops["generalized_box_iou.boxes2"])
    np.testing.assert_allclose(ops.generalized_box_iou(g1, g2).numpy(), tv_ops["generalized_box_iou.giou"],
                               equal_nan=True, **TOL)
    area = ops.box_area(t(tv_ops["box_area.boxes"])).numpy()
    np.testing.assert_allclose(area, tv_ops["box_area.area"], **TOL)


@pytest.mark.parametrize("src", ops.BOX_FORMATS)
@pytest.mark.parametrize("dst", ops.BOX_FORMATS)
def test_box_convert(tv_ops, src, dst):
    out = ops.box_convert(t(tv_ops[f"box_convert.{src}"]), src, dst).numpy()
    expected = tv_ops[f"box_convert.{src}"] if src == dst else tv_ops[f"box_convert.{src}_to_{dst}"]
    np.testing.assert_allclose(out, expected, **TOL)


def test_giou_loss_forward_and_gradients(tv_ops):
    b1 = t(tv_ops["generalized_box_iou_loss.boxes1"]).requires_grad_()
    b2 = t(tv_ops["generalized_box_iou_loss.boxes2"]).requires_grad_()
    for reduction in ("none", "mean", "sum"):
        out = ops.generalized_box_iou_loss(b1, b2, reduction=reduction)
        expected = tv_ops[f"generalized_box_iou_loss.{reduction}"]
        np.testing.assert_allclose(out.detach().numpy(), expected, **TOL)
    ops.generalized_box_iou_loss(b1, b2, reduction="sum").backward()
    np.testing.assert_allclose(b1.grad.numpy(), tv_ops["generalized_box_iou_loss.grad_boxes1_sum"], **TOL)
    np.testing.assert_allclose(b2.grad.numpy(), tv_ops["generalized_box_iou_loss.grad_boxes2_sum"], **TOL)


def test_giou_loss_gradcheck_float64():
    torch.manual_seed(0)
    xy = torch.rand(6, 2, dtype=torch.float64) * 10
    b1 = torch.cat([xy, xy + 1 + torch.rand(6, 2, dtype=torch.float64) * 5], 1).requires_grad_()
    b2 = (b1.detach() + torch.randn(6, 4, dtype=torch.float64)).requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: ops.generalized_box_iou_loss(a, b, "sum"), (b1, b2))


def test_masks_to_boxes(tv_ops):
    out = ops.masks_to_boxes(t(tv_ops["masks_to_boxes.masks"]))
    assert out.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), tv_ops["masks_to_boxes.boxes"])


def test_check_boxes_rejects_bad_boxes_with_clear_errors():
    ok = torch.tensor([[0.0, 0.0, 5.0, 5.0]])
    assert ops.check_boxes(ok, image_size=(10, 10)) is ok
    with pytest.raises(DataError, match="inverted"):
        ops.check_boxes(torch.tensor([[0.0, 0.0, 5.0, 5.0], [5.0, 0.0, 1.0, 3.0]]), name="a.xml")
    with pytest.raises(DataError, match="degenerate"):
        ops.check_boxes(torch.tensor([[2.0, 2.0, 2.0, 7.0]]))
    with pytest.raises(DataError, match="outside"):
        ops.check_boxes(torch.tensor([[0.0, 0.0, 15.0, 5.0]]), image_size=(10, 10))
    with pytest.raises(DataError, match="non-finite"):
        ops.check_boxes(torch.tensor([[0.0, float("nan"), 1.0, 5.0]]))
    with pytest.raises(DataError, match=r"\(N, 4\)"):
        ops.check_boxes(torch.zeros(3, 5))
    with pytest.raises(DataError, match="degenerate"):  # xywh with zero width
        ops.check_boxes(torch.tensor([[1.0, 1.0, 0.0, 3.0]]), fmt="xywh")


def test_clip_and_remove_small():
    boxes = torch.tensor([[-3.0, 2.0, 50.0, 9.0], [1.0, 1.0, 1.5, 8.0]])
    assert ops.clip_boxes_to_image(boxes, (8, 20)).tolist() == [[0.0, 2.0, 20.0, 8.0], [1.0, 1.0, 1.5, 8.0]]
    assert ops.remove_small_boxes(boxes, 1.0).tolist() == [0]
