"""A few-line stand-in generator for the detector tests: filled squares (class 1) and discs (class 2)
of random colour on a noisy background, with boxes and masks. Deterministic per seed."""

from __future__ import annotations

import torch


def toy_shapes(n: int, size: int = 128, max_objects: int = 3, seed: int = 0, empty_every: int = 0):
    """n images (3, size, size) in [0, 1] and targets with boxes (K, 4), labels (K,), masks (K, H, W)."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    images, targets = [], []
    for i in range(n):
        img = 0.1 * torch.rand((3, size, size), generator=g) + 0.2
        boxes, labels, masks = [], [], []
        k = (
            0
            if empty_every and i % empty_every == empty_every - 1
            else int(torch.randint(1, max_objects + 1, (1,), generator=g))
        )
        for _ in range(k):
            for _attempt in range(20):
                side = int(torch.randint(20, 48, (1,), generator=g))
                x0 = int(torch.randint(0, size - side, (1,), generator=g))
                y0 = int(torch.randint(0, size - side, (1,), generator=g))
                box = torch.tensor([x0, y0, x0 + side, y0 + side], dtype=torch.float32)
                if all(_iou(box, b) < 0.1 for b in boxes):
                    break
            cls = int(torch.randint(1, 3, (1,), generator=g))
            if cls == 1:
                m = (xx >= x0) & (xx < x0 + side) & (yy >= y0) & (yy < y0 + side)
            else:
                r = side / 2
                m = (xx + 0.5 - x0 - r) ** 2 + (yy + 0.5 - y0 - r) ** 2 <= r * r
            colour = 0.5 + 0.5 * torch.rand(3, generator=g)
            img[:, m] = colour[:, None]
            boxes.append(box)
            labels.append(cls)
            masks.append(m.to(torch.uint8))
        images.append(img)
        targets.append(
            {
                "boxes": torch.stack(boxes) if boxes else torch.zeros((0, 4)),
                "labels": torch.tensor(labels, dtype=torch.int64),
                "masks": torch.stack(masks) if masks else torch.zeros((0, size, size), dtype=torch.uint8),
            }
        )
    return images, targets


def _iou(a: torch.Tensor, b: torch.Tensor) -> float:
    lt, rb = torch.maximum(a[:2], b[:2]), torch.minimum(a[2:], b[2:])
    inter = (rb - lt).clamp(min=0).prod()
    return float(inter / ((a[2:] - a[:2]).prod() + (b[2:] - b[:2]).prod() - inter))
