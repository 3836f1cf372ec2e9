"""The generated shapes dataset, tiling, and the nuclei split."""

import numpy as np
import pytest
import torch

from visrec.detection import data


def test_shapes_are_seeded_and_consistent():
    a, b = data.make_shapes(12, size=48, seed=5), data.make_shapes(12, size=48, seed=5)
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a.samples, b.samples, strict=True))
    assert not np.array_equal(a.samples[0].image, data.make_shapes(12, size=48, seed=6).samples[0].image)
    for s in a.samples:
        assert s.masks.shape == (len(s.boxes), 48, 48)
        assert set(s.labels.tolist()) <= {1, 2, 3}
        for mask, box in zip(s.masks, s.boxes, strict=True):
            ys, xs = np.nonzero(mask)
            assert box.tolist() == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        # occlusion: visible masks never overlap, and the semantic map agrees with them
        assert s.masks.sum(0).max() <= 1
        assert (data.semantic_map(s) > 0).sum() == s.masks.sum()
    assert max(len(s.boxes) for s in a.samples) >= 2


def test_shapes_with_empty_images_and_occlusion_statistics():
    ds = data.make_shapes(40, size=64, max_objects=5, empty_fraction=0.25, seed=1)
    empties = sum(len(s.boxes) == 0 for s in ds.samples)
    assert 3 <= empties <= 20
    image, target = ds[[i for i, s in enumerate(ds.samples) if len(s.boxes) == 0][0]]
    assert target["boxes"].shape == (0, 4) and target["labels"].shape == (0,)


def test_tile_windows_cover_the_image():
    windows = data.tile_windows(1035, 1249, tile=400, overlap=50)
    covered = np.zeros((1035, 1249), bool)
    for y0, x0, y1, x1 in windows:
        assert y1 - y0 <= 400 and x1 - x0 <= 400
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    with pytest.raises(ValueError, match="overlap"):
        data.tile_windows(10, 10, tile=4, overlap=4)


def test_tile_sample_crops_targets_and_merge_undoes_tiling():
    sample = data.make_shapes(1, size=96, max_objects=6, seed=2).samples[0]
    windows = data.tile_windows(96, 96, tile=64, overlap=32)
    parts = [data.tile_sample(sample, w, min_visible=0.99) for w in windows]
    for part, (y0, x0, y1, x1) in zip(parts, windows, strict=True):
        assert part.image.shape[:2] == (y1 - y0, x1 - x0)
        assert part.masks.shape[1:] == part.image.shape[:2]
        if len(part.boxes):
            assert part.boxes[:, 2].max() <= x1 - x0 and part.boxes[:, 0].min() >= 0
    # "predict" each tile's fully visible ground truth, shift back and merge: the whole image's boxes
    dets = [{"boxes": p.boxes, "scores": np.ones(len(p.boxes)), "labels": p.labels} for p in parts]
    merged = data.merge_tile_detections(dets, windows, iou_threshold=0.5)
    found = {tuple(b) for b in merged["boxes"].round().tolist()}
    fully_inside = [tuple(b) for b in sample.boxes.tolist()
                    if any(b[0] >= x0 and b[1] >= y0 and b[2] <= x1 and b[3] <= y1
                           for y0, x0, y1, x1 in windows)]
    assert found == set(fully_inside)
    assert isinstance(merged["boxes"], torch.Tensor)


def test_nuclei_split(nuclei_dir):
    split = data.nuclei_split(nuclei_dir, holdout="bottom-right")
    assert split.train_image.shape == (512, 512) and split.test_image.shape == (256, 256)
    assert (split.train_target[256:, 256:] == data.IGNORE).all()
    assert set(np.unique(split.train_target[:256])) <= {0, 1}
    assert 0.05 < split.test_target.mean() < 0.5
    with pytest.raises(ValueError, match="holdout"):
        data.nuclei_split(nuclei_dir, holdout="middle")


def test_trees_tiles_keep_the_crowns(trees_voc_dir):
    ds = data.read_voc(trees_voc_dir, single_class="Tree")
    big = next(s for s in ds.samples if s.size == (1035, 1249))
    tiles = data.tile_dataset_samples([big], tile=400, overlap=64, min_visible=0.5)
    assert all(t.image.shape[0] <= 400 and t.image.shape[1] <= 400 for t in tiles)
    for t in tiles:
        data.validate_sample(t, t.file_name, 1)  # every tile's boxes lie inside the tile
    # with 64 px of overlap a crown up to 64 px wide is whole in some tile (a few are larger)
    whole = set()
    for t in tiles:
        y0, x0 = (int(v) for v in t.file_name.rsplit("@", 1)[1].split(","))
        whole |= {tuple(b) for b in (t.boxes + [x0, y0, x0, y0]).round().tolist()}
    assert len(whole & {tuple(b) for b in big.boxes.round().tolist()}) >= 0.95 * len(big.boxes)


def test_tile_cores_partition_the_image():
    windows = data.tile_windows(150, 230, tile=64, overlap=24)
    cores = data.tile_cores(windows, (150, 230))
    count = np.zeros((150, 230), int)
    for y0, y1, x0, x1 in [(c[0], c[1], c[2], c[3]) for c in cores]:
        count[int(np.ceil(y0)):int(np.ceil(y1)), int(np.ceil(x0)):int(np.ceil(x1))] += 1
    assert (count == 1).all()
    for (wy0, wx0, wy1, wx1), (cy0, cy1, cx0, cx1) in zip(windows, [(c[0], c[1], c[2], c[3]) for c in cores],
                                                         strict=True):
        assert wy0 <= cy0 < cy1 <= wy1 and wx0 <= cx0 < cx1 <= wx1


def test_core_merge_keeps_each_object_whole_once_and_drops_cut_pieces():
    sample = data.make_shapes(1, size=160, max_objects=8, seed=1).samples[0]
    sizes = sample.boxes[:, 2:] - sample.boxes[:, :2]
    windows = data.tile_windows(160, 160, tile=128, overlap=96)
    assert sizes.max() <= 96 and len(sample.boxes) >= 4  # the overlap holds every object whole
    parts = [data.tile_sample(sample, w, min_visible=0.1) for w in windows]  # cut pieces too, clipped
    # a detector that finds each tile's (clipped) ground truth and is most sure of the cut pieces
    dets = []
    for p, (y0, x0, _, _) in zip(parts, windows, strict=True):
        whole = [any(np.allclose(b + [x0, y0, x0, y0], g) for g in sample.boxes) for b in p.boxes]
        dets.append({"boxes": p.boxes, "scores": np.where(whole, 0.5, 0.9), "labels": p.labels})
    truth = {tuple(b) for b in sample.boxes.round(3).tolist()}
    plain = data.merge_tile_detections(dets, windows, 0.5)
    assert {tuple(b) for b in plain["boxes"].round(decimals=3).tolist()} != truth  # pieces survive NMS
    merged = data.merge_tile_detections(dets, windows, 0.5, image_size=(160, 160))
    assert sorted(tuple(b) for b in merged["boxes"].round(decimals=3).tolist()) == sorted(truth)
