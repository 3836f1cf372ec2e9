"""The CIFAR record recipe is the trainer's: alternating flips, evaluation on a schedule, the budget's clock,
the whitening stem's data init, and the named recipe files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from visrec.torch_nn.data import TensorBatches
from visrec.torch_nn.loop import StepState
from visrec.torch_nn.optim import lr_factor
from visrec.torch_nn.train_config import TrainConfig
from visrec.torch_nn.trainer import _charge_eval, train
from visrec.utils.errors import ParameterError

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_alternating_flips_mirror_every_image_in_every_other_epoch():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (10, 4, 4, 3), dtype=np.uint8)
    batches = TensorBatches(images, np.arange(10), batch_size=10, shuffle=False, alt_flip=True)
    seen = []
    for epoch in range(3):
        batches.set_epoch(epoch)
        (x, _), = list(batches)
        original = torch.from_numpy(images).permute(0, 3, 1, 2)
        seen.append([bool((x[i] != original[i]).any()) for i in range(10)])
    assert seen[0] == [not f for f in seen[1]] and seen[0] == seen[2]  # alternates, per image
    assert 0 < sum(seen[0]) < 10  # a random phase per image


def test_altflip_refuses_flip_and_worker_loaders():
    with pytest.raises(ParameterError, match="altflip"):
        TrainConfig(augment=["altflip", "flip"])
    with pytest.raises(ParameterError, match="altflip"):
        TrainConfig(augment=["altflip"], workers=2)


def test_time_aware_schedule_anneals_when_the_budget_ends():
    cfg = TrainConfig(lr_schedule="onecycle", epochs=100, warmup_epochs=20)
    assert lr_factor(10, 100, cfg, time_fraction=0.0) < 0.2  # early in the plan: warming up
    assert lr_factor(10, 100, cfg, time_fraction=0.999) == pytest.approx(0.0, abs=0.01)  # budget nearly out


def test_evaluation_can_be_kept_outside_the_budget():
    state = StepState(deadline=100.0, budget_end=100.0, t_start=0.0)
    _charge_eval(state, TrainConfig(budget_includes_eval=False, max_minutes=1), seconds=5.0, test_ratio=0.0)
    assert (state.t_start, state.deadline) == (5.0, 105.0)
    state = StepState(deadline=100.0, budget_end=100.0, t_start=0.0)
    _charge_eval(state, TrainConfig(max_minutes=1), seconds=5.0, test_ratio=1.0)
    assert state.deadline == pytest.approx(90.0)  # the next validation pass and the test pass are reserved


@pytest.mark.parametrize("name", ["cifar10-10min", "cifar10-60min", "digits-quick"])
def test_recipe_files_are_valid_configs(name):
    cfg = TrainConfig.from_sources(CONFIGS / f"{name}.json")
    assert cfg.model in ("fast_cifar", "tiny_cnn")


def test_eval_every_and_whitening_init_in_a_short_run(tmp_path, monkeypatch):
    from visrec.torch_nn.models import fast_cifar as fc

    calls = []
    original = fc.FastCifarNet.init_whitening
    monkeypatch.setattr(fc.FastCifarNet, "init_whitening", lambda self, x: calls.append(x.shape) or original(self, x))
    images = np.random.default_rng(0).integers(0, 255, (60, 32, 32, 3), dtype=np.uint8)
    cfg = TrainConfig(model="fast_cifar", model_kwargs={"widths": [8, 8, 8]}, data="digits", epochs=3, eval_every=2,
                      batch_size=32, lr=0.05, optimizer="nesterov", lr_schedule="onecycle", augment=["altflip", "crop"],
                      out=str(tmp_path / "r"), progress=False, overfit=40)
    from visrec.data.dataset import ImageDataset

    ds = ImageDataset(images, np.arange(60) % 3, ["a", "b", "c"], source="synthetic", fingerprint="x")
    monkeypatch.setattr("visrec.data.load.load_dataset", lambda *a, **k: ds)
    run = train(cfg)
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    assert [("val_acc" in r) for r in history] == [False, True, True]  # epoch 2 (scheduled) and 3 (last)
    assert len(calls) == 1 and calls[0][1:] == (3, 32, 32)


def test_a_resumed_run_continues_its_budget_clock():
    from visrec.torch_nn.trainer import _budget_used, _start_budget

    cfg = TrainConfig(max_minutes=1)
    assert _budget_used(cfg, None) == 0.0 and _budget_used(cfg, {"budget_used_s": None}) == 0.0
    state = StepState()
    _start_budget(state, cfg, now=1000.0, used=_budget_used(cfg, {"budget_used_s": 45.0}))
    assert (state.t_start, state.budget_end, state.deadline) == (955.0, 1015.0, 1015.0)  # 15 s left, not 60
    with pytest.raises(ParameterError, match="--max-minutes"):
        _budget_used(cfg, {"budget_used_s": 60.5})
    assert _budget_used(TrainConfig(max_minutes=2), {"budget_used_s": 60.5}) == 60.5  # a larger budget goes on
