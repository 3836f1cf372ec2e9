"""Our torchvision-layout models load real torchvision state dicts and reproduce torchvision's logits
(the frozen oracles in ../shared/oracles, made by make_torchvision_oracles.py with torchvision 0.29.1)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from visrec.torch_nn import create_model, load_weights

ORACLES = Path(__file__).resolve().parents[2].parent / "shared" / "oracles"


def _oracle(name: str) -> Path:
    path = ORACLES / f"tv_{name}.safetensors"
    if not path.is_file():
        pytest.skip(f"torchvision oracle not found at {path}")
    return path


@pytest.mark.parametrize("name", ["resnet18", "squeezenet1_1"])
def test_logits_match_torchvision_in_float64(name):
    model = create_model(name, num_classes=1000)
    report = load_weights(model, _oracle(name))  # strict: every key and shape matches torchvision's
    assert report.ok and report.loaded == len(model.state_dict())
    ref = np.load(ORACLES / f"tv_{name}_logits.npz")
    with torch.no_grad():
        got = model.double().eval()(torch.from_numpy(ref["input"]).double())
    np.testing.assert_allclose(got.numpy(), ref["logits_float64"], rtol=0, atol=1e-9)


def test_resnet18_pth_file_loads():
    _oracle("resnet18")
    assert load_weights(create_model("resnet18", num_classes=1000), ORACLES / "tv_resnet18.pth").ok


LAYOUTS = {  # torchvision_models.json entry -> our registry name
    "resnet18": "resnet18",
    "resnet50": "resnet50",
    "vgg16": "vgg16",
    "alexnet": "alexnet",
    "squeezenet1_1": "squeezenet1_1",
    "densenet121": "densenet121",
    "resnext50_32x4d": "resnext50_32x4d",
    "wide_resnet50_2": "wide_resnet50_2",
    "googlenet_noaux": "googlenet",
}


@pytest.mark.parametrize("tv_name", sorted(LAYOUTS))
def test_full_state_dict_layout_and_parameter_count_match_torchvision(tv_name):
    path = ORACLES / "torchvision_models.json"
    if not path.is_file():
        pytest.skip(f"torchvision oracle not found at {path}")
    entry = json.loads(path.read_text())["models"][tv_name]
    with torch.device("meta"):
        model = create_model(LAYOUTS[tv_name], num_classes=1000)
    ours = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    assert ours == [row[:2] for row in entry["state_dict"]]  # same keys, same order, same shapes
    assert sum(p.numel() for p in model.parameters()) == entry["num_params"]
