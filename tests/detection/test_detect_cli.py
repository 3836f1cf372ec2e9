"""`visrec detect train | predict | evaluate | models` end to end on a tiny VOC folder, and clear errors."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from _voc_fixture import write_voc
from visrec.cli.main import main


def cli(capsys, *args) -> tuple[int, str, str]:
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_detect_train_evaluate_predict(tmp_path, capsys):
    voc = write_voc(tmp_path / "voc", n=4, size=96)
    run = tmp_path / "run"
    code, out, err = cli(
        capsys,
        "detect",
        "train",
        "--data",
        voc,
        "--model",
        "yolo_tiny",
        "--epochs",
        2,
        "--batch-size",
        2,
        "--val-size",
        1,
        "--image-size",
        96,
        "--out",
        run,
        "--no-progress",
    )
    assert code == 0, err
    assert "validation mAP@0.5" in out and str(run) in out

    code, out, err = cli(capsys, "detect", "evaluate", run, "--data", voc, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result["classes"]) == {"disc", "square"} and result["images"] == 4
    assert 0.0 <= result["map50"] <= 1.0 and "AP75" in result["coco"]
    assert (run / "plots" / "pr_curves.png").is_file()
    code, out, err = cli(capsys, "detect", "evaluate", run)  # the run's own validation split, as a table
    assert code == 0 and "mAP" in out and "COCO: AP" in out
    code, out, err = cli(capsys, "detect", "evaluate", run, "--data", voc, "--json", "--tta", "d4")
    assert code == 0, err
    assert json.loads(out)["tta"] == "d4" and 0.0 <= json.loads(out)["map50"] <= 1.0
    code, _, err = cli(capsys, "detect", "evaluate", run, "--tta", "flips")
    assert code == 2 and "--tta" in err and "d4" in err

    images = sorted((voc / "JPEGImages").glob("*.png"))[:2]
    code, out, err = cli(capsys, "detect", "predict", run, *images, "--out", tmp_path / "pred", "--min-score", 0.0)
    assert code == 0, err
    assert (tmp_path / "pred" / "im0_det.png").is_file() and (tmp_path / "pred" / "im1_det.png").is_file()
    rows = json.loads((tmp_path / "pred" / "detections.json").read_text())
    assert all(set(r) == {"image_id", "category_id", "bbox", "score"} for r in rows)
    if rows:  # a valid COCO results file: pycocotools loads it against matching ground truth
        from pycocotools.coco import COCO

        gt = COCO()
        gt.dataset = {"images": [{"id": 0}, {"id": 1}], "annotations": [], "categories": [{"id": 1}, {"id": 2}]}
        with contextlib.redirect_stdout(io.StringIO()):
            gt.createIndex()
            assert len(gt.loadRes(rows).anns) == len(rows)


def test_detect_errors_and_listing(tmp_path, capsys):
    code, out, _ = cli(capsys, "detect", "models")
    assert code == 0 and "fasterrcnn_resnet50_fpn" in out and "yolo_tiny" in out
    code, _, err = cli(capsys, "detect", "train", "--data", tmp_path / "missing", "--out", tmp_path / "r")
    assert code == 2 and "--data" in err
    code, _, err = cli(capsys, "detect", "train", "--model", "resnet18", "--out", tmp_path / "r")
    assert code == 2 and "--model" in err
    code, _, err = cli(capsys, "detect", "evaluate", tmp_path)
    assert code == 2 and "model.json" in err
    for bad in ("{bad", "[1]"):
        code, _, err = cli(capsys, "detect", "train", "--model-kwargs", bad, "--out", tmp_path / "r")
        assert code == 2 and "--model-kwargs expects a JSON object" in err
    code, _, err = cli(capsys, "detect", "train", "--color-jitter", "2", "--out", tmp_path / "r")
    assert code == 2 and "color_jitter" in err.replace("-", "_")
    code, out, _ = cli(capsys, "detect", "train", "--help")
    assert "--tile" in out and "Examples" in out
