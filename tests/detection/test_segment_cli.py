"""`visrec segment train | evaluate | predict` end to end on tiny generated shapes, and clear errors."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from visrec.cli.main import main


def cli(capsys, *args) -> tuple[int, str, str]:
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def test_segment_train_evaluate_predict(tmp_path, capsys):
    run = tmp_path / "run"
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"shapes_train": 4, "shapes_test": 2, "shapes_size": 32, "batch_size": 2}))
    code, out, err = cli(capsys, "segment", "train", "--config", recipe, "--widths", "8,16", "--epochs", 1,
                         "--steps-per-epoch", 2, "--crop", 32, "--out", run, "--no-progress")
    assert code == 0, err
    assert "mean IoU" in out and str(run) in out
    code, out, err = cli(capsys, "segment", "evaluate", run, "--json")
    assert code == 0, err
    scores = json.loads(out)
    assert scores["class_names"] == ["background", "rectangle", "ellipse", "triangle"]
    assert 0 <= scores["mean_iou"] <= 1
    Image.fromarray(np.zeros((20, 24, 3), np.uint8)).save(tmp_path / "img.png")
    code, out, err = cli(capsys, "segment", "predict", run, tmp_path / "img.png", "--out", tmp_path / "p")
    assert code == 0, err
    mask = np.asarray(Image.open(tmp_path / "p" / "img_mask.png"))
    assert mask.shape == (20, 24)


def test_segment_errors_are_one_line(tmp_path, capsys):
    code, out, err = cli(capsys, "segment", "train", "--model", "unet9", "--out", tmp_path / "r")
    assert code == 2 and "unet9" in err and "Traceback" not in err
    code, out, err = cli(capsys, "segment", "train", "--data", tmp_path / "missing", "--out", tmp_path / "r2")
    assert code == 2 and "nuclei" in err and "Traceback" not in err
    code, out, err = cli(capsys, "segment", "evaluate", tmp_path / "nope")
    assert code == 2 and "Traceback" not in err
