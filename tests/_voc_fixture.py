"""Write a small Pascal VOC folder of generated shapes (one image may be large, one empty) for the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from _toy_shapes import toy_shapes


def write_voc(root: Path, n: int = 4, size: int = 96, empty: bool = True, boxes_override=None) -> Path:
    images, targets = toy_shapes(n, size=size, seed=5, empty_every=n if empty else 0)
    (root / "Annotations").mkdir(parents=True, exist_ok=True)
    (root / "JPEGImages").mkdir(exist_ok=True)
    for i, (img, t) in enumerate(zip(images, targets, strict=True)):
        Image.fromarray((img.permute(1, 2, 0).numpy() * 255).astype(np.uint8)).save(root / "JPEGImages" / f"im{i}.png")
        boxes = t["boxes"].tolist() if boxes_override is None or i else boxes_override
        objects = "".join(
            f"<object><name>{'square' if lab == 1 else 'disc'}</name><difficult>0</difficult><bndbox>"
            f"<xmin>{b[0]:g}</xmin><ymin>{b[1]:g}</ymin><xmax>{b[2]:g}</xmax><ymax>{b[3]:g}</ymax></bndbox></object>"
            for b, lab in zip(boxes, t["labels"].tolist(), strict=False)
        )
        (root / "Annotations" / f"im{i}.xml").write_text(
            f"<annotation><filename>im{i}.png</filename><size><width>{size}</width><height>{size}</height>"
            f"<depth>3</depth></size>{objects}</annotation>"
        )
    return root
