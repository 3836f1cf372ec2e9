"""Schedules against torch.optim.lr_scheduler where the definitions coincide; EMA; L-BFGS."""

import math

import numpy as np
import pytest

from visrec.numpy_nn.ema import EMA
from visrec.numpy_nn.schedules import make_schedule

torch = pytest.importorskip("torch")


def _torch_lrs(make, epochs=25, lr=0.1):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


S = torch.optim.lr_scheduler
CASES = [
    ({"name": "step", "step_size": 3, "gamma": 0.5}, lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
    ({"name": "exponential", "k": 0.2}, lambda o: S.ExponentialLR(o, gamma=math.exp(-0.2))),
    ({"name": "inverse_time", "k": 0.3}, lambda o: S.LambdaLR(o, lambda t: 1 / (1 + 0.3 * t))),
    ({"name": "cosine", "T_0": 4, "T_mult": 2, "eta_min": 1e-3},
     lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=1e-3)),
    ({"name": "cosine", "T_0": 5}, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5)),
    ({"name": "constant", "warmup_epochs": 5, "start_factor": 0.2},
     lambda o: S.LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=5)),
]  # fmt: skip


@pytest.mark.parametrize("cfg, make", CASES, ids=[c[0]["name"] + str(i) for i, c in enumerate(CASES)])
def test_schedule_matches_torch(cfg, make):
    ours = [make_schedule(cfg, lr=0.1).lr(t) for t in range(25)]
    np.testing.assert_allclose(ours, _torch_lrs(make), rtol=1e-12)


def test_warmup_wraps_multiplicatively_like_chained_scheduler():
    sched = make_schedule({"name": "exponential", "k": 0.1, "warmup_epochs": 4, "start_factor": 0.25}, lr=0.1)
    chain = lambda o: S.ChainedScheduler([S.LinearLR(o, 0.25, 1.0, 4), S.ExponentialLR(o, math.exp(-0.1))])
    ref = _torch_lrs(chain)
    np.testing.assert_allclose([sched.lr(t) for t in range(25)], ref, rtol=1e-12)


def test_schedule_config_roundtrip_and_errors():
    s = make_schedule({"name": "cosine", "lr": 0.3, "T_0": 3, "warmup_epochs": 2})
    assert make_schedule(s.config()).lr(7) == s.lr(7)
    with pytest.raises(ValueError, match="lr_schedule"):
        make_schedule("linear", lr=0.1)
    with pytest.raises(ValueError, match="base learning rate"):
        make_schedule("step")


def test_ema_is_polyak_average():
    r = np.random.default_rng(0)
    p = {"w": r.standard_normal(3)}
    ema = EMA(p, decay=0.995)
    ref = p["w"].copy()
    for _ in range(50):
        p["w"] = r.standard_normal(3)
        ema.update(p)
        ref = 0.995 * ref + 0.005 * p["w"]
    np.testing.assert_allclose(ema.params["w"], ref, rtol=1e-12)
