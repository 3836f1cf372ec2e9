"""Assign each prediction (anchor or proposal) to a ground-truth box by IoU, or to background.

The rule of Faster R-CNN (Ren et al. 2015, section 3.1.2): a prediction whose best IoU is >= ``high`` is
matched to that box; below ``low`` it is background (``BELOW_LOW_THRESHOLD``); in between it is ignored
(``BETWEEN_THRESHOLDS``). With ``allow_low_quality_matches`` every ground-truth box also keeps the
prediction(s) that overlap it best, even under ``high``, so no object goes without a positive.

>>> import torch
>>> iou = torch.tensor([[0.9, 0.4, 0.1], [0.2, 0.5, 0.0]])   # (M=2 boxes, N=3 predictions)
>>> Matcher(0.7, 0.3)(iou).tolist()
[0, -2, -1]
>>> Matcher(0.7, 0.3, allow_low_quality_matches=True)(iou).tolist()
[0, 1, -1]
"""

from __future__ import annotations

import torch

__all__ = ["Matcher"]


class Matcher:
    """match_quality (M, N) -> matches (N,) int64: the matched box index, -1 (background) or -2 (ignore).

    Parameters
    ----------
    high_threshold, low_threshold : float
        IoU >= high: matched; IoU < low: background; in between: ignored. ``low <= high``.
    allow_low_quality_matches : bool
        Keep, for every box, the predictions with its highest IoU (ties included) as matches.
    """

    BELOW_LOW_THRESHOLD = -1
    BETWEEN_THRESHOLDS = -2

    def __init__(self, high_threshold: float, low_threshold: float, allow_low_quality_matches: bool = False):
        if low_threshold > high_threshold:
            raise ValueError(f"low_threshold ({low_threshold}) must be <= high_threshold ({high_threshold}).")
        self.high_threshold, self.low_threshold = high_threshold, low_threshold
        self.allow_low_quality_matches = allow_low_quality_matches

    def __call__(self, match_quality: torch.Tensor) -> torch.Tensor:
        if match_quality.dim() != 2:
            raise ValueError(f"match_quality must be (M, N); got shape {tuple(match_quality.shape)}.")
        if match_quality.shape[0] == 0:  # an image without objects: everything is background
            return torch.full(
                (match_quality.shape[1],),
                self.BELOW_LOW_THRESHOLD,
                dtype=torch.int64,
                device=match_quality.device,
            )
        best, matches = match_quality.max(dim=0)  # (N,), (N,)
        before_thresholds = matches.clone()
        matches[best < self.low_threshold] = self.BELOW_LOW_THRESHOLD
        matches[(best >= self.low_threshold) & (best < self.high_threshold)] = self.BETWEEN_THRESHOLDS
        if self.allow_low_quality_matches:
            best_per_box = match_quality.max(dim=1, keepdim=True).values  # (M, 1)
            _, preds = torch.nonzero(match_quality == best_per_box, as_tuple=True)
            matches[preds] = before_thresholds[preds]
        return matches
