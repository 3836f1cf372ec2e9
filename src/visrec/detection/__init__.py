"""Lecture 11: detection and segmentation, in plain torch (torchvision's contracts, no torchvision).

- ``visrec.detection.ops``: boxes, IoU / GIoU, NMS, box coder, anchors, RoI pool / align, focal loss,
  unpooling and transpose convolution, each beside a slow readable reference.
- ``visrec.detection.data``: Pascal VOC and COCO readers, COCO results writer, tiling, generated shapes.
- ``visrec.detection.metrics``: VOC AP (11-point, all-point) and COCO AP / AR.
- ``visrec.detection.segmentation``: sliding-window, full-resolution and down/up-sampling FCNs.
- ``visrec.detection.models``: classification + localization, R-CNN family, single-stage detectors.

Sub-packages are imported on demand (``from visrec.detection import ops``).
"""

__all__: list[str] = []
