"""GenerativeConfig resolution and errors; the seeded split and the two binarizations."""

import numpy as np
import pytest

from visrec.generative.config import GenerativeConfig
from visrec.generative.data import binarize_images, load_generative_data
from visrec.utils.errors import ParameterError


@pytest.mark.parametrize(
    "kw,binarize,output",
    [
        ({"model": "vae"}, "sample", None),
        ({"model": "vae", "likelihood": "gaussian"}, "none", None),
        ({"model": "pixelcnn"}, "sample", "bernoulli"),
        ({"model": "pixelcnn", "binarize": "none"}, "none", "softmax"),
        ({"model": "pixelcnn", "binarize": "threshold"}, "threshold", "bernoulli"),
        ({"model": "dcgan"}, "none", None),
        ({"model": "ae"}, "none", None),
    ],
)
def test_binarization_follows_the_likelihood(kw, binarize, output):
    cfg = GenerativeConfig(**kw)
    assert cfg.resolved_binarize() == binarize
    if output:
        assert cfg.resolved_output() == output


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"model": "pixelcnn", "binarize": "none", "output": "bernoulli"}, "binary data"),
        ({"kernel_size": 4}, "odd"),
        ({"latent_dim": 0}, "--latent-dim"),
        ({"d_steps": 0}, "--d-steps"),
        ({"test_data": "x"}, "--test-data"),
        ({"val_fraction": 0.0}, "--val-fraction"),
    ],
)
def test_bad_settings_name_their_flag(kw, match):
    with pytest.raises(ParameterError, match=match):
        GenerativeConfig(**kw)
    with pytest.raises(ParameterError, match="did you mean 'latent_dim'"):
        GenerativeConfig.from_dict({"latent_dims": 3})


def test_seeded_split_is_reproducible_and_disjoint():
    a, b = load_generative_data("digits", seed=0), load_generative_data("digits", seed=0)
    assert np.array_equal(a.train.numpy(), b.train.numpy()) and len(a.test) == round(0.2 * 1797)
    c = load_generative_data("digits", seed=1)
    assert not np.array_equal(a.test.numpy(), c.test.numpy())
    flat = lambda t: {bytes(r) for r in t.reshape(len(t), -1).numpy()}  # noqa: E731
    assert len(flat(a.train) & flat(a.test)) < 5  # digits has a few duplicate images; the indices are disjoint


def test_mnist_split_is_8000_2000(mnist_dir):
    d = load_generative_data(str(mnist_dir), binarize="sample")
    assert (len(d.train), len(d.test)) == (8000, 2000) and d.levels == 2
    assert "8000 train / 2000 held-out" in d.describe()


def test_binarizations():
    x = np.array([[0, 64, 127, 128, 200, 255]], np.uint8)
    assert binarize_images(x, "threshold").tolist() == [[0, 0, 0, 1, 1, 1]]
    big = np.full((200_000,), 64, np.uint8)
    s = binarize_images(big, "sample", seed=3)
    assert abs(s.mean() - 64 / 255) < 0.005 and np.array_equal(s, binarize_images(big, "sample", seed=3))
    assert binarize_images(np.array([0, 255], np.uint8), "sample").tolist() == [0, 1]
    with pytest.raises(ParameterError, match="--binarize"):
        binarize_images(x, "otsu")


def test_limit_reads_an_image_folder_only_up_to_n_per_class(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for i in range(6):
            Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(tmp_path / cls / f"{i}.png")
    d = load_generative_data(str(tmp_path), limit=3)
    assert len(d.train) + len(d.test) == 6 and d.image_shape == (3, 8, 8)
