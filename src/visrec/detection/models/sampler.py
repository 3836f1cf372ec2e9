"""Draw a fixed-size minibatch of positives and negatives per image (Faster R-CNN's balanced sampler).

Of ``batch_size_per_image`` samples at most ``positive_fraction`` are positives; negatives fill the rest
(fewer when there are not enough of either). Draws use torch's global generator, so a seeded run repeats.

>>> import torch
>>> _ = torch.manual_seed(0)
>>> pos, neg = BalancedPositiveNegativeSampler(4, 0.5)([torch.tensor([1, 0, 0, 0, -1, 2, 0])])
>>> int(pos[0].sum()), int(neg[0].sum()), bool(pos[0][4] or neg[0][4])
(2, 2, False)
"""

from __future__ import annotations

import torch

__all__ = ["BalancedPositiveNegativeSampler"]


class BalancedPositiveNegativeSampler:
    """labels per image, each (N_i,) with >= 1 positive, 0 negative, -1 ignored -> (pos masks, neg masks).

    Parameters
    ----------
    batch_size_per_image : int
        Samples drawn per image (256 in the RPN, 512 in the box head of Faster R-CNN).
    positive_fraction : float
        Largest share of positives (0.5 in the RPN, 0.25 in the box head).
    """

    def __init__(self, batch_size_per_image: int, positive_fraction: float):
        if batch_size_per_image < 1 or not 0.0 <= positive_fraction <= 1.0:
            raise ValueError(
                f"batch_size_per_image must be >= 1 and positive_fraction in [0, 1]; got "
                f"{batch_size_per_image} and {positive_fraction}."
            )
        self.batch_size_per_image, self.positive_fraction = batch_size_per_image, positive_fraction

    def __call__(self, labels: list[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        pos_masks, neg_masks = [], []
        for lab in labels:
            positive = torch.nonzero(lab >= 1).flatten()
            negative = torch.nonzero(lab == 0).flatten()
            num_pos = min(int(self.batch_size_per_image * self.positive_fraction), positive.numel())
            num_neg = min(self.batch_size_per_image - num_pos, negative.numel())
            pos_idx = positive[torch.randperm(positive.numel(), device=lab.device)[:num_pos]]
            neg_idx = negative[torch.randperm(negative.numel(), device=lab.device)[:num_neg]]
            pos = torch.zeros_like(lab, dtype=torch.bool)
            neg = torch.zeros_like(lab, dtype=torch.bool)
            pos[pos_idx], neg[neg_idx] = True, True
            pos_masks.append(pos)
            neg_masks.append(neg)
        return pos_masks, neg_masks
