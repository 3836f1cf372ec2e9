"""visrec.runs.tensorboard: event files read back by TensorBoard's own reader, from the torch trainer, the
NumPy trainer and a TrainSession; PNGs decoded by Pillow; weight images checked against a hand layout."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from visrec.runs import RunDir, TrainRunConfig, TrainSession
from visrec.runs.tensorboard import encode_png, filter_images, open_writer, prediction_grid, tile

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _read(folder):
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


def _png(event) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(event.encoded_image_string)))


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_png_decodes_to_the_same_pixels(channels):
    img = np.random.default_rng(channels).integers(0, 256, (7, 5, channels), dtype=np.uint8)
    back = np.asarray(Image.open(io.BytesIO(encode_png(img))))
    np.testing.assert_array_equal(back.reshape(img.shape), img)


def test_weight_images_follow_each_engines_flattening():
    H, W, C, F = 4, 3, 3, 2
    rng = np.random.default_rng(0)
    pictures = rng.standard_normal((F, H, W, C))
    torch_rows = pictures.transpose(0, 3, 1, 2).reshape(F, -1)  # nn.Flatten of (N, C, H, W)
    numpy_rows = pictures.reshape(F, -1)  # the NumPy engine flattens (N, H, W, C)
    np.testing.assert_array_equal(filter_images(torch_rows, (H, W, C), order="chw"), pictures)
    np.testing.assert_array_equal(filter_images(numpy_rows, (H, W, C), order="hwc"), pictures)
    conv = rng.standard_normal((5, 3, 2, 2))
    np.testing.assert_array_equal(filter_images(conv), conv.transpose(0, 2, 3, 1))
    assert filter_images(rng.standard_normal((5, 10)), (H, W, C)) is None  # not a layer on raw pixels


def test_prediction_grid_frames_right_green_and_wrong_red():
    grid = prediction_grid(np.full((2, 4, 4, 1), 128, np.uint8), [1, 2], [1, 0], border=2)
    tiles = tile(np.zeros((2, 8, 8, 3), np.uint8))
    assert grid.shape == tiles.shape
    assert tuple(grid[1, 1]) == (0, 170, 0) and tuple(grid[1, 10]) == (220, 0, 0)
    assert tuple(grid[4, 4]) == (128, 128, 128)


def _history_matches(acc, history, keys):
    for key in keys:
        events = acc.Scalars(key)
        assert [e.step for e in events] == [h["step"] for h in history], key
        np.testing.assert_allclose([e.value for e in events], [h[key] for h in history], rtol=1e-6)


def test_numpy_trainer_writes_scalars_ratios_and_images(tmp_path):
    from visrec.numpy_nn.config import NumpyTrainConfig
    from visrec.numpy_nn.train import train

    cfg = NumpyTrainConfig(model="fc", hidden=[16], limit=300, batch_size=20, epochs=2, lr=1e-2,
                           progress=False, tensorboard=True, out=str(tmp_path / "np"))
    path = train(cfg)
    history = RunDir(path).history()
    acc = _read(path / "tensorboard")
    _history_matches(acc, history, ("train_loss", "train_acc", "val_acc", "lr"))
    ratios = [t for t in acc.Tags()["scalars"] if t.startswith("update_ratio/")]
    assert "update_ratio/W1" in ratios
    np.testing.assert_allclose([e.value for e in acc.Scalars("update_ratio/W1")],
                               [h["update_ratio"]["W1"] for h in history], rtol=1e-6)
    filters = _png(acc.Images("first_layer")[0])  # 16 templates of 8x8x1 digits in a 4x4 grid
    assert filters.shape[:2] == (4 * 9 + 1, 4 * 9 + 1)
    preds = _png(acc.Images("val_predictions")[0])
    assert preds.ndim == 3 and preds.shape[2] == 3


def test_torch_trainer_writes_scalars_ratios_and_images(tmp_path):
    torch = pytest.importorskip("torch")
    from visrec.torch_nn.trainer import train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        path = train({"model": "tiny_cnn", "data": "digits", "limit": 300, "epochs": 2, "batch_size": 64,
                      "lr": 0.05, "progress": False, "tensorboard": True, "out": str(tmp_path / "t")})
    finally:
        torch.set_num_threads(threads)
    history = RunDir(path).history()
    acc = _read(path / "tensorboard")
    _history_matches(acc, history, ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "images_per_s"))
    ratios = [t for t in acc.Tags()["scalars"] if t.startswith("update_ratio/")]
    assert ratios and all(0 < e.value < 1 for t in ratios for e in acc.Scalars(t))
    assert [e.step for e in acc.Scalars(ratios[0])] == [1, history[0]["step"] + 1]  # first step of each epoch
    assert {"first_layer", "val_predictions"} <= set(acc.Tags()["images"])
    assert _png(acc.Images("val_predictions")[0]).shape[2] == 3


def test_train_session_records_go_to_tensorboard(tmp_path):
    cfg = TrainRunConfig(out=str(tmp_path / "s"), progress=False, tensorboard=True)
    with TrainSession(cfg, command="doc", total_steps=4) as s:
        for step in s.steps():
            s.log(loss=1.0 / (step + 1))
            if s.due(every=2):
                s.record(epoch=None, val_loss=0.5 / (step + 1), val_acc=0.25 * step, note="text is skipped")
        s.finish({})
    acc = _read(tmp_path / "s" / "tensorboard")
    assert sorted(acc.Tags()["scalars"]) == ["elapsed_s", "val_acc", "val_loss"]
    assert [(e.step, e.value) for e in acc.Scalars("val_acc")] == [(2, 0.25), (4, 0.75)]


def test_the_writer_does_not_import_torch(tmp_path):
    code = ("import sys, numpy as np; from visrec.runs.tensorboard import open_writer; "
            f"w = open_writer({str(tmp_path)!r}); w.scalar('a', 1.0, 0); w.image('i', np.zeros((2, 2, 1)), 0); "
            "w.close(); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert open_writer(tmp_path / "again") is not None
