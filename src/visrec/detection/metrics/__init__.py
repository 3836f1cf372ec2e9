"""Detection and segmentation metrics: VOC AP, COCO AP / AR (equal to pycocotools), PR curves."""

from .coco import AREA_RANGES, COCO_METRICS, coco_evaluate
from .matching import iou_matrix
from .pr_curves import plot_pr_curves
from .voc import VOCResult, voc_ap, voc_evaluate

__all__ = ["AREA_RANGES", "COCO_METRICS", "coco_evaluate", "iou_matrix", "plot_pr_curves", "VOCResult",
           "voc_ap", "voc_evaluate"]
