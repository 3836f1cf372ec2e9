"""load_weights / save_weights: round trips, wrappers, torchvision key names, and clear errors."""

from __future__ import annotations

import pytest
import torch

from visrec.torch_nn import create_model, load_weights, read_state_dict, save_weights


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _perturbed(name: str, **kw):
    """A model whose every float tensor differs from a fresh one (so a round trip is visible)."""
    torch.manual_seed(0)
    model = create_model(name, **kw)
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.add_(torch.rand_like(t) * 0.01 + 0.001)  # small and positive: BN stays sane
    return model


def _assert_same(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


@pytest.mark.parametrize(
    "name", ["lenet5", "resnet20", "densenet_bc40", "squeezenet1_1", "nin", "preact_resnet20"]
)
def test_safetensors_round_trip(tmp_path, name):
    model = _perturbed(name)
    path = save_weights(model, tmp_path / f"{name}.safetensors")
    fresh = create_model(name)
    report = load_weights(fresh, path)
    assert report.ok and report.loaded == len(model.state_dict())
    _assert_same(model, fresh)
    model.eval(), fresh.eval()
    x = torch.randn(2, *model.input_size)
    torch.testing.assert_close(model(x), fresh(x))


@pytest.mark.parametrize("wrap", ["plain", "state_dict", "ddp", "compiled", "nested"])
def test_pth_wrappers_and_prefixes_are_unwrapped(tmp_path, wrap):
    model = _perturbed("resnet20")
    sd = model.state_dict()
    obj = {
        "plain": sd,
        "state_dict": {"state_dict": sd, "epoch": torch.tensor(3)},
        "ddp": {f"module.{k}": v for k, v in sd.items()},
        "compiled": {f"_orig_mod.{k}": v for k, v in sd.items()},
        "nested": {"model": {"state_dict": {f"module.{k}": v for k, v in sd.items()}}},
    }[wrap]
    torch.save(obj, tmp_path / "w.pth")
    fresh = create_model("resnet20")
    assert load_weights(fresh, tmp_path / "w.pth").ok
    _assert_same(model, fresh)


def test_num_classes_mismatch_gives_advice_and_strict_false_loads_the_rest(tmp_path):
    path = save_weights(_perturbed("resnet20", num_classes=10), tmp_path / "r.safetensors")
    other = create_model("resnet20", num_classes=100)
    with pytest.raises(
        ValueError, match=r"(?s)fc.weight \(file \(10, 64\) vs model \(100, 64\)\).*reset_classifier"
    ):
        load_weights(other, path)
    before = other.fc.weight.clone()
    report = load_weights(other, path, strict=False)
    assert sorted(k for k, _, _ in report.mismatched) == ["fc.bias", "fc.weight"]
    assert torch.equal(other.fc.weight, before)  # the head was left alone
    assert torch.equal(other.conv1.weight, read_state_dict(path)["conv1.weight"])


def test_wrong_architecture_lists_missing_and_unexpected_keys(tmp_path):
    path = save_weights(create_model("resnet20"), tmp_path / "r20.safetensors")
    with pytest.raises(ValueError) as info:
        load_weights(create_model("resnet32"), path)
    msg = str(info.value)
    assert "missing from the file (60)" in msg and "layer1.3.conv1.weight" in msg and "... and 50 more" in msg
    path = save_weights(create_model("resnet32"), tmp_path / "r32.safetensors")
    with pytest.raises(ValueError, match=r"unexpected in the file \(60\)"):
        load_weights(create_model("resnet20"), path)


def test_broken_and_unsafe_files_are_refused_clearly(tmp_path):
    model = create_model("lenet5")
    (tmp_path / "bad.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="Could not read weights from .*bad.safetensors"):
        load_weights(model, tmp_path / "bad.safetensors")
    (tmp_path / "bad.pth").write_bytes(b"definitely not a checkpoint")
    with pytest.raises(ValueError, match="Could not read weights"):
        load_weights(model, tmp_path / "bad.pth")
    torch.save(model, tmp_path / "whole_model.pth")  # a pickled module: refused by weights_only=True
    with pytest.raises(ValueError, match="weights_only=True"):
        load_weights(model, tmp_path / "whole_model.pth")
    torch.save({"lr": 0.1, "epoch": 3}, tmp_path / "not_weights.pt")
    with pytest.raises(ValueError, match="does not hold a state dict"):
        load_weights(model, tmp_path / "not_weights.pt")
    with pytest.raises(ValueError, match="Unknown weights format '.npz'"):
        load_weights(model, tmp_path / "w.npz") if (tmp_path / "w.npz").write_bytes(b"x") else None
    with pytest.raises(FileNotFoundError):
        load_weights(model, tmp_path / "missing.pth")
    with pytest.raises(ValueError, match="ending in .safetensors"):
        save_weights(model, tmp_path / "w.pth")


def test_create_model_weights_argument(tmp_path):
    model = _perturbed("tiny_cnn")
    path = save_weights(model, tmp_path / "tiny.safetensors")
    _assert_same(model, create_model("tiny_cnn", weights=path))


# Parameter names torchvision uses for the same architectures (so its checkpoints load as is).
TORCHVISION_KEYS = {
    "resnet18": [
        "conv1.weight",
        "bn1.running_mean",
        "layer1.0.conv1.weight",
        "layer2.0.downsample.0.weight",
        "layer2.0.downsample.1.running_var",
        "layer4.1.bn2.running_var",
        "fc.weight",
        "fc.bias",
    ],
    "resnet50": [
        "layer1.0.conv3.weight",
        "layer1.0.bn3.weight",
        "layer1.0.downsample.0.weight",
        "layer4.2.bn3.num_batches_tracked",
    ],
    "vgg16": [
        "features.0.weight",
        "features.28.bias",
        "classifier.0.weight",
        "classifier.3.weight",
        "classifier.6.weight",
    ],
    "vgg16_bn": ["features.1.running_mean", "features.41.weight", "classifier.6.bias"],
    "densenet121": [
        "features.conv0.weight",
        "features.norm0.running_var",
        "features.denseblock1.denselayer1.norm1.weight",
        "features.transition3.conv.weight",
        "features.denseblock4.denselayer16.conv2.weight",
        "features.norm5.bias",
        "classifier.weight",
    ],
    "squeezenet1_1": [
        "features.0.weight",
        "features.3.squeeze.weight",
        "features.12.expand3x3.weight",
        "classifier.1.weight",
    ],
    "squeezenet1_0": ["features.12.expand1x1.bias", "classifier.1.bias"],
    "alexnet": [
        "features.0.weight",
        "features.3.weight",
        "features.10.weight",
        "classifier.1.weight",
        "classifier.6.bias",
    ],
    "googlenet": [
        "conv1.conv.weight",
        "conv1.bn.running_mean",
        "inception3a.branch2.1.conv.weight",
        "inception5b.branch4.1.bn.bias",
        "fc.weight",
    ],
    "resnext50_32x4d": ["layer3.5.conv2.weight", "fc.bias"],
    "wide_resnet50_2": ["layer4.2.conv2.weight"],
}


@pytest.mark.parametrize("name", sorted(TORCHVISION_KEYS))
def test_parameter_names_follow_torchvision(name):
    with torch.device("meta"):
        keys = set(create_model(name, num_classes=1000).state_dict())
    missing = [k for k in TORCHVISION_KEYS[name] if k not in keys]
    assert not missing, missing


def test_torchvision_shapes_for_spot_checked_keys():
    with torch.device("meta"):
        sd = create_model("squeezenet1_1", num_classes=1000).state_dict()
        assert tuple(sd["features.12.expand3x3.weight"].shape) == (256, 64, 3, 3)
        sd = create_model("alexnet", num_classes=1000).state_dict()
        assert tuple(sd["features.10.weight"].shape) == (256, 256, 3, 3)
        sd = create_model("googlenet", num_classes=1000).state_dict()
        assert tuple(sd["inception3a.branch3.1.conv.weight"].shape) == (32, 16, 3, 3)  # torchvision's 3x3
        sd = create_model("googlenet_paper", num_classes=1000).state_dict()
        assert tuple(sd["inception3a.branch3.1.conv.weight"].shape) == (32, 16, 5, 5)
