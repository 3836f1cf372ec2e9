"""AP50 of detections against targets, computed by pycocotools' COCOeval (the independent reference)."""

from __future__ import annotations

import contextlib
import io


def coco_ap50(predictions: list[dict], targets: list[dict], num_classes: int) -> float:
    """Box AP at IoU 0.5 (COCO's 101-point interpolation) over images and classes 1..num_classes-1."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, anns, dets = [], [], []
    for i, (p, t) in enumerate(zip(predictions, targets, strict=True)):
        images.append({"id": i, "width": 1000, "height": 1000})
        for b, c in zip(t["boxes"].tolist(), t["labels"].tolist(), strict=True):
            w, h = b[2] - b[0], b[3] - b[1]
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i,
                    "category_id": c,
                    "bbox": [b[0], b[1], w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
        for b, c, s in zip(p["boxes"].tolist(), p["labels"].tolist(), p["scores"].tolist(), strict=True):
            dets.append({"image_id": i, "category_id": c, "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]], "score": s})
    gt = COCO()
    gt.dataset = {
        "images": images,
        "annotations": anns,
        "categories": [{"id": c} for c in range(1, num_classes)],
    }
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        if not dets:
            return 0.0
        dt = gt.loadRes(dets)
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[1])
