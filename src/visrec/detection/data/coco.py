"""COCO JSON: ground-truth annotations (boxes, polygons, RLE masks) and detection results.

Ground truth: ``{"images": [{id, file_name, height, width}], "annotations": [{id, image_id, category_id,
bbox: [x, y, w, h], segmentation?, area?, iscrowd?}], "categories": [{id, name}]}``. COCO category ids
are arbitrary (1..90 with gaps); labels become 1..K in category order and ``DetectionDataset.category_ids``
maps them back. Results (``write_coco_results``): a list of ``{image_id, category_id, bbox, score}`` (plus
``segmentation`` as compressed RLE for masks), the file ``pycocotools.COCO.loadRes`` reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from visrec.utils.atomic import atomic_write_text
from visrec.utils.errors import DataError

from .rle import compress_rle, encode_rle, segmentation_to_mask
from .sample import DetectionDataset, DetectionSample, validate_sample

__all__ = ["read_coco", "coco_ground_truth", "detections_to_coco", "write_coco_results"]


def _load_json(path: Path) -> dict:
    if not path.is_file():
        raise DataError(f"{path}: COCO annotation file not found.")
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise DataError(f"{path}: the annotation file is empty; expected COCO JSON with 'images', "
                        "'annotations' and 'categories'.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc}).") from None
    missing = [k for k in ("images", "annotations", "categories") if k not in data]
    if missing:
        raise DataError(f"{path}: COCO JSON lacks {missing}; expected 'images', 'annotations', 'categories'.")
    return data


def read_coco(json_path, image_dir=None, load_images: bool = True, masks: bool = True) -> DetectionDataset:
    """Read COCO ground truth into a ``DetectionDataset`` (one sample per image, empty images kept).

    Boxes are converted from xywh to xyxy and validated (zero-size or outside the image -> ``DataError``);
    polygons and RLE become (N, H, W) bool masks when ``masks``. ``image_dir`` defaults to the JSON's folder.
    """
    json_path = Path(json_path)
    data = _load_json(json_path)
    image_dir = Path(image_dir) if image_dir is not None else json_path.parent
    categories = sorted(data["categories"], key=lambda c: c["id"])
    label_of = {c["id"]: i + 1 for i, c in enumerate(categories)}
    by_image: dict[int, list[dict]] = {}
    for ann in data["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann)
    samples = []
    for info in data["images"]:
        where = f"{json_path} (image id {info['id']}, {info.get('file_name', '?')})"
        height, width = int(info["height"]), int(info["width"])
        anns = by_image.get(info["id"], [])
        for ann in anns:
            if ann["category_id"] not in label_of:
                raise DataError(f"{where}: annotation {ann.get('id')} has unknown category_id "
                                f"{ann['category_id']}.")
        boxes = np.array([a["bbox"] for a in anns], np.float64).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]  # xywh -> xyxy
        if load_images:
            path = image_dir / info["file_name"]
            try:
                with Image.open(path) as im:
                    image = np.array(im.convert("RGB"))
            except (OSError, FileNotFoundError) as exc:
                raise DataError(f"{path}: cannot read the image named in {json_path} ({exc}).") from None
            if image.shape[:2] != (height, width):
                raise DataError(f"{path}: the image is {image.shape[0]}x{image.shape[1]} but {json_path} "
                                f"says {height}x{width}.")
        else:
            image = np.zeros((height, width, 3), np.uint8)
        sample_masks = None
        if masks and anns and all("segmentation" in a for a in anns):
            sample_masks = np.stack([
                segmentation_to_mask(a["segmentation"], height, width, f"{where}, annotation {a.get('id')}")
                for a in anns])
        sample = DetectionSample(
            image=image, boxes=boxes.astype(np.float32),
            labels=np.array([label_of[a["category_id"]] for a in anns], np.int64),
            image_id=int(info["id"]), file_name=info.get("file_name", ""), masks=sample_masks,
            iscrowd=np.array([bool(a.get("iscrowd", 0)) for a in anns], bool))
        samples.append(validate_sample(sample, where, len(categories)))
    return DetectionDataset(samples, [c["name"] for c in categories], source=str(json_path),
                            category_ids=[c["id"] for c in categories])


def coco_ground_truth(dataset: DetectionDataset) -> dict:
    """A dataset as COCO ground-truth JSON (boxes, areas, masks as RLE): what pycocotools' ``COCO`` loads."""
    cat_ids = dataset.category_ids or list(range(1, dataset.num_classes + 1))
    images, annotations = [], []
    for s in dataset.samples:
        h, w = s.size
        images.append({"id": int(s.image_id), "file_name": s.file_name, "height": h, "width": w})
        for j, (box, label) in enumerate(zip(s.boxes.tolist(), s.labels.tolist(), strict=True)):
            x1, y1, x2, y2 = box
            ann = {"id": len(annotations) + 1, "image_id": int(s.image_id), "category_id": cat_ids[label - 1],
                   "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1),
                   "iscrowd": int(s.iscrowd[j]) if s.iscrowd is not None else 0}
            if s.masks is not None:
                rle = compress_rle(encode_rle(s.masks[j]))
                ann["segmentation"], ann["area"] = rle, float(s.masks[j].sum())
            annotations.append(ann)
    categories = [{"id": cid, "name": name} for cid, name in zip(cat_ids, dataset.class_names, strict=True)]
    return {"images": images, "annotations": annotations, "categories": categories}


def detections_to_coco(detections, image_ids, category_ids=None) -> list[dict]:
    """Per-image detections [dict(boxes (M, 4) xyxy, scores (M,), labels (M,) in 1..K, masks?)] -> COCO
    results rows; ``category_ids[label - 1]`` is written (default: the label itself)."""
    rows = []
    for det, image_id in zip(detections, image_ids, strict=True):
        boxes = np.asarray(det["boxes"], np.float64).reshape(-1, 4)
        scores, labels = np.asarray(det["scores"]).reshape(-1), np.asarray(det["labels"]).reshape(-1)
        masks = det.get("masks")
        for j in range(len(boxes)):
            x1, y1, x2, y2 = boxes[j].tolist()
            label = int(labels[j])
            row = {"image_id": int(image_id),
                   "category_id": int(category_ids[label - 1]) if category_ids else label,
                   "bbox": [round(x1, 3), round(y1, 3), round(x2 - x1, 3), round(y2 - y1, 3)],
                   "score": round(float(scores[j]), 5)}
            if masks is not None:
                mask = np.asarray(masks[j])
                mask = mask[0] if mask.ndim == 3 else mask
                row["segmentation"] = compress_rle(encode_rle(mask > 0.5))
            rows.append(row)
    return rows


def write_coco_results(path, detections, image_ids, category_ids=None) -> Path:
    """Write detections as a COCO results JSON file (atomically); returns the path."""
    path = Path(path)
    atomic_write_text(path, json.dumps(detections_to_coco(detections, image_ids, category_ids)))
    return path
