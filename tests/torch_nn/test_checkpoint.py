"""Checkpoints: safetensors + JSON round trips (model, optimizer, RNG), no pickle anywhere."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from visrec.torch_nn.checkpoint import (
    load_checkpoint,
    load_tensors,
    restore_checkpoint,
    save_checkpoint,
    save_tensors,
)
from visrec.torch_nn.ema import EMA
from visrec.torch_nn.registry import create_model
from visrec.utils.errors import DataError


def _trained(opt_name):
    torch.manual_seed(0)
    model = create_model("tiny_cnn", num_classes=5)
    opt = (torch.optim.Adam if opt_name == "adam" else torch.optim.SGD)(
        model.parameters(), lr=0.01, **({"momentum": 0.9} if opt_name == "sgd" else {})
    )
    ema = EMA(model, 0.9)
    for _ in range(2):
        torch.nn.functional.cross_entropy(
            model(torch.randn(4, 3, 8, 8)), torch.tensor([0, 1, 2, 3])
        ).backward()
        opt.step()
        opt.zero_grad()
        ema.update(model)
    return model, opt, ema


def test_safetensors_round_trip_is_exact(tmp_path):
    model, _, _ = _trained("sgd")
    save_tensors(tmp_path / "m.safetensors", model.state_dict())
    back = load_tensors(tmp_path / "m.safetensors")
    assert back.keys() == model.state_dict().keys()
    for k, v in model.state_dict().items():
        assert torch.equal(back[k], v) and back[k].dtype == v.dtype
    (tmp_path / "bad.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(DataError, match="corrupt"):
        load_tensors(tmp_path / "bad.safetensors")


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_checkpoint_restores_model_optimizer_ema_and_rng(tmp_path, opt_name):
    model, opt, ema = _trained(opt_name)
    save_checkpoint(tmp_path / "ck", model, opt, ema, {"epoch": 2, "note": "x"})
    expected_draw = torch.rand(3)
    meta = json.loads((tmp_path / "ck.json").read_text())  # plain JSON, no pickle
    assert meta["epoch"] == 2 and "param_groups" in meta["optimizer"]
    model2, opt2, ema2 = _trained(opt_name)
    for p in model2.parameters():
        p.data.add_(1.0)
    tensors, meta = load_checkpoint(tmp_path / "ck")
    torch.rand(5)
    restore_checkpoint(tensors, meta, model2, opt2, ema2)
    assert torch.equal(torch.rand(3), expected_draw)  # the RNG continues where it was saved
    for a, b in zip(model.state_dict().values(), model2.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    for a, b in zip(ema.state_dict().values(), ema2.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    s1, s2 = opt.state_dict(), opt2.state_dict()
    for i in s1["state"]:
        for key, v in s1["state"][i].items():
            assert torch.equal(torch.as_tensor(v), torch.as_tensor(s2["state"][i][key]))
    assert np.isclose(s1["param_groups"][0]["lr"], s2["param_groups"][0]["lr"])


def test_missing_checkpoint_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="--resume"):
        load_checkpoint(tmp_path / "nothing")
