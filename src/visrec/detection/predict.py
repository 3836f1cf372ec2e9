"""A trained detector as a predictor: raw images in, detections out; drawing, results files, evaluation.

``load_predictor(run_dir)`` rebuilds the detector a ``visrec detect train`` run saved (``model.json``
kind "detector") and returns a :class:`DetectorPredictor`: ``predict(images)`` takes uint8 (H, W, C)
arrays and returns, per image, NumPy ``boxes`` (M, 4) absolute xyxy, ``labels`` (M,) in 1..K (label i is
``class_names[i - 1]``), ``scores`` (M,) and, for Mask R-CNN, ``masks`` (M, H, W) probabilities. Images
larger than the run's ``tile`` are predicted tile by tile (neighbours overlapping by the run's
``tile_overlap``, or the one given here) and merged: each tile keeps the boxes centred in its core (the
overlaps split at their midlines), then per-class NMS; an overlap of at least the objects' size keeps
every object whole and drops the pieces cut by tile edges.

``tta="flip"`` or ``"d4"`` (test-time augmentation) predicts each image or tile in 2 or 8 mirrored and
rotated views, maps the boxes back and merges them by weighted box fusion
(:func:`visrec.detection.ops.box_fusion.weighted_box_fusion`); for box detectors only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from visrec.detection.data import tile_windows
from visrec.detection.data.augment import dihedral_views, transform_boxes, transform_image
from visrec.detection.data.tiling import merge_tile_detections
from visrec.detection.ops.box_fusion import weighted_box_fusion
from visrec.utils.errors import DataError

__all__ = ["DetectorPredictor", "load_predictor", "draw_detections", "predict_files", "evaluate_run", "format_ap_table"]


class DetectorPredictor:
    """A detector in eval mode with its class names and tiling settings."""

    kind = "detector"

    def __init__(
        self,
        model: torch.nn.Module,
        class_names: list[str],
        tile: int = 0,
        tile_overlap: int = 32,
        score_thresh: float = 0.05,
        device: str = "cpu",
        tta: str = "none",
        fusion_iou: float = 0.55,
    ):
        if tile and not 0 <= tile_overlap < tile:
            raise DataError(f"--tile-overlap {tile_overlap}: this detector predicts {tile}-pixel tiles, so the "
                            f"overlap must be in [0, {tile - 1}].")
        self.model = model.to(device).eval()
        self.class_names, self.tile, self.tile_overlap = list(class_names), tile, tile_overlap
        self.score_thresh, self.device = score_thresh, device
        self.views, self.tta, self.fusion_iou = dihedral_views(tta), tta, fusion_iou

    def _run(self, images: list[np.ndarray]) -> list[dict]:
        tensors = [
            torch.from_numpy(np.array(im)).permute(2, 0, 1).float().div(255).to(self.device)
            for im in images
        ]
        with torch.no_grad():
            out = self.model(tensors)
        return [{k: v.cpu() for k, v in d.items()} for d in out]

    def _run_views(self, image: np.ndarray) -> dict:
        """One image's detections, over the test-time views when there are several."""
        if len(self.views) == 1:
            return self._run([image])[0]
        boxes, scores, labels = [], [], []
        for aug in self.views:
            view = transform_image(image, aug)
            det = self._run([view])[0]
            if "masks" in det:
                raise DataError(f"Test-time augmentation (--tta {self.tta}) merges boxes only; this run "
                                "predicts masks. Evaluate it without --tta.")
            boxes.append(transform_boxes(det["boxes"], view.shape[:2], aug.inverse()))
            scores.append(det["scores"])
            labels.append(det["labels"])
        return weighted_box_fusion(torch.cat(boxes), torch.cat(scores), torch.cat(labels), self.fusion_iou,
                                   n_views=len(self.views))

    def predict(self, images) -> list[dict]:
        """uint8 images (H, W, C) (a list, or an (N, H, W, C) array) -> per-image NumPy detections."""
        results = []
        for im in images:
            im = np.asarray(im)
            if im.ndim != 3 or im.dtype != np.uint8:
                raise DataError(f"predict expects uint8 (H, W, C) images; got {im.dtype} {im.shape}.")
            if im.shape[2] == 1:
                im = np.repeat(im, 3, axis=2)
            h, w = im.shape[:2]
            if self.tile and max(h, w) > self.tile:
                windows = tile_windows(h, w, self.tile, self.tile_overlap)
                parts = [self._run_views(im[y0:y1, x0:x1]) for y0, x0, y1, x1 in windows]
                det = merge_tile_detections(parts, windows, iou_threshold=0.5, image_size=(h, w))
            else:
                det = self._run_views(im)
            keep = det["scores"] >= self.score_thresh
            row = {k: det[k][keep].numpy() for k in ("boxes", "labels", "scores")}
            if "masks" in det:
                row["masks"] = det["masks"][keep][:, 0].numpy()
            results.append(row)
        return results

    def predict_dataset(self, dataset) -> list[dict]:
        """Detections for every sample of a :class:`DetectionDataset`, in order."""
        return [self.predict([s.image])[0] for s in dataset.samples]


def build_detector(meta: dict) -> torch.nn.Module:
    """The untrained detector a ``model.json`` describes (its name and builder options)."""
    from visrec.detection.models import create_detector

    return create_detector(meta["model"], **meta.get("model_kwargs", {}))


def load_predictor(run_dir, device: str = "cpu", tta: str = "none",
                   tile_overlap: int | None = None) -> DetectorPredictor:
    """Rebuild a trained detector from ``run_dir`` (model.json + model.safetensors); ``tta``: none, flip
    or d4 test-time views; ``tile_overlap``: the prediction tiles' overlap (default: the run's)."""
    from visrec.runs import load_model

    run_dir = Path(run_dir)
    tensors, meta = load_model(run_dir, framework="pt")
    model = build_detector(meta)
    model.load_state_dict(tensors)
    return DetectorPredictor(
        model,
        meta["class_names"],
        meta.get("tile", 0),
        meta.get("tile_overlap", 32) if tile_overlap is None else tile_overlap,
        meta.get("score_thresh", 0.05),
        device,
        tta,
    )


def draw_detections(image: np.ndarray, det: dict, class_names: list[str], min_score: float = 0.3):
    """A PIL image of ``image`` with each detection's box, class name and score drawn (masks tinted)."""
    from PIL import Image, ImageDraw

    palette = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180)]
    canvas = image.astype(np.float32).copy()
    keep = det["scores"] >= min_score
    for j in np.flatnonzero(keep):
        if "masks" in det:
            m = det["masks"][j] > 0.5
            canvas[m] = 0.5 * canvas[m] + 0.5 * np.array(palette[int(det["labels"][j]) % len(palette)])
    pil = Image.fromarray(canvas.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(pil)
    for j in np.flatnonzero(keep):
        x1, y1, x2, y2 = det["boxes"][j].tolist()
        label = int(det["labels"][j])
        colour = palette[label % len(palette)]
        name = class_names[label - 1] if 0 < label <= len(class_names) else str(label)
        draw.rectangle([x1, y1, x2, y2], outline=colour, width=2)
        draw.text((x1 + 2, max(0, y1 - 11)), f"{name} {det['scores'][j]:.2f}", fill=colour)
    return pil


def predict_files(run_dir, paths: list, out_dir, device: str = "cpu", min_score: float = 0.3,
                  tta: str = "none", tile_overlap: int | None = None) -> dict:
    """Predict image files; write ``<stem>_det.png`` with the boxes drawn and ``detections.json`` (COCO
    results: image_id = the file's position in ``paths``). Returns a summary."""
    from visrec.data.images import read_image
    from visrec.detection.data import write_coco_results

    predictor = load_predictor(run_dir, device, tta, tile_overlap)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    detections, written = [], []
    for path in paths:
        image = read_image(path)
        det = predictor.predict([image])[0]
        detections.append(det)
        target = out_dir / f"{Path(path).stem}_det.png"
        draw_detections(image, det, predictor.class_names, min_score).save(target)
        written.append(str(target))
    results = write_coco_results(out_dir / "detections.json", detections, list(range(len(paths))))
    (out_dir / "image_ids.json").write_text(json.dumps({str(i): str(p) for i, p in enumerate(paths)}, indent=1))
    return {"images": written, "results": str(results), "detections": int(sum(len(d["boxes"]) for d in detections))}


def evaluate_run(
    run_dir, data: str | None = None, device: str = "cpu", plots_dir=None, single_class: str | None = None,
    tta: str = "none", tile_overlap: int | None = None,
) -> dict:
    """VOC AP50 (all-point and 11-point) per class and COCO AP / AP50 / AP75 / AR of a run on ``data``
    (a VOC folder or COCO JSON; default: the run's own validation split). PR curves go to ``plots_dir``
    (default: the run's ``plots/``); ``tta``: none, flip or d4 test-time views; ``tile_overlap``: of the
    prediction tiles (default: the run's)."""
    from visrec.detection.metrics import coco_evaluate, plot_pr_curves, voc_evaluate
    from visrec.detection.train import load_dataset, split_dataset
    from visrec.runs import RunDir

    run_dir = Path(run_dir)
    predictor = load_predictor(run_dir, device, tta, tile_overlap)
    if data is None:
        from visrec.detection.config import DetectConfig

        cfg = DetectConfig.from_sources(run_dir / "config.json", {"out": None, "resume": None})
        dataset = split_dataset(load_dataset(cfg), cfg)[1]
    else:
        dataset = load_dataset(data, single_class=single_class)
    missing = [n for n in dataset.class_names if n not in predictor.class_names]
    if missing:
        raise DataError(
            f"--data {data} has classes {missing} that the run {run_dir} was not trained on ({predictor.class_names})."
        )
    remap = np.array([0] + [predictor.class_names.index(n) + 1 for n in dataset.class_names])
    inverse = {int(v): i for i, v in enumerate(remap)}
    dets = predictor.predict_dataset(dataset)
    for d in dets:  # the run's label ids -> the dataset's
        keep = np.isin(d["labels"], list(inverse))
        for k in list(d):
            d[k] = d[k][keep]
        d["labels"] = np.array([inverse[int(v)] for v in d["labels"]], np.int64)
    voc = voc_evaluate(dets, dataset, 0.5)
    voc11 = voc_evaluate(dets, dataset, 0.5, eleven_point=True)
    coco = coco_evaluate(dets, dataset, "bbox")
    names = dataset.class_names
    result = {
        "data": data or "validation split",
        "tta": tta,
        "tile_overlap": predictor.tile_overlap,
        "images": len(dataset),
        "objects": dataset.num_objects(),
        "classes": {
            names[c - 1]: {"ap50": voc.ap[c], "ap50_11pt": voc11.ap[c], "objects": voc.num_ground_truth[c]}
            for c in sorted(voc.ap)
        },
        "map50": voc.map,
        "map50_11pt": voc11.map,
        "coco": coco,
    }
    target = Path(plots_dir) if plots_dir is not None else RunDir(run_dir).plots
    target.mkdir(parents=True, exist_ok=True)
    result["pr_curves"] = str(plot_pr_curves(voc, names, target / "pr_curves.png"))
    return result


def format_ap_table(result: dict) -> str:
    """The AP table ``visrec detect evaluate`` prints."""
    lines = [
        f"{result['images']} images, {result['objects']} objects ({result['data']})",
        f"{'class':<20} {'objects':>7} {'AP50':>7} {'AP50 (11-pt)':>13}",
    ]
    for name, row in result["classes"].items():
        lines.append(f"{name:<20} {row['objects']:>7} {row['ap50']:>7.3f} {row['ap50_11pt']:>13.3f}")
    lines.append(f"{'mAP':<20} {'':>7} {result['map50']:>7.3f} {result['map50_11pt']:>13.3f}")
    c = result["coco"]
    lines.append("COCO: " + "  ".join(f"{k} {c[k]:.3f}" for k in ("AP", "AP50", "AP75", "AR100") if k in c))
    if "pr_curves" in result:
        lines.append(f"precision-recall curves: {result['pr_curves']}")
    return "\n".join(lines)
