"""Training augmentations: boxes and masks follow the pixels for all eight symmetries of the square."""

import numpy as np
import pytest
import torch

from visrec.detection.data import DetectionSample
from visrec.detection.data.augment import Augmentation, augment_sample, draw_augmentation, transform_boxes
from visrec.detection.ops import masks_to_boxes


def _sample(rng, h=30, w=50, n=3):
    masks = np.zeros((n, h, w), bool)
    for m in masks:
        y0, x0 = rng.integers(0, h - 8), rng.integers(0, w - 8)
        m[y0 : y0 + rng.integers(2, 8), x0 : x0 + rng.integers(2, 8)] = True
    boxes = masks_to_boxes(torch.from_numpy(masks)).numpy() + np.array([0, 0, 1, 1], np.float32)
    image = (masks.any(0)[..., None] * rng.integers(1, 255, size=(1, 1, 3))).astype(np.uint8)
    return DetectionSample(image, boxes.astype(np.float32), np.arange(1, n + 1), masks=masks)


@pytest.mark.parametrize("rot", range(4))
@pytest.mark.parametrize("flip", [False, True])
def test_boxes_stay_the_tight_boxes_of_the_transformed_masks(rot, flip):
    s = _sample(np.random.default_rng(rot))
    t = augment_sample(s, Augmentation(rot, flip))
    assert t.image.shape[:2] == (s.size if rot % 2 == 0 else s.size[::-1])
    assert t.masks.shape[1:] == t.image.shape[:2]
    tight = masks_to_boxes(torch.from_numpy(t.masks)).numpy() + np.array([0, 0, 1, 1])
    np.testing.assert_allclose(t.boxes, tight)
    np.testing.assert_array_equal(t.image[..., 0] > 0, t.masks.any(0))
    assert s.image.shape == (30, 50, 3)  # the input is untouched


def test_torch_boxes_transform_like_numpy_ones():
    boxes = np.array([[1.0, 2.0, 5.0, 9.0]], np.float32)
    aug = Augmentation(3, True)
    np.testing.assert_allclose(transform_boxes(torch.from_numpy(boxes), (20, 10), aug).numpy(),
                               transform_boxes(boxes, (20, 10), aug))


def test_flip_only_draws_what_the_old_flip_drew():
    # a run with rotate off and no jitter draws one number per sample, as before: resumed runs match
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    for _ in range(20):
        assert draw_augmentation(a, True, False, 0.0).flip == (b.random() < 0.5)
    assert not draw_augmentation(a, False, False, 0.0).geometric


def test_rotate_draws_all_eight_symmetries_and_jitter_stays_in_range():
    rng = np.random.default_rng(0)
    draws = [draw_augmentation(rng, True, True, 0.2) for _ in range(400)]
    assert {(d.rot, d.flip) for d in draws} == {(r, f) for r in range(4) for f in (False, True)}
    assert all(0.8 <= d.gain <= 1.2 and -0.1 <= d.bias <= 0.1 for d in draws)
    s = _sample(np.random.default_rng(1))
    bright = augment_sample(s, Augmentation(gain=3.0, bias=0.5))
    assert bright.image.dtype == np.uint8 and bright.image.max() == 255 and bright.image.min() == 127
