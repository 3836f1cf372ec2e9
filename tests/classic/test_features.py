"""Image features: HOG (size, scikit-image parity), hue (matplotlib parity), polar, BoW, pipeline."""

import numpy as np
import pytest
from matplotlib.colors import rgb_to_hsv
from skimage.feature import hog as sk_hog
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from visrec.classic import LinearSVM, Softmax
from visrec.classic.features import (
    BagOfVisualWords,
    FeatureExtractor,
    color_histogram_hsv,
    extract_features,
    grayscale,
    hog_feature,
    make_rings,
    polar_features,
    rgb_to_hue,
)


def test_hog_of_320x240_image_has_10800_numbers():
    # L2896-2899: 40 x 30 cells x 9 bins.
    img = np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    assert hog_feature(img).shape == (10_800,)


def test_hog_l1_equals_skimage_l1_blocks():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (40, 56, 3)).astype(np.float64)
    gray = grayscale(img)
    ref = sk_hog(gray, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(1, 1), block_norm="L1")
    ours = hog_feature(gray, normalize="l1")
    assert ours.shape == ref.shape == (5 * 7 * 9,)
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_hog_cell_means_on_a_vertical_edge():
    # A vertical step edge: horizontal gradient, orientation 0 -> bin 0 only.
    img = np.zeros((16, 16))
    img[:, 8:] = 100.0
    h = hog_feature(img).reshape(2, 2, 9)
    assert np.all(h[..., 1:] == 0)
    # columns 7 and 8 have |gx| = 100 (centred difference, not halved): 2 of 8 columns in each cell.
    np.testing.assert_allclose(h[:, 0, 0], 100 * 8 / 64)
    np.testing.assert_allclose(h[:, 1, 0], 100 * 8 / 64)


def test_hue_matches_matplotlib():
    rng = np.random.default_rng(2)
    img = rng.random((30, 30, 3))
    img[0, 0] = [0.5, 0.5, 0.5]  # gray: hue 0
    img[0, 1] = [0.5, 0.5, 0.2]  # red and green tie for the max
    img[0, 2] = [0.2, 0.5, 0.5]  # green and blue tie
    img[0, 3] = [0.5, 0.2, 0.5]  # red and blue tie
    np.testing.assert_allclose(rgb_to_hue(img), rgb_to_hsv(img)[..., 0], atol=1e-12)


def test_color_histogram():
    red = np.zeros((8, 8, 3), dtype=np.uint8)
    red[..., 0] = 255
    h = color_histogram_hsv(red, nbin=10)
    assert h.shape == (10,) and h[0] == 1 and h.sum() == 1
    blue = red[..., ::-1]
    assert color_histogram_hsv(blue)[6] == 1  # hue 2/3 -> bin 6 of 10
    gray = np.full((8, 8, 1), 128, dtype=np.uint8)
    np.testing.assert_array_equal(color_histogram_hsv(gray), np.eye(10)[0])  # degenerate, documented


def test_polar_features_make_rings_linearly_separable():
    # L2859-2879: a linear classifier fails on (x, y) and succeeds on (r, theta).
    X, y = make_rings(400, seed=0)
    r_theta = polar_features(X)
    np.testing.assert_allclose(r_theta[:, 0] * np.cos(r_theta[:, 1]), X[:, 0], atol=1e-12)
    params = dict(learning_rate=0.1, reg=1e-4, num_iters=300)
    cart = make_pipeline(StandardScaler(), Softmax(**params)).fit(X, y)
    polar = make_pipeline(StandardScaler(), Softmax(**params)).fit(r_theta, y)
    assert cart.score(X, y) < 0.7
    assert polar.score(r_theta, y) > 0.95


def test_bag_of_words_fit_transform():
    rng = np.random.default_rng(3)
    imgs = rng.integers(0, 256, (12, 16, 16, 3), dtype=np.uint8)
    bow = BagOfVisualWords(n_words=8, patch_size=4, n_patches=300, seed=0).fit(imgs)
    assert bow.codebook_.shape == (8, 3 * 4 * 4)
    H = bow.transform(imgs)
    assert H.shape == (12, 8)
    np.testing.assert_allclose(H.sum(1), 1)
    again = BagOfVisualWords(n_words=8, patch_size=4, n_patches=300, seed=0).fit(imgs)
    np.testing.assert_array_equal(again.codebook_, bow.codebook_)  # seeded
    restored = BagOfVisualWords.from_state(bow.state())
    np.testing.assert_array_equal(restored.transform(imgs), H)


def test_extract_features_and_grayscale_images():
    rng = np.random.default_rng(4)
    imgs = rng.integers(0, 256, (3, 16, 16, 1), dtype=np.uint8)
    F = extract_features(imgs, [hog_feature, color_histogram_hsv], progress=False)
    assert F.shape == (3, 2 * 2 * 9 + 10)
    np.testing.assert_array_equal(F[1, :36], hog_feature(imgs[1]))


def test_feature_extractor_pipeline_and_state():
    rng = np.random.default_rng(5)
    y = np.repeat([0, 1], 20)
    imgs = rng.integers(0, 60, (40, 16, 16, 3)).astype(np.uint8)
    imgs[y == 1, :, :, 2] += 150  # class 1 is bluish: the hue histogram separates it
    pipe = make_pipeline(
        FeatureExtractor(("hog", "color", "bow"), n_words=6, patch_size=4, progress=False),
        StandardScaler(),
        LinearSVM(learning_rate=1e-2, reg=1e-4, num_iters=100),
    )
    assert pipe.fit(imgs, y).score(imgs, y) == 1.0
    fx = pipe[0]
    restored = FeatureExtractor.from_state(fx.state())
    np.testing.assert_array_equal(restored.transform(imgs), fx.transform(imgs))
    with pytest.raises(ValueError, match="'features' parameter of FeatureExtractor"):
        FeatureExtractor(("sift",)).fit(imgs)
