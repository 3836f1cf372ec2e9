"""Random search: log-space sampling, coarse-to-fine narrowing, early abort, edge warnings, CLI outputs."""

import math

import numpy as np
import pytest

from visrec.numpy_nn.search import Param, edge_warnings, narrow, random_search


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Many small matmuls: one BLAS thread avoids oversubscription under ``pytest -n 2``."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _data(seed=0):
    r = np.random.default_rng(seed)
    centers = r.standard_normal((3, 8)) * 3
    y = r.integers(0, 3, 90)
    X = centers[y] + r.standard_normal((90, 8))
    return {"X_train": X[:60], "y_train": y[:60], "X_val": X[60:], "y_val": y[60:]}


def test_log_sampling_covers_decades_uniformly():
    rng = np.random.default_rng(0)
    p = Param(-6, -3)
    samples = np.array([p.sample(rng) for _ in range(4000)])
    assert samples.min() >= 1e-6 and samples.max() <= 1e-3
    counts = np.histogram(np.log10(samples), bins=3, range=(-6, -3))[0]
    assert np.all(np.abs(counts - 4000 / 3) < 4 * math.sqrt(4000 / 3))  # one third per decade
    assert Param(2, 5, "int").sample(rng) in {2, 3, 4, 5}


def test_narrow_and_edge_warning():
    space = {"lr": Param(-6, -3), "reg": Param(-5, 5)}
    top = [{"lr": 1e-4, "reg": 1e-2}, {"lr": 3e-4, "reg": 1e-1}]
    new = narrow(space, top)
    assert new["lr"].lo == pytest.approx(-4.3) and new["lr"].hi == pytest.approx(math.log10(3e-4) + 0.3)
    assert edge_warnings(space, {"lr": 1e-4, "reg": 1.0}) == []
    msgs = edge_warnings(space, {"lr": 9e-4, "reg": 1.0})
    assert len(msgs) == 1 and "best lr" in msgs[0] and "high edge" in msgs[0]


def test_random_search_coarse_to_fine_aborts_and_is_job_independent():
    model = {"name": "twolayer", "input_dim": 8, "hidden_dim": 10, "num_classes": 3, "weight_scale": 1e-1}
    space = {"lr": Param(-3, 2), "reg": Param(-4, -1)}
    solver = {"num_epochs": 3, "batch_size": 20, "optimizer": "sgd"}
    res = random_search(_data(), model, space, solver, num_trials=6, stages=2, top_k=2, seed=1)
    assert len(res.trials) == 12 and {t["stage"] for t in res.trials} == {0, 1}
    assert any(t["aborted"] for t in res.trials)  # lr up to 100 blows the loss past 3x its start
    assert res.best["val_acc"] > 0.8
    lo, hi, _ = res.stages[1]["lr"]
    assert -3 <= lo < hi <= 2 and hi - lo < 5  # the second stage searched a narrower range
    par = random_search(_data(), model, space, solver, num_trials=6, stages=1, jobs=2, seed=1)
    seq = [t for t in res.trials if t["stage"] == 0]
    assert [t["val_acc"] for t in par.trials] == [t["val_acc"] for t in seq]
