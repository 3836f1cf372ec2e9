"""training_state / restore_training_state: a resumed run repeats an uninterrupted run bit for bit."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch
from torch import nn

from visrec.torch_nn.checkpoint import (
    load_checkpoint,
    restore_training_state,
    save_tensors,
    training_state,
)
from visrec.utils.atomic import atomic_write_json
from visrec.utils.errors import DataError


def _build(seed: int):
    """A two-module, two-optimizer setup (GAN-like): dropout, momentum and Adam moments all carry state."""
    torch.manual_seed(seed)
    gen = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 4))
    disc = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-2)
    opt_d = torch.optim.SGD(disc.parameters(), lr=1e-2, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.StepLR(opt_g, step_size=2, gamma=0.5)
    return gen, disc, opt_g, opt_d, sched


def _step(gen, disc, opt_g, opt_d, sched) -> None:
    """One step whose data come from all three RNGs (torch, NumPy, Python), so each must be restored."""
    z = torch.randn(16, 4) + float(np.random.rand()) + random.random()
    opt_d.zero_grad()
    loss_d = disc(gen(z).detach()).mean() - disc(torch.randn(16, 4)).mean()
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    loss_g = -disc(gen(z)).mean()
    loss_g.backward()
    opt_g.step()
    sched.step()


def _seed_all(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def _state(*mods) -> list[torch.Tensor]:
    return [t.clone() for m in mods for t in m.state_dict().values()]


def test_resume_is_bit_exact(tmp_path):
    # uninterrupted: 3 steps
    g, d, og, od, s = _build(0)
    _seed_all(1)
    for _ in range(3):
        _step(g, d, og, od, s)
    expected = _state(g, d)

    # interrupted: 2 steps, save to disk (safetensors + JSON), restore into fresh objects, 1 more step
    g, d, og, od, s = _build(0)
    _seed_all(1)
    for _ in range(2):
        _step(g, d, og, od, s)
    tensors, meta = training_state(
        {"gen": g, "disc": d}, {"gen": og, "disc": od}, {"noise": torch.arange(3.0)}, schedulers={"gen": s}
    )
    save_tensors(tmp_path / "last.safetensors", tensors)
    atomic_write_json(tmp_path / "last.json", {**meta, "step": 2})
    _seed_all(99)  # the restore must bring the RNG back, whatever happened in between
    torch.randn(100)

    g2, d2, og2, od2, s2 = _build(7)  # different initial weights
    tensors, meta = load_checkpoint(tmp_path / "last")
    assert meta["step"] == 2
    extra = restore_training_state(
        tensors, meta, {"gen": g2, "disc": d2}, {"gen": og2, "disc": od2}, {"gen": s2}
    )
    assert torch.equal(extra["noise"], torch.arange(3.0))
    _step(g2, d2, og2, od2, s2)
    got = _state(g2, d2)
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert torch.equal(a, b)
    assert og2.param_groups[0]["lr"] == og.param_groups[0]["lr"] == s.get_last_lr()[0]


def test_meta_is_json_and_names_must_match():
    g, d, og, od, _ = _build(0)
    tensors, meta = training_state({"gen": g}, {"gen": og})
    assert json.loads(json.dumps(meta)) == meta
    assert all(k.startswith(("module/gen/", "optim/gen/", "rng/")) for k in tensors)
    with pytest.raises(DataError, match=r"holds modules \['gen'\]; restoring into \['disc'\]"):
        restore_training_state(tensors, meta, {"disc": d}, {"gen": og})
    with pytest.raises(ValueError, match="no '/'"):
        training_state({"a/b": g})
