"""Solver: overfitting, divergence handling, exact resume, early stopping, ratios; ensembles; L-BFGS."""

import json
import math

import numpy as np
import pytest

from visrec.numpy_nn.checkpoint import load_checkpoint
from visrec.numpy_nn.ensemble import Ensemble, snapshot_ensemble, softmax
from visrec.numpy_nn.lbfgs import lbfgs_train
from visrec.numpy_nn.models import ConvNet, FullyConnectedNet, TwoLayerNet
from visrec.numpy_nn.solver import Solver
from visrec.utils.errors import TrainingDiverged


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Many small matmuls: one BLAS thread avoids oversubscription under ``pytest -n 2``."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _data(n=50, d=40, k=10, seed=0, n_val=None):
    r = np.random.default_rng(seed)
    X, y = r.standard_normal((n, d)), r.integers(0, k, n)
    Xv, yv = (X, y) if n_val is None else (r.standard_normal((n_val, d)), r.integers(0, k, n_val))
    return {"X_train": X, "y_train": y, "X_val": Xv, "y_val": yv}


def test_fc_net_overfits_50_examples_in_20_epochs():
    data = _data()
    model = FullyConnectedNet([100, 100], input_dim=40, num_classes=10, seed=0)
    solver = Solver(model, data, optimizer="adam", lr=1e-2, batch_size=25, num_epochs=20, verbose=False)
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert solver.initial_loss == pytest.approx(math.log(10), abs=1.0)
    assert all(set(r["update_ratio"]) == set(model.params) for r in solver.history)


def test_babysit_overfit_20_examples_with_sgd_like_the_slides():
    """L6552-6579: 20 examples, reg 0, plain SGD; the loss collapses and train accuracy reaches 1."""
    data = _data(n=20, d=30)
    model = TwoLayerNet(30, 50, 10, weight_scale=1e-2, seed=0)
    solver = Solver(model, data, optimizer="sgd", lr=0.3, batch_size=20, num_epochs=200, verbose=False)
    solver.train()
    assert solver.history[0]["loss"] == pytest.approx(math.log(10), abs=0.05)
    assert solver.history[-1]["loss"] < 0.05 and solver.history[-1]["train_acc"] == 1.0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_loss_stops_cleanly_with_checkpoint_kept(tmp_path):
    data = _data(n=40)
    model = TwoLayerNet(40, 20, 10, seed=0)
    solver = Solver(
        model,
        data,
        optimizer="sgd",
        lr=1e-3,
        batch_size=20,
        num_epochs=2,
        verbose=False,
        checkpoint_dir=tmp_path,
    )
    solver.train()
    good, meta = load_checkpoint(tmp_path / "last.safetensors")
    solver.num_epochs, solver.optimizer.lr = 50, 1e6
    solver.schedule = type(solver.schedule)(1e6)
    with pytest.raises(
        TrainingDiverged, match=r"loss became (nan|inf) at iteration \d+, epoch \d+; .*10x smaller"
    ):
        solver.train()
    kept, meta2 = load_checkpoint(tmp_path / "last.safetensors")  # readable, and from a finished epoch
    assert meta2["epoch"] == solver.epoch >= meta["epoch"] == 2
    assert all(np.isfinite(v).all() for v in kept.values())
    best, best_meta = load_checkpoint(tmp_path / "best.safetensors")
    assert 1 <= best_meta["epoch"] <= meta2["epoch"] and all(np.isfinite(v).all() for v in best.values())


@pytest.mark.parametrize(
    "make",
    [
        lambda: FullyConnectedNet(
            [16, 16], input_dim=16, num_classes=3, dropout_keep=0.6, normalization="batch"
        ),
        lambda: ConvNet((1, 4, 4), 3, [[2]], [4], batchnorm=True, dropout_keep=0.7),
    ],
    ids=["fc-bn-dropout", "convnet-bn-dropout"],
)
def test_resume_reproduces_uninterrupted_run_bit_for_bit(tmp_path, make):
    data = _data(n=60, d=16, k=3, n_val=20)
    if isinstance(make(), ConvNet):
        data = {k: (v.reshape(len(v), 1, 4, 4) if k.startswith("X") else v) for k, v in data.items()}
    kw = dict(
        optimizer="adam",
        lr=3e-3,
        lr_schedule={"name": "step", "step_size": 2, "gamma": 0.5},
        batch_size=16,
        num_epochs=4,
        num_train_samples=30,
        verbose=False,
        seed=3,
        ema_decay=0.9,
    )
    full = Solver(make(), data, checkpoint_dir=tmp_path / "a", **kw)
    full.train()
    first = Solver(make(), data, checkpoint_dir=tmp_path / "b", **kw)
    first.train(stop_after_epoch=2)
    resumed = Solver(make(), data, checkpoint_dir=tmp_path / "b", **kw).resume(
        tmp_path / "b" / "last.safetensors"
    )
    resumed.train()
    for k, v in full.model.params.items():
        np.testing.assert_array_equal(resumed.model.params[k], v)
    assert resumed.loss_history == full.loss_history
    assert resumed.val_acc_history == full.val_acc_history
    a, _ = load_checkpoint(tmp_path / "a" / "last.safetensors")
    b, _ = load_checkpoint(tmp_path / "b" / "last.safetensors")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_early_stopping_keeps_best_params():
    data = _data(n=60, n_val=30, seed=1)  # random labels: validation cannot improve for long
    model = FullyConnectedNet([50], input_dim=40, num_classes=10)
    solver = Solver(
        model, data, optimizer="adam", lr=1e-2, batch_size=20, num_epochs=50, patience=3, verbose=False
    )
    solver.train()
    assert len(solver.history) < 50 and "early stopping" in solver.stop_reason
    assert solver.bad_epochs == 3
    best = solver.history[solver.best_epoch - 1]["val_acc"]
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == pytest.approx(best)


def test_abort_factor_and_verbose_lines():
    lines = []
    data = _data(n=40)
    model = TwoLayerNet(40, 20, 10, weight_scale=1e-1)
    solver = Solver(
        model, data, optimizer="sgd", lr=30.0, batch_size=20, num_epochs=5, abort_factor=3.0, log=lines.append
    )
    solver.train()
    assert lines[0].startswith("loss at initialization") and "log(K) = 2.3026" in lines[0]
    assert solver.aborted and "3.0x initial" in solver.stop_reason


def test_history_lines_match_slide_format():
    lines = []
    Solver(TwoLayerNet(40, 10, 10), _data(), num_epochs=1, batch_size=50, log=lines.append).train()
    assert any(line.startswith("Finished epoch 1 / 1: cost ") and ", lr " in line for line in lines)
    json.dumps(lines)


def test_ensemble_probs_are_the_mean():
    X = np.random.default_rng(0).standard_normal((7, 5))
    models = [TwoLayerNet(5, 6, 3, weight_scale=1.0, seed=s) for s in range(3)]
    probs = Ensemble(models).predict_proba(X)
    np.testing.assert_allclose(probs, np.mean([softmax(m.loss(X)) for m in models], axis=0), rtol=1e-12)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    snap = snapshot_ensemble(models[0], [m.params for m in models])
    np.testing.assert_allclose(snap.predict_proba(X), probs, rtol=1e-12)
    with pytest.raises(ValueError, match="at least one"):
        Ensemble([])


def test_lbfgs_reaches_the_softmax_regression_minimum():
    """A net with no hidden nonlinearity is softmax regression: compare with scikit-learn's solution."""
    from sklearn.linear_model import LogisticRegression

    r = np.random.default_rng(0)
    X = r.standard_normal((120, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * r.standard_normal(120) > 0).astype(int) + (X[:, 2] > 1)
    reg = 0.1
    model = FullyConnectedNet([], input_dim=4, num_classes=3, reg=reg, init="small", weight_scale=1e-3)
    info = lbfgs_train(model, X, y, max_iter=500)
    assert info["converged"]
    # sklearn minimizes sum_i L_i + 1/(2C) ||W||^2, i.e. N * (our mean loss) when 1/C = N * reg
    ref = LogisticRegression(C=1.0 / (len(X) * reg), tol=1e-10, max_iter=1000).fit(X, y)
    W, b = model.params["W1"], model.params["b1"]
    # softmax is invariant to a common bias shift; both solutions have weights summing to zero over classes
    np.testing.assert_allclose(W, ref.coef_.T, atol=1e-5)
    np.testing.assert_allclose(b - b.mean(), ref.intercept_ - ref.intercept_.mean(), atol=1e-5)
