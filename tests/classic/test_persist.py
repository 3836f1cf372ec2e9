"""Saving a fitted classic pipeline and loading it back rebuilds the same model (no pickle)."""

import numpy as np
import pytest

from visrec.classic import LinearSVM, Softmax
from visrec.classic.persist import ClassicPredictor, load_predictor, save_predictor


@pytest.mark.parametrize("cls, loss", [(LinearSVM, "svm"), (Softmax, "softmax")])
def test_linear_subclass_reloads_with_its_loss(tmp_path, cls, loss):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(40, 4, 4, 1), dtype=np.uint8)
    labels = np.arange(40) % 2
    est = cls(learning_rate=1e-3, reg=1e-4, num_iters=20).fit(images.reshape(40, -1).astype(float), labels)
    save_predictor(tmp_path, ClassicPredictor("linear", est, ["a", "b"], (4, 4, 1)))
    back = load_predictor(tmp_path)
    assert back.estimator.loss == loss
    assert back.has_proba == (loss == "softmax")
    np.testing.assert_array_equal(back.estimator.W_, est.W_)
    np.testing.assert_array_equal(
        back.estimator.predict(images.reshape(40, -1).astype(float)),
        est.predict(images.reshape(40, -1).astype(float)),
    )
