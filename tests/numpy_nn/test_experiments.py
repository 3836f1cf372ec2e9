"""Lecture experiments: the slides' printed numbers, reproduced within sampling tolerance."""

import json
import math

import numpy as np
import pytest

from visrec.numpy_nn.experiments import (
    activation_statistics,
    loss_at_init,
    lr_extremes,
    overfit_small,
    synthetic_images,
    trajectories,
)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """These loops do many small matmuls: one BLAS thread avoids oversubscription under ``-n 2``."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def test_small_init_tanh_collapses_like_the_slides():
    """L6121-6131: 0.213081, 0.047551, 0.010630, 0.002378, 0.000532, ... -> 0."""
    std = activation_statistics("small", "tanh", weight_scale=0.01, seed=1)["std"]
    np.testing.assert_allclose(std[:5], [0.213081, 0.047551, 0.010630, 0.002378, 0.000532], rtol=0.04)
    assert std[-1] < 1e-6
    saturated = activation_statistics("small", "tanh", weight_scale=1.0, seed=1, num_layers=3)["std"]
    assert np.all(saturated > 0.97)  # x1.0 init: every unit at -1 or +1


def test_xavier_tanh_decays_slowly_like_the_slides():
    ref = [0.627953, 0.486051, 0.407723, 0.357108, 0.320917, 0.292116, 0.273387, 0.254935, 0.239266, 0.228008]
    std = activation_statistics("xavier", "tanh", seed=2)["std"]
    np.testing.assert_allclose(std, ref, rtol=0.03)


def test_relu_xavier_shrinks_and_he_is_stable():
    xr = activation_statistics("xavier", "relu", seed=3)
    assert xr["mean"][0] == pytest.approx(0.398623, rel=0.03) and xr["std"][0] == pytest.approx(
        0.582273, rel=0.03
    )
    assert xr["std"][-1] == pytest.approx(0.026697, rel=0.5) and xr["std"][-1] < xr["std"][0] / 10
    he = activation_statistics("he", "relu", seed=3)
    # the slides print mean ~0.55-0.62 and std ~0.81-0.89 at every layer; deep layers wander a little with
    # the seed (a product of 10 random matrices), so the first layers are held tight and all layers loosely
    assert np.all((he["mean"][:3] > 0.54) & (he["mean"][:3] < 0.63))
    assert np.all((he["std"][:3] > 0.80) & (he["std"][:3] < 0.90))
    assert np.all((he["std"] > 0.6) & (he["std"] < 1.1))


def test_babysit_numbers():
    X, y = synthetic_images(500, seed=0)
    assert loss_at_init(X, y) == pytest.approx(math.log(10), abs=2e-3)  # 2.30261216167 (L6471)
    assert loss_at_init(X, y, reg=1e3) == pytest.approx(3.06859716482, abs=0.02)  # (L6503)
    fit = overfit_small(X, y, n=20, epochs=200)  # L6552-6579: 2.302603 -> 0.002597, train 1.00
    assert fit["loss"][0] == pytest.approx(math.log(10), abs=5e-3)
    assert fit["final_loss"] < 0.01 and fit["final_train_acc"] == 1.0
    split = {"X_train": X[:400], "y_train": y[:400], "X_val": X[400:], "y_val": y[400:]}
    ext = lr_extremes(split, epochs=3)
    assert abs(ext["low"]["loss"][0] - ext["low"]["loss"][-1]) < 1e-2  # lr 1e-6: the loss barely moves
    assert ext["high"]["diverged"] and "is likely too high" in ext["high"]["diverged"]


def test_optimizer_trajectories_reach_the_minimum_and_sgd_lags_on_the_valley():
    quad = trajectories("quadratic", steps=150)
    for rule in ("sgd", "momentum", "nesterov"):
        assert quad[rule]["loss"][-1] < 1e-3 * quad[rule]["loss"][0]
    ros = trajectories("rosenbrock", steps=150)
    assert np.allclose(ros["momentum"]["path"][-1], [1, 1], atol=0.05)
    assert ros["sgd"]["loss"][-1] > 10 * ros["momentum"]["loss"][-1]  # momentum speeds along the valley
    with pytest.raises(ValueError, match="surface"):
        trajectories("bowl")


@pytest.mark.slow
def test_lab_cli_writes_pngs(tmp_path):
    from typer.testing import CliRunner

    from visrec.cli.main import app

    res = CliRunner().invoke(app, ["lab", "optimizers", "--out", str(tmp_path), "--steps", "40"])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "optimizers"
    for name in ("trajectories-quadratic.png", "trajectories-rosenbrock.png", "lr-sweep.png"):
        assert (folder / name).stat().st_size > 1000
    sweep = json.loads((folder / "results.json").read_text())["lr_sweep"]
    assert sweep["0.01"][-1] < sweep["0.0001"][-1]  # a good lr beats a too-low one
