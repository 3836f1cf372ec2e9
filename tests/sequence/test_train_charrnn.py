"""The character-model trainer: a run directory, exact resume, clear errors for bad texts."""

import json

import numpy as np
import pytest
import torch

from visrec.runs import load_model
from visrec.sequence.charrnn import load_charrnn
from visrec.sequence.config import CharRNNConfig
from visrec.sequence.train import train_charrnn
from visrec.utils.errors import DataError, ParameterError

TEXT = "".join(
    f"line {i}: the quick brown fox jumps over the lazy dog; 'quoted' # comment\n" for i in range(300)
)


def small(tmp_path, **kw):
    text = tmp_path / "corpus.txt"
    if not text.exists():
        text.write_text(TEXT)
    base = dict(
        text=str(text),
        hidden=24,
        embed=8,
        layers=2,
        seq_length=16,
        batch_size=8,
        steps=24,
        eval_every_steps=8,
        checkpoint_every=8,
        val_chars=2000,
        sample_length=20,
        progress=False,
        dropout=0.1,
    )
    return CharRNNConfig(**{**base, **kw})


def test_training_writes_a_run_and_the_model_samples(tmp_path):
    metrics = train_charrnn(
        small(tmp_path, out=str(tmp_path / "run"), steps=40, lr=1e-2), echo=lambda s: None
    )
    history = [json.loads(line) for line in (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history] == [8, 16, 24, 32, 40]
    assert all(h["val_bpc"] == pytest.approx(h["val_loss"] / np.log(2)) for h in history)
    assert history[-1]["val_loss"] < history[0]["val_loss"] < np.log(40)
    assert metrics["val_bits_per_char"] == pytest.approx(metrics["val_nats_per_char"] / np.log(2))
    model = load_charrnn(tmp_path / "run")
    text = model.generate(prime="line", length=30, temperature=0.5)
    assert text.startswith("line") and len(text) == 34
    ev = model.evaluate(TEXT[-2000:])
    assert ev["bits_per_char"] == pytest.approx(ev["nats_per_char"] / np.log(2))


def test_resume_equals_an_uninterrupted_run(tmp_path):
    """12 steps, stop, resume to 24 (dropout on, mid-pass, carried state) == 24 steps in one go."""
    train_charrnn(small(tmp_path, out=str(tmp_path / "full")), echo=lambda s: None)
    train_charrnn(small(tmp_path, out=str(tmp_path / "half"), steps=12), echo=lambda s: None)
    train_charrnn(small(tmp_path, resume=str(tmp_path / "half"), steps=24), echo=lambda s: None)
    full, _ = load_model(tmp_path / "full", framework="pt")
    resumed, _ = load_model(tmp_path / "half", framework="pt")
    for k in full:
        torch.testing.assert_close(resumed[k], full[k], rtol=0, atol=0, msg=k)
    read = lambda p: [json.loads(x) for x in (p / "history.jsonl").read_text().splitlines()]  # noqa: E731
    keep = ("step", "train_loss", "val_loss")
    resumed_history = [{k: h[k] for k in keep} for h in read(tmp_path / "half") if h["step"] != 12]
    assert resumed_history == [{k: h[k] for k in keep} for h in read(tmp_path / "full")]


@pytest.mark.parametrize(
    ("text", "kw", "error", "match"),
    [
        ("", {}, DataError, "no text found"),
        ("aaaaaaaaaa" * 100, {}, DataError, "one distinct character"),
        ("abcdefgh" * 10, {"seq_length": 50}, DataError, "shorter than --seq-length 50"),
    ],
    ids=["empty", "one-character", "seq-length-longer-than-text"],
)
def test_bad_texts_are_clear_errors(tmp_path, text, kw, error, match):
    (tmp_path / "t.txt").write_text(text)
    with pytest.raises(error, match=match):
        train_charrnn(small(tmp_path, text=str(tmp_path / "t.txt"), out=str(tmp_path / "r"), **kw))


def test_missing_text_and_bad_settings_name_the_flag(tmp_path):
    with pytest.raises(DataError, match="--text .*nope.txt: no such file"):
        train_charrnn(small(tmp_path, text=str(tmp_path / "nope.txt"), out=str(tmp_path / "r")))
    with pytest.raises(ParameterError, match="--layers"):
        CharRNNConfig(layers=4)
    with pytest.raises(ParameterError, match="--cell"):
        CharRNNConfig(cell="transformer")


def test_unknown_prime_characters_are_a_clear_error(tmp_path):
    train_charrnn(small(tmp_path, out=str(tmp_path / "run"), steps=2), echo=lambda s: None)
    with pytest.raises(DataError, match="--prime has 1 character"):
        load_charrnn(tmp_path / "run").generate(prime="\u00e9")
