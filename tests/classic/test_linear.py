"""LinearClassifier / LinearSVM / Softmax: the estimator contract, SGD behaviour, templates, pipelines."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from visrec.classic import LinearClassifier, LinearSVM, Softmax
from visrec.utils.errors import TrainingDiverged

FAST = dict(learning_rate=1e-2, reg=1e-4, num_iters=150)


@pytest.mark.slow
@pytest.mark.parametrize("cls", [LinearSVM, Softmax], ids=["svm", "softmax"])
def test_check_estimator(cls):
    # The defaults are the course's raw-CIFAR values (learning_rate 1e-7, reg 2.5e4), far too small a step
    # for scikit-learn's unit-scale toy data, so the checks run with standardized-feature settings.
    # No check is skipped (array-API and pandas checks skip themselves when those are absent).
    check_estimator(cls(**FAST))


def _blobs():
    X, y = make_blobs(n_samples=300, centers=4, n_features=5, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("loss", ["svm", "softmax"])
def test_sgd_learns_blobs_and_loss_decreases(loss):
    X, y = _blobs()
    clf = LinearClassifier(loss=loss, **FAST).fit(X, y)
    assert clf.score(X, y) > 0.95
    h = clf.loss_history_
    assert h.shape == (150,) and h[-20:].mean() < h[:5].mean()
    assert clf.W_.shape == (6, 4)  # (D + 1, K): bias trick


def test_initial_loss_is_log_k_and_k_minus_one():
    # With W ~ 0.001 randn the first minibatch loss is ~ log(10) (softmax) and ~ 9 (SVM): L2331, L1592.
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((400, 20)), rng.integers(0, 10, 400)
    soft = Softmax(num_iters=1, reg=0.0).fit(X, y).loss_history_[0]
    svm = LinearSVM(num_iters=1, reg=0.0).fit(X, y).loss_history_[0]
    assert soft == pytest.approx(np.log(10), abs=0.01)
    assert svm == pytest.approx(9, abs=0.1)


def test_subclasses_fix_the_loss():
    assert "loss" not in LinearSVM().get_params() and LinearSVM().loss == "svm"
    assert Softmax().loss == "softmax"
    assert not isinstance(Softmax(), LinearSVM)
    X, y = _blobs()
    a = LinearSVM(**FAST).fit(X, y)
    b = LinearClassifier(loss="svm", **FAST).fit(X, y)
    np.testing.assert_array_equal(a.W_, b.W_)  # same seed, same loss: same weights


def test_predict_proba_only_for_softmax():
    X, y = _blobs()
    soft = Softmax(**FAST).fit(X, y)
    p = soft.predict_proba(X)
    np.testing.assert_allclose(p.sum(1), 1)
    np.testing.assert_array_equal(soft.classes_[p.argmax(1)], soft.predict(X))
    assert not hasattr(LinearSVM(**FAST).fit(X, y), "predict_proba")
    assert LinearSVM(**FAST).fit(X, y).decision_function(X).shape == (300, 4)


def test_lr_decay_and_seed():
    X, y = _blobs()
    a = Softmax(**FAST, seed=1).fit(X, y)
    b = Softmax(**FAST, seed=1).fit(X, y)
    c = Softmax(**FAST, seed=2).fit(X, y)
    np.testing.assert_array_equal(a.W_, b.W_)
    assert not np.array_equal(a.W_, c.W_)
    d = Softmax(**{**FAST, "num_iters": 3}, lr_decay=0.0 + 1e-9, batch_size=300).fit(X, y)  # 1 step / epoch
    e = Softmax(**{**FAST, "num_iters": 1}, batch_size=300).fit(X, y)
    np.testing.assert_allclose(d.W_, e.W_, atol=1e-9)  # after one epoch the step is ~0


def test_templates_shape_and_range():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 4 * 4 * 3)), rng.integers(0, 3, 60)
    t = Softmax(**FAST).fit(X, y).templates((4, 4, 3))
    assert t.shape == (3, 4, 4, 3)
    np.testing.assert_allclose(t.reshape(3, -1).min(1), 0)
    np.testing.assert_allclose(t.reshape(3, -1).max(1), 255)
    with pytest.raises(ValueError, match="image_shape"):
        Softmax(**FAST).fit(X, y).templates((5, 5, 3))


def test_divergence_raises_with_advice():
    X, y = _blobs()
    with pytest.raises(TrainingDiverged, match="lower the learning rate"):
        LinearSVM(learning_rate=1e300, reg=1e300, num_iters=5).fit(X * 1e10, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"learning_rate": 0.0}, r"'learning_rate' parameter of Softmax must be a float in the range \(0"),
        ({"reg": -1.0}, r"'reg' parameter of Softmax must be a float in the range \[0"),
        ({"reg_type": "l3"}, "'reg_type' parameter of Softmax must be one of"),
        ({"batch_size": 0}, "'batch_size' parameter of Softmax must be an int"),
        ({"lr_decay": 1.5}, "'lr_decay' parameter of Softmax"),
    ],
)
def test_param_validation_messages(params, match):
    X, y = _blobs()
    with pytest.raises(ValueError, match=match):
        Softmax(**params).fit(X, y)


def test_works_in_pipeline_and_cross_validation():
    X, y = make_blobs(n_samples=200, centers=3, n_features=4, random_state=1)
    pipe = make_pipeline(StandardScaler(), LinearSVM(**FAST))
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.9


def test_float32_input_and_string_labels():
    X, y = _blobs()
    names = np.array(["a", "b", "c", "d"])[y]
    clf = Softmax(**FAST).fit(X.astype(np.float32), names)
    assert clf.predict(X[:3].astype(np.float32)).dtype.kind == "U"
    assert clf.score(X, names) > 0.95
