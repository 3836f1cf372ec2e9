"""VOC and COCO readers, RLE / polygon decoding (equal to pycocotools), results writer, bad inputs."""

import json

import numpy as np
import pytest
from PIL import Image

from visrec.detection import data
from visrec.utils.errors import DataError

mask_api = pytest.importorskip("pycocotools.mask")


def _voc(tmp_path, objects, stem="img", suffix=".png", size=(40, 30), xml_name=None):
    (tmp_path / "Annotations").mkdir(exist_ok=True)
    (tmp_path / "JPEGImages").mkdir(exist_ok=True)
    Image.new("RGB", size, (10, 20, 30)).save(tmp_path / "JPEGImages" / f"{stem}{suffix}")
    body = "".join(
        f"<object><name>{n}</name><difficult>{d}</difficult><bndbox><xmin>{b[0]}</xmin><ymin>{b[1]}</ymin>"
        f"<xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox></object>" for n, b, d in objects)
    xml = (f"<annotation><filename>{xml_name or stem + '.tif'}</filename><size><width>{size[0]}</width>"
           f"<height>{size[1]}</height></size>{body}</annotation>")
    (tmp_path / "Annotations" / f"{stem}.xml").write_text(xml)
    return tmp_path


def test_voc_reader_matches_images_on_the_stem(tmp_path):
    root = _voc(tmp_path, [("cat", (1, 2, 20, 25), 0), ("dog", (5, 5, 39, 29), 1)])
    ds = data.read_voc(root)
    assert ds.class_names == ["cat", "dog"] and len(ds) == 1
    s = ds.samples[0]
    assert s.file_name == "img.png" and s.image.shape == (30, 40, 3)
    np.testing.assert_array_equal(s.boxes, [[1, 2, 20, 25], [5, 5, 39, 29]])
    assert s.labels.tolist() == [1, 2] and s.difficult.tolist() == [False, True]
    image, target = ds[0]
    assert image.shape == (3, 30, 40) and float(image.max()) <= 1.0 and target["boxes"].shape == (2, 4)
    assert len(data.read_voc(root, skip_difficult=True).samples[0].boxes) == 1


def test_voc_bad_inputs_name_the_file(tmp_path):
    root = _voc(tmp_path, [("cat", (1, 2, 80, 25), 0)])
    with pytest.raises(DataError, match=r"img\.xml.*outside"):
        data.read_voc(root)
    root = _voc(tmp_path, [("cat", (10, 2, 5, 25), 0)])
    with pytest.raises(DataError, match="inverted"):
        data.read_voc(root)
    (root / "Annotations" / "img.xml").write_text("")
    with pytest.raises(DataError, match="empty"):
        data.read_voc(root)
    with pytest.raises(DataError, match="Annotations"):
        data.read_voc(tmp_path / "nowhere")


def test_trees_voc(trees_voc_dir):
    ds = data.read_voc(trees_voc_dir, single_class="Tree")
    assert ds.class_names == ["Tree"]
    counts = {s.file_name: len(s.boxes) for s in ds.samples}
    expected = {"2019_YELL_2_541000_4977000_image_crop.png": 279, "OSBS_029.png": 61, "SOAP_061.png": 37}
    assert counts == expected


def _coco_fixture(tmp_path):
    rng = np.random.default_rng(3)
    mask = rng.random((30, 40)) > 0.7
    compressed = mask_api.encode(np.asfortranarray(mask.astype(np.uint8)))
    uncompressed = data.encode_rle(mask)
    polygon = [2.0, 3.0, 30.5, 4.0, 25.0, 20.0, 6.0, 18.5]
    for name in ("a.png", "b.png"):
        Image.new("RGB", (40, 30)).save(tmp_path / name)
    gt = {
        "images": [{"id": 7, "file_name": "a.png", "height": 30, "width": 40},
                   {"id": 9, "file_name": "b.png", "height": 30, "width": 40}],  # b.png has no objects
        "categories": [{"id": 5, "name": "cat"}, {"id": 2, "name": "dog"}],
        "annotations": [
            {"id": 1, "image_id": 7, "category_id": 5, "bbox": [2, 3, 28.5, 17], "segmentation": [polygon],
             "iscrowd": 0, "area": 1.0},
            {"id": 2, "image_id": 7, "category_id": 2, "bbox": [0, 0, 40, 30], "iscrowd": 1,
             "segmentation": {"size": [30, 40], "counts": compressed["counts"].decode()}, "area": 1.0},
            {"id": 3, "image_id": 7, "category_id": 2, "bbox": [1, 1, 38, 28], "iscrowd": 1,
             "segmentation": uncompressed, "area": 1.0},
        ],
    }
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(gt))
    return path, gt, mask, polygon


def test_coco_reader_boxes_polygons_rle(tmp_path):
    path, gt, mask, polygon = _coco_fixture(tmp_path)
    ds = data.read_coco(path)
    assert ds.class_names == ["dog", "cat"] and ds.category_ids == [2, 5]
    first, second = ds.samples
    np.testing.assert_allclose(first.boxes[0], [2, 3, 30.5, 20])
    assert first.labels.tolist() == [2, 1, 1] and first.iscrowd.tolist() == [False, True, True]
    assert len(second.boxes) == 0 and second.masks is None
    reference_poly = mask_api.decode(mask_api.frPyObjects([polygon], 30, 40))[:, :, 0].astype(bool)
    np.testing.assert_array_equal(first.masks[0], reference_poly)
    np.testing.assert_array_equal(first.masks[1], mask)
    np.testing.assert_array_equal(first.masks[2], mask)


def test_polygon_and_rle_codecs_equal_pycocotools():
    rng = np.random.default_rng(0)
    for _ in range(150):
        h, w = (int(v) for v in rng.integers(5, 40, 2))
        k = int(rng.integers(3, 9))
        poly = (rng.random(2 * k) * np.array([w + 4, h + 4] * k) - 2).round(int(rng.integers(0, 3)))
        ref = mask_api.decode(mask_api.frPyObjects([poly.tolist()], h, w))[:, :, 0].astype(bool)
        np.testing.assert_array_equal(data.decode_rle(data.polygon_to_rle(poly, h, w)), ref)
        m = rng.random((h, w)) > rng.random()
        enc = mask_api.encode(np.asfortranarray(m.astype(np.uint8)))
        assert data.compress_rle(data.encode_rle(m))["counts"] == enc["counts"].decode()
        assert data.counts_from_string(enc["counts"].decode()) == data.encode_rle(m)["counts"]
        assert data.rle_area(data.encode_rle(m)) == int(mask_api.area(enc))


def test_coco_bad_inputs(tmp_path):
    path, gt, mask, _ = _coco_fixture(tmp_path)
    bad = json.loads(json.dumps(gt))
    bad["annotations"][0]["bbox"] = [30, 3, 28.5, 17]  # runs past the 40-pixel width
    path.write_text(json.dumps(bad))
    with pytest.raises(DataError, match="outside"):
        data.read_coco(path)
    bad = json.loads(json.dumps(gt))
    bad["annotations"][2]["segmentation"] = data.encode_rle(np.zeros((10, 10), bool))  # wrong size
    path.write_text(json.dumps(bad))
    with pytest.raises(DataError, match="does not match the image size"):
        data.read_coco(path)
    path.write_text("")
    with pytest.raises(DataError, match="empty"):
        data.read_coco(path)
    path.write_text(json.dumps({"images": []}))
    with pytest.raises(DataError, match="lacks"):
        data.read_coco(path)
    with pytest.raises(DataError, match="corrupt"):
        data.decode_rle({"size": [3, 3], "counts": [2, 2]})


def test_results_writer_is_read_by_pycocotools(tmp_path):
    from pycocotools.coco import COCO

    path, gt, mask, _ = _coco_fixture(tmp_path)
    ds = data.read_coco(path)
    coco = COCO()
    coco.dataset = data.coco_ground_truth(ds)
    coco.createIndex()
    dets = [{"boxes": np.array([[2, 3, 30, 20.0]]), "scores": np.array([0.9]), "labels": np.array([1]),
             "masks": mask[None].astype(np.float32)},
            {"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, int)}]
    out = data.write_coco_results(tmp_path / "results.json", dets, [7, 9], ds.category_ids)
    rows = json.loads(out.read_text())
    assert rows[0]["category_id"] == 2 and rows[0]["bbox"] == [2, 3, 28, 17]
    res = coco.loadRes(str(out))
    assert len(res.anns) == 1
    np.testing.assert_array_equal(res.annToMask(res.anns[1]).astype(bool), mask)
