"""The captioner trainer and `visrec caption`: a run, BLEU on both held-out splits, exact resume, predict."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from visrec.cli.main import main
from visrec.runs import load_model
from visrec.sequence.captioning import load_captioner
from visrec.sequence.config import CaptionConfig
from visrec.sequence.data import make_shapes
from visrec.sequence.train_caption import train_caption
from visrec.utils.errors import ParameterError


def cli(*args):
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        return exc.code
    return 0


def tiny(tmp_path, name, **kw):
    base = dict(
        shapes_train=48,
        shapes_val=8,
        epochs=2,
        batch_size=16,
        image_size=24,
        encoder_width=4,
        embed=8,
        hidden=16,
        attention_dim=8,
        progress=False,
        out=str(tmp_path / name),
        threads=1,
    )
    return CaptionConfig(**{**base, **kw})


@pytest.mark.parametrize("model", ["rnn", "attention"])
def test_trains_and_reports_bleu_on_seen_and_novel_splits(tmp_path, model):
    metrics = train_caption(tiny(tmp_path, model, model=model), echo=lambda s: None)
    for split in ("val", "novel"):
        assert all(0 <= metrics[f"{split}_bleu{n}"] <= 1 for n in range(1, 5))
    history = [json.loads(x) for x in (tmp_path / model / "history.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history] == [3, 6] and "val_bleu4" in history[-1]
    cap = load_captioner(tmp_path / model)
    images = make_shapes(3, "val", seed=5, image_size=40).images  # another size: resized
    texts = cap.caption(images)
    assert len(texts) == 3 and all(isinstance(t, str) for t in texts)
    assert cap.caption(images, beam=1) == texts
    if model == "attention":
        words, maps = cap.attention(images)[0]
        assert maps.shape == (len(words), 3, 3)
        np.testing.assert_allclose(maps.reshape(len(words), -1).sum(1), 1.0, rtol=1e-5)


def test_resume_equals_an_uninterrupted_run(tmp_path):
    train_caption(tiny(tmp_path, "full", epochs=2), echo=lambda s: None)
    train_caption(tiny(tmp_path, "half", epochs=1), echo=lambda s: None)
    train_caption(tiny(tmp_path, "x", epochs=2, out=None, resume=str(tmp_path / "half")), echo=lambda s: None)
    full, _ = load_model(tmp_path / "full", "pt")
    resumed, _ = load_model(tmp_path / "half", "pt")
    for k in full:
        torch.testing.assert_close(resumed[k], full[k], rtol=0, atol=0, msg=k)


def test_bad_settings_are_clear_errors():
    with pytest.raises(ParameterError, match="--image-size must be a multiple of 8"):
        CaptionConfig(image_size=30)
    with pytest.raises(ParameterError, match="--model"):
        CaptionConfig(model="transformer")


@pytest.mark.slow
def test_cli_train_and_predict_draw_captions_and_attention(tmp_path, capsys):
    run = tmp_path / "run"
    args = [
        "caption",
        "train",
        "--model",
        "attention",
        "--shapes-train",
        32,
        "--shapes-val",
        4,
        "--epochs",
        1,
        "--image-size",
        24,
        "--hidden",
        16,
        "--embed",
        8,
        "--batch-size",
        16,
        "--out",
        run,
        "--no-progress",
    ]
    assert cli(*args) == 0
    assert "novel: BLEU-1" in capsys.readouterr().out
    img = tmp_path / "scene.png"
    Image.fromarray(make_shapes(1, "novel", seed=2).images[0]).save(img)
    assert cli("caption", "predict", run, img, "--out", tmp_path / "fig", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["image"] == str(img) and isinstance(out[0]["caption"], str)
    assert (tmp_path / "fig" / "scene_caption.png").is_file() and (
        tmp_path / "fig" / "scene_attention.png"
    ).is_file()


def test_a_registered_cnn_can_be_the_encoder(tmp_path):
    metrics = train_caption(
        tiny(tmp_path, "reg", encoder="tiny_cnn", image_size=32, model="attention", epochs=1),
        echo=lambda s: None,
    )
    assert 0 <= metrics["val_bleu1"] <= 1
    cap = load_captioner(tmp_path / "reg")
    words, maps = cap.attention(make_shapes(1, "val", seed=0, image_size=32).images)[0]
    assert maps.shape[1:] == (cap.model.encoder.grid_side,) * 2
    with pytest.raises(ParameterError, match="--encoder"):
        CaptionConfig(encoder="no_such_net")
