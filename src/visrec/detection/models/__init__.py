"""Detectors of Lecture 11, torchvision's contract: ``model(images, targets)`` -> losses (training) or a list
of ``{"boxes", "labels", "scores"(, "masks")}`` (eval), boxes absolute xyxy floats.

Importing this package registers every builder (:func:`create_detector`, :func:`list_detectors`).
"""

from visrec.detection.models.backbone import (
    BackboneWithFPN,
    FrozenBatchNorm2d,
    TinyBackbone,
    resnet_fpn_backbone,
)
from visrec.detection.models.faster_rcnn import FasterRCNN, fasterrcnn_resnet50_fpn, fasterrcnn_tiny
from visrec.detection.models.fcn import FCN, fcn_resnet50
from visrec.detection.models.fpn import FeaturePyramidNetwork, LastLevelMaxPool, LastLevelP6P7
from visrec.detection.models.localizer import ClassifyLocalize, localization_loss
from visrec.detection.models.mask_rcnn import MaskRCNN, maskrcnn_resnet50_fpn, maskrcnn_tiny
from visrec.detection.models.matcher import Matcher
from visrec.detection.models.proposals import selective_search
from visrec.detection.models.rcnn import ProposalDetector, fast_rcnn_tiny, rcnn_tiny
from visrec.detection.models.registry import create_detector, list_detectors, register_detector
from visrec.detection.models.retinanet import RetinaNet, retinanet_resnet50_fpn, retinanet_tiny
from visrec.detection.models.sampler import BalancedPositiveNegativeSampler
from visrec.detection.models.ssd import SSD, ssd300_vgg16, ssd_tiny
from visrec.detection.models.transform import DetectionTransform
from visrec.detection.models.yolo import GridDetector, yolo_tiny

__all__ = [
    "BackboneWithFPN",
    "FrozenBatchNorm2d",
    "TinyBackbone",
    "resnet_fpn_backbone",
    "FasterRCNN",
    "fasterrcnn_resnet50_fpn",
    "fasterrcnn_tiny",
    "FeaturePyramidNetwork",
    "LastLevelMaxPool",
    "LastLevelP6P7",
    "MaskRCNN",
    "maskrcnn_resnet50_fpn",
    "maskrcnn_tiny",
    "Matcher",
    "BalancedPositiveNegativeSampler",
    "DetectionTransform",
    "create_detector",
    "list_detectors",
    "register_detector",
    "GridDetector",
    "yolo_tiny",
    "ClassifyLocalize",
    "localization_loss",
    "selective_search",
    "ProposalDetector",
    "fast_rcnn_tiny",
    "rcnn_tiny",
    "RetinaNet",
    "retinanet_resnet50_fpn",
    "retinanet_tiny",
    "SSD",
    "ssd300_vgg16",
    "ssd_tiny",
    "FCN",
    "fcn_resnet50",
]
