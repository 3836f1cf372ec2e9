"""`visrec demo`: runs end to end on the embedded digits and leaves a complete run directory."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from visrec.cli.main import main


@pytest.mark.slow
def test_demo_end_to_end(tmp_path, capsys, monkeypatch):
    from visrec.classic import demo

    # the full pipeline, with smaller searches so the test stays short (the real demo is timed in the docs)
    monkeypatch.setattr(demo, "DEMO_KS", [1, 3, 5])
    monkeypatch.setattr(demo, "DEMO_LINEAR", {**demo.DEMO_LINEAR, "lrs": [1e-5], "iters": 300})
    monkeypatch.setattr(
        demo, "DEMO_FEATURES", {**demo.DEMO_FEATURES, "lrs": [1e-1], "regs": [1e-4], "iters": 300}
    )
    out = tmp_path / "demo"
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--out", str(out)])
    assert exc.value.code == 0
    stdout = capsys.readouterr().out
    assert f"run directory: {out}" in stdout and "test acc" in stdout

    metrics = json.loads((out / "metrics.json").read_text())
    config = json.loads((out / "config.json").read_text())
    methods = metrics["methods"]
    assert set(methods) == {"knn", "svm", "softmax", "features"}
    assert metrics["n_train"] + metrics["n_val"] + metrics["n_test"] == 1797 and metrics["n_test"] == 359
    assert config["splits"]["data"]["spec"] == "digits" and config["data_fingerprint"]
    for key, m in methods.items():
        assert 0.85 < m["val_accuracy"] <= 1 and 0.85 < m["test_accuracy"] <= 1, key
        assert (out / "models" / key / "model.json").is_file()
    cv = np.array(methods["knn"]["cv"]["fold_scores"])  # (3 ks, 5 folds)
    assert cv.shape == (3, 5)
    assert methods["knn"]["chosen"]["k"] == [1, 3, 5][int(np.argmax(cv.mean(1)))]
    assert [r["reg"] for r in methods["svm"]["search"]] == demo.DEMO_LINEAR["regs"]
    best = metrics["best_by_validation"]
    assert methods[best]["val_accuracy"] == max(m["val_accuracy"] for m in methods.values())
    model = json.loads((out / "model.json").read_text())
    assert model["kind"] == "classic" and model["demo_method"] == best
    for name in (
        "samples",
        "knn_cv_accuracy_vs_k",
        "knn_nearest_neighbors",
        "svm_templates",
        "softmax_loss",
        "features_loss",
        "knn_confusion_test",
    ):
        assert (out / "plots" / f"{name}.png").stat().st_size > 1000, name

    # the features model was fitted on 32x32 upsampled digits but takes 8x8 images like the others
    feat = json.loads((out / "models" / "features" / "model.json").read_text())
    assert feat["input_shape"] == [8, 8, 1] and feat["resize"] == [32, 32]

    # the saved top-level model predicts files
    img = tmp_path / "digit.png"
    from visrec.data.load import load_dataset

    ds = load_dataset()
    Image.fromarray(ds.images[0, :, :, 0]).save(img)
    with pytest.raises(SystemExit) as exc:
        main(["predict", "--model", str(out / "models" / "features"), str(img)])
    assert exc.value.code == 0
    assert "digit.png" in capsys.readouterr().out
