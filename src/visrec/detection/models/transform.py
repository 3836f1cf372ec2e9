"""The detectors' input stage: check, normalize, resize and batch images; map detections back.

``DetectionTransform`` follows torchvision's ``GeneralizedRCNNTransform``: every image is scaled so its
short side is ``min_size`` unless its long side would pass ``max_size``; boxes and masks follow; the batch
is zero-padded to a common size rounded up to ``size_divisible``. ``postprocess`` rescales the detections
to each original image. It has no parameters, so it adds nothing to a state dict.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from visrec.detection.ops import ImageList, check_boxes
from visrec.utils.errors import DataError

__all__ = ["DetectionTransform", "check_inputs", "resize_boxes"]


def check_inputs(images, targets=None, training: bool = False) -> None:
    """Raise a clear error for the inputs a user can get wrong (a detector's first line).

    images : list of Tensor (C, H, W), floats in [0, 1]; targets : list of dict with ``boxes`` (K, 4)
    absolute xyxy floats inside the image with x2 > x1, y2 > y1, ``labels`` (K,) int64 >= 1 and optionally
    ``masks`` (K, H, W).
    """
    if not isinstance(images, (list, tuple)) or not images:
        raise DataError(f"images must be a non-empty list of (C, H, W) tensors; got {type(images).__name__}.")
    for i, img in enumerate(images):
        if not torch.is_tensor(img) or img.dim() != 3 or not img.is_floating_point():
            got = tuple(img.shape) if torch.is_tensor(img) else type(img).__name__
            raise DataError(f"images[{i}] must be a float tensor (C, H, W); got {got}.")
    if training and targets is None:
        raise DataError("In training mode the detector needs targets (a list of dicts with boxes and labels).")
    if targets is None:
        return
    if len(targets) != len(images):
        raise DataError(f"Got {len(images)} images but {len(targets)} targets; give one target dict per image.")
    for i, (img, t) in enumerate(zip(images, targets, strict=False)):
        boxes, labels = t.get("boxes"), t.get("labels")
        if boxes is None or labels is None:
            raise DataError(f"targets[{i}] needs 'boxes' (K, 4) and 'labels' (K,); got keys {sorted(t)}.")
        if boxes.dim() != 2 or boxes.shape[-1] != 4 or labels.shape != boxes.shape[:1]:
            raise DataError(
                f"targets[{i}]: boxes must be (K, 4) and labels (K,); got {tuple(boxes.shape)} and "
                f"{tuple(labels.shape)}."
            )
        if not boxes.is_floating_point():
            raise DataError(f"targets[{i}]: boxes must be floats (absolute x1, y1, x2, y2 pixels); got {boxes.dtype}.")
        check_boxes(boxes, name=f"targets[{i}]['boxes']", image_size=tuple(img.shape[-2:]))
        h, w = img.shape[-2:]
        if labels.numel() and (labels.dtype not in (torch.int64, torch.int32) or int(labels.min()) < 1):
            raise DataError(f"targets[{i}]: labels must be int64 >= 1 (0 is background); got {labels.tolist()}.")
        masks = t.get("masks")
        if masks is not None and tuple(masks.shape) != (len(boxes), h, w):
            raise DataError(f"targets[{i}]: masks must be (K, H, W) = {(len(boxes), h, w)}; got {tuple(masks.shape)}.")


def resize_boxes(boxes: torch.Tensor, original: tuple[int, int], new: tuple[int, int]) -> torch.Tensor:
    """Scale xyxy boxes (K, 4) from an image of size ``original`` (h, w) to one of size ``new``."""
    ry = torch.tensor(float(new[0]) / float(original[0]), dtype=boxes.dtype, device=boxes.device)
    rx = torch.tensor(float(new[1]) / float(original[1]), dtype=boxes.dtype, device=boxes.device)
    return boxes * torch.stack([rx, ry, rx, ry])


class DetectionTransform(nn.Module):
    """(images, targets) -> (ImageList, resized targets); ``postprocess`` maps detections back.

    Parameters
    ----------
    min_size : int or tuple of int
        Short side after resizing; a tuple draws one per image in training (scale augmentation).
    max_size : int
        Upper bound on the long side.
    fixed_size : (H, W), optional
        Resize every image to exactly this size instead (SSD; the aspect ratio is not kept).
    image_mean, image_std : sequence of float
        Per-channel normalization (ImageNet statistics by default).
    size_divisible : int
        The padded batch's H and W are multiples of this (32 suits a stride-32 backbone).
    """

    def __init__(
        self,
        min_size=800,
        max_size: int = 1333,
        image_mean=(0.485, 0.456, 0.406),
        image_std=(0.229, 0.224, 0.225),
        size_divisible: int = 32,
        fixed_size: tuple[int, int] | None = None,
    ):
        super().__init__()
        self.fixed_size = fixed_size
        self.min_size = (min_size,) if isinstance(min_size, int) else tuple(min_size)
        self.max_size, self.size_divisible = max_size, size_divisible
        self.image_mean, self.image_std = list(image_mean), list(image_std)

    def normalize(self, image: torch.Tensor) -> torch.Tensor:
        if image.shape[0] != len(self.image_mean):
            raise DataError(
                f"Images have {image.shape[0]} channels but the detector normalizes "
                f"{len(self.image_mean)}; convert them (e.g. grayscale to RGB)."
            )
        mean = torch.as_tensor(self.image_mean, dtype=image.dtype, device=image.device)
        std = torch.as_tensor(self.image_std, dtype=image.dtype, device=image.device)
        return (image - mean[:, None, None]) / std[:, None, None]

    def resize(self, image: torch.Tensor, target: dict | None):
        h, w = image.shape[-2:]
        size = self.min_size[int(torch.randint(len(self.min_size), (1,)))] if self.training else self.min_size[-1]
        scale = min(size / min(h, w), self.max_size / max(h, w))
        if self.fixed_size is not None:
            image = F.interpolate(image[None], size=tuple(self.fixed_size), mode="bilinear", align_corners=False)[0]
        else:
            image = F.interpolate(
                image[None], scale_factor=scale, mode="bilinear", recompute_scale_factor=True, align_corners=False
            )[0]
        if target is None:
            return image, None
        target = dict(target)
        target["boxes"] = resize_boxes(target["boxes"], (h, w), tuple(image.shape[-2:]))
        if "masks" in target:
            masks = target["masks"][:, None].float()
            target["masks"] = F.interpolate(masks, size=image.shape[-2:], mode="nearest")[:, 0].to(torch.uint8)
        return image, target

    def batch(self, images: list[torch.Tensor]) -> torch.Tensor:
        """Zero-pad to the largest (H, W), rounded up to ``size_divisible`` -> (N, C, H, W)."""
        h = max(img.shape[1] for img in images)
        w = max(img.shape[2] for img in images)
        s = self.size_divisible
        h, w = int(math.ceil(h / s) * s), int(math.ceil(w / s) * s)
        out = images[0].new_zeros((len(images), images[0].shape[0], h, w))
        for img, slot in zip(images, out, strict=False):
            slot[:, : img.shape[1], : img.shape[2]].copy_(img)
        return out

    def forward(self, images: list[torch.Tensor], targets: list[dict] | None = None):
        out_images, out_targets = [], [] if targets is not None else None
        for i, img in enumerate(images):
            img, t = self.resize(self.normalize(img), None if targets is None else targets[i])
            out_images.append(img)
            if out_targets is not None:
                out_targets.append(t)
        sizes = [(int(img.shape[-2]), int(img.shape[-1])) for img in out_images]
        return ImageList(self.batch(out_images), sizes), out_targets

    def postprocess(self, detections: list[dict], image_sizes, original_sizes) -> list[dict]:
        """Rescale each detection dict's boxes (and paste its masks) into the original image."""
        from visrec.detection.models.mask_head import paste_masks_in_image

        for det, size, orig in zip(detections, image_sizes, original_sizes, strict=False):
            det["boxes"] = resize_boxes(det["boxes"], size, orig)
            if "masks" in det:
                det["masks"] = paste_masks_in_image(det["masks"], det["boxes"], orig)
        return detections

    def extra_repr(self) -> str:
        return f"min_size={self.min_size}, max_size={self.max_size}, size_divisible={self.size_divisible}"
