"""Detection ops in plain torch, with torchvision's names, signatures and semantics.

Each fast op sits beside a slow readable reference (``*_reference``) and both are pinned to frozen
torchvision outputs (``../shared/oracles/torchvision_ops.npz``, tests in ``tests/detection/test_ops_*``).
"""

from .anchors import AnchorGenerator, ImageList, generate_base_anchors
from .box_coder import BoxCoder, encode_boxes_reference
from .boxes import (
    BOX_FORMATS,
    box_area,
    box_convert,
    box_iou,
    box_iou_reference,
    check_boxes,
    clip_boxes_to_image,
    generalized_box_iou,
    generalized_box_iou_loss,
    masks_to_boxes,
    remove_small_boxes,
)
from .focal_loss import sigmoid_focal_loss
from .nms import batched_nms, batched_nms_reference, nms, nms_reference, select_detections
from .roi_align import RoIAlign, roi_align, roi_align_reference
from .roi_pool import RoIPool, roi_pool, roi_pool_reference
from .upsample import (
    bed_of_nails_unpool,
    conv1d_matrix,
    conv_transpose2d_reference,
    max_pool_with_indices,
    max_unpool,
    nearest_unpool,
)

__all__ = [
    "select_detections",
    "AnchorGenerator", "ImageList", "generate_base_anchors",
    "BoxCoder", "encode_boxes_reference",
    "BOX_FORMATS", "box_area", "box_convert", "box_iou", "box_iou_reference", "check_boxes",
    "clip_boxes_to_image", "generalized_box_iou", "generalized_box_iou_loss", "masks_to_boxes",
    "remove_small_boxes",
    "sigmoid_focal_loss",
    "batched_nms", "batched_nms_reference", "nms", "nms_reference",
    "RoIAlign", "roi_align", "roi_align_reference", "RoIPool", "roi_pool", "roi_pool_reference",
    "bed_of_nails_unpool", "conv1d_matrix", "conv_transpose2d_reference", "max_pool_with_indices",
    "max_unpool", "nearest_unpool",
]
