"""The model registry: names, patterns, errors, and the common classifier interface's metadata."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from visrec.torch_nn import (
    ClassifierBase,
    create_model,
    is_model,
    list_models,
    model_entry,
    register_model,
    registry,
)


def test_list_models_is_sorted_and_filters_with_fnmatch():
    names = list_models()
    assert names == sorted(names)
    assert {"lenet5", "resnet20", "tiny_cnn", "vgg16", "alexnet", "alexnet_lecture", "googlenet"} <= set(
        names
    )
    cifar = list_models("resnet[0-9]*")
    assert "resnet20" in cifar and "resnet1202" in cifar and "se_resnet20" not in cifar
    assert list_models("vgg*_bn") == ["vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn"]
    assert list_models("no_such_*") == []


def test_blocks_are_listed_separately():
    blocks = list_models(kind="block")
    assert blocks == ["inception_naive_module", "inception_reduced_module"]
    assert not set(blocks) & set(list_models())
    assert set(list_models()) | set(blocks) <= set(list_models(kind=None))  # kind=None: every kind


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match=r"Unknown model 'resnet21'.*'resnet20'"):
        create_model("resnet21")
    with pytest.raises(ValueError, match="Did you mean .*'vgg16'"):
        model_entry("vgg61")
    assert not is_model("resnet21") and is_model("resnet20")


def test_unknown_option_raises_type_error_listing_accepted_ones():
    with pytest.raises(TypeError, match=r"alexnet_lecture got unknown option\(s\) \['depth'\].*groups"):
        create_model("alexnet_lecture", depth=3)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "10"])
def test_num_classes_is_validated(bad):
    with pytest.raises(ValueError, match="num_classes must be an int >= 0"):
        create_model("tiny_cnn", num_classes=bad)


def test_create_model_sets_name_classes_and_cfg():
    model = create_model("resnet20", num_classes=7)
    assert isinstance(model, ClassifierBase)
    assert model.model_name == "resnet20" and model.num_classes == 7
    cfg = model.default_cfg
    assert cfg["input_size"] == (3, 32, 32) and cfg["fixed_input_size"] is True
    assert cfg["num_classes"] == 7 and cfg["architecture"] == "resnet20" and cfg["family"] == "resnet_cifar"
    assert model(torch.zeros(1, 3, 32, 32)).shape == (1, 7)


def test_family_comes_from_the_module_or_the_decorator():
    assert model_entry("vgg16").family == "vgg"
    assert model_entry("resnext50_32x4d").family == "resnext"
    assert model_entry("inception_naive_module").kind == "block"


def test_register_model_rejects_duplicates_and_bad_kinds(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    def my_test_net(num_classes: int = 10) -> nn.Module:
        return nn.Linear(4, num_classes)

    register_model(my_test_net)
    assert "my_test_net" in list_models("my_test_*")
    assert create_model("my_test_net", num_classes=3).out_features == 3

    def my_test_net2(num_classes: int = 10):  # same name, different function
        return nn.Linear(4, num_classes)

    my_test_net2.__name__ = "my_test_net"
    with pytest.raises(ValueError, match="already registered"):
        register_model(my_test_net2)
    with pytest.raises(ValueError, match="kind must be one of"):
        register_model(kind="detektor")  # (detector is a kind since the Lecture 11 packages)


def test_in_chans_and_img_size_options():
    model = create_model("lenet5", in_chans=1, img_size=28)
    assert model.input_size == (1, 28, 28)
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    model = create_model("resnet20", in_chans=1, img_size=28)
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
