"""RoI align over a feature pyramid: each box is pooled from the level that suits its size.

The FPN paper's rule (Lin et al. 2017, eq. 1): a box of side sqrt(w h) goes to level
k = floor(k0 + log2(sqrt(w h) / s0)), clamped to the levels present, with k0 = 4 and s0 = 224 (the
canonical ImageNet box). Each level's stride is inferred from its size against the images' size.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from visrec.detection.ops import roi_align

__all__ = ["MultiScaleRoIAlign", "boxes_to_rois"]


def boxes_to_rois(boxes: list[torch.Tensor]) -> torch.Tensor:
    """Per-image boxes [(K_i, 4)] -> rois (sum K_i, 5) with the image index in column 0."""
    idx = torch.cat([torch.full((len(b), 1), i, dtype=b.dtype, device=b.device) for i, b in enumerate(boxes)])
    return torch.cat([idx, torch.cat(boxes)], dim=1)


class MultiScaleRoIAlign(nn.Module):
    """features {name: (N, D, H_l, W_l)}, boxes [(K_i, 4)] -> pooled (sum K_i, D, S, S).

    Parameters
    ----------
    featmap_names : list of str
        Which levels of the feature dict to pool from (e.g. ["0", "1", "2", "3"]; not "pool").
    output_size : int
        S, the pooled side (7 for the box head, 14 for the mask head).
    sampling_ratio : int
        Bilinear samples per bin side (2 in Faster R-CNN; -1 = adaptive).
    canonical_scale, canonical_level : int
        s0 and k0 of the level rule.
    """

    def __init__(
        self,
        featmap_names: list[str],
        output_size: int,
        sampling_ratio: int,
        canonical_scale: int = 224,
        canonical_level: int = 4,
    ):
        super().__init__()
        self.featmap_names, self.output_size = list(featmap_names), output_size
        self.sampling_ratio = sampling_ratio
        self.canonical_scale, self.canonical_level = canonical_scale, canonical_level

    def level_of(self, rois: torch.Tensor, k_min: int, k_max: int) -> torch.Tensor:
        """Level index (K,) in [0, k_max - k_min] of each roi (K, 5)."""
        w, h = rois[:, 3] - rois[:, 1], rois[:, 4] - rois[:, 2]
        side = torch.sqrt(w * h)
        k = torch.floor(self.canonical_level + torch.log2(side / self.canonical_scale) + 1e-6)
        return (k.clamp(k_min, k_max) - k_min).to(torch.int64)

    def forward(self, features: dict, boxes: list[torch.Tensor], image_sizes: list[tuple[int, int]]):
        feats = [features[n] for n in self.featmap_names]
        rois = boxes_to_rois(boxes)
        max_h = max(s[0] for s in image_sizes)
        scales = [2.0 ** round(math.log2(f.shape[-2] / max_h)) for f in feats]
        s = self.output_size
        out = feats[0].new_zeros((len(rois), feats[0].shape[1], s, s))
        if len(rois) == 0:
            return out
        if len(feats) == 1:
            return roi_align(feats[0], rois, (s, s), spatial_scale=scales[0], sampling_ratio=self.sampling_ratio)
        k_min, k_max = int(-math.log2(scales[0])), int(-math.log2(scales[-1]))
        levels = self.level_of(rois, k_min, k_max)
        for lvl, (feat, scale) in enumerate(zip(feats, scales, strict=False)):
            idx = torch.where(levels == lvl)[0]
            if idx.numel():
                out[idx] = roi_align(
                    feat, rois[idx], (s, s), spatial_scale=scale, sampling_ratio=self.sampling_ratio
                ).to(out.dtype)
        return out

    def extra_repr(self) -> str:
        return (
            f"featmap_names={self.featmap_names}, output_size={self.output_size}, sampling_ratio={self.sampling_ratio}"
        )
