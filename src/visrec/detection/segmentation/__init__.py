"""Semantic segmentation (Lecture 11): sliding window, full-resolution FCN, down/up-sampling FCN with skips;
pixel accuracy and mean IoU; training on the nuclei image (a quadrant held out) or generated shapes."""

from . import models  # noqa: F401  (registers the segmenters)
from .data import SegmentationData, load_segmentation, nuclei_segmentation, random_crops, shapes_segmentation
from .metrics import confusion_matrix, mean_iou, per_class_iou, pixel_accuracy, segmentation_scores
from .models import DownUpFCN, FullResolutionFCN, SlidingWindowSegmenter
from .predictor import SegmenterPredictor, load_segmenter
from .registry import create_segmenter, list_segmenters, register_segmenter

__all__ = [
    "SegmentationData", "load_segmentation", "nuclei_segmentation", "random_crops", "shapes_segmentation",
    "confusion_matrix", "mean_iou", "per_class_iou", "pixel_accuracy", "segmentation_scores",
    "DownUpFCN", "FullResolutionFCN", "SlidingWindowSegmenter",
    "SegmenterPredictor", "load_segmenter",
    "create_segmenter", "list_segmenters", "register_segmenter",
]
