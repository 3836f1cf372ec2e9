"""check_input_shape / check_model_options: every registered classifier works on the built-in datasets'
shapes or refuses up front with a message naming --model and the input it needs; unsupported shortcut
options are refused naming the flag."""

from __future__ import annotations

import pytest
import torch

from visrec.torch_nn.registry import (
    check_input_shape,
    check_model_options,
    create_model,
    list_models,
    model_options,
)
from visrec.utils.errors import ParameterError

DIGITS, CIFAR = (1, 8, 8), (3, 32, 32)
HEAVY = 5_000_000  # parameters above which no CPU forward is run


def _forward_or_refusal(name: str, shape: tuple) -> str:
    try:
        run = check_input_shape(name, shape)
    except ParameterError as exc:
        msg = str(exc)
        assert f"--model {name}" in msg and "it needs" in msg, msg
        assert "x" in msg.split("it needs", 1)[1] or "features" in msg, msg  # a size, not a bare refusal
        return "refused"
    assert run[0] == shape[0]
    # small models really run at that shape on the CPU (built as `visrec train` builds them: in_chans = C);
    # for the big ones the helper's own meta-device forward pass is the check
    with torch.device("meta"):
        probe = create_model(name, num_classes=3, in_chans=shape[0])
    if sum(p.numel() for p in probe.parameters()) <= HEAVY and run[1] * run[2] <= 64 * 64:
        torch.manual_seed(0)
        model = create_model(name, num_classes=3, in_chans=shape[0]).eval()
        with torch.no_grad():
            out = model(torch.rand(2, *run))
        assert tuple(out.shape) == (2, 3) and torch.isfinite(out).all(), name
    return "ok"


# a representative handful runs by default; the rest of the registry under -m slow
FAST = {"tiny_cnn", "lenet5", "fc_twin", "threelayer_convnet_twin", "resnet20", "fast_cifar", "nin"}
FAST |= {"densenet_bc40", "squeezenet1_1", "vgg11_cifar", "wrn16_4", "fractalnet_small", "alexnet"}
REFUSES_DIGITS = {"fc_twin"}  # 3072 input features by default: it refuses 1x8x8 with the size it needs


@pytest.mark.parametrize(
    "name", [n if n in FAST else pytest.param(n, marks=pytest.mark.slow) for n in list_models()]
)
def test_every_classifier_takes_digits_and_cifar_shapes_or_refuses_clearly(name):
    assert _forward_or_refusal(name, CIFAR) == "ok"
    assert _forward_or_refusal(name, DIGITS) == ("refused" if name in REFUSES_DIGITS else "ok")


def test_small_models_on_digits_and_the_twin_refusal():
    assert check_input_shape("tiny_cnn", DIGITS) == DIGITS  # any size >= 4: no resize
    assert check_input_shape("resnet20", DIGITS) == (1, 32, 32)  # fixed CIFAR size: resized
    assert check_input_shape("fast_cifar", DIGITS) == (1, 32, 32)  # below its minimum of 9: resized
    assert check_input_shape("fc_twin", CIFAR) == CIFAR
    with pytest.raises(ParameterError, match=r"--model fc_twin cannot take the 1x8x8 images.*C\*H\*W = 3072"):
        check_input_shape("fc_twin", DIGITS)
    assert check_input_shape("fc_twin", DIGITS, input_dim=64) == DIGITS  # the fix the message names
    with pytest.raises(ParameterError, match="is a block, not an image classifier"):
        check_input_shape("inception_naive_module", CIFAR)


def test_check_input_shape_leaves_the_global_rng_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    check_input_shape("tiny_cnn", CIFAR)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize(
    "kwargs, flag, takers",
    [
        ({"norm": "batchnorm"}, "--norm", "no registered torch model takes it"),
        ({"dropout": 0.5}, "--dropout", "no registered torch model takes it"),
        ({"hidden_dims": [10]}, "--hidden", "the models that take it: fc_twin"),
    ],
)
def test_unsupported_shortcut_options_name_the_flag(kwargs, flag, takers):
    with pytest.raises(ParameterError) as info:
        check_model_options("resnet20", kwargs)
    msg = str(info.value)
    assert msg.startswith(f"{flag} is not an option of --model resnet20") and takers in msg
    assert "CifarResNet.__init__" not in msg and "'norm_layer'" in msg  # lists what resnet20 does take


def test_supported_options_pass_and_architecture_errors_name_the_model():
    check_model_options("fc_twin", {"hidden_dims": [10, 10]})
    check_model_options("resnet20", {"norm_layer": torch.nn.BatchNorm2d, "in_chans": 1})
    with pytest.raises(ParameterError, match=r"--model resnet20 cannot be built with shortcut='C': .*'A'"):
        check_model_options("resnet20", {"shortcut": "C"})
    with pytest.raises(ParameterError, match="the model option 'widen'"):
        check_model_options("tiny_cnn", {"widen": 3})


def test_model_options_follow_the_class_behind_a_forwarding_builder():
    assert {"in_chans", "img_size", "shortcut", "stochastic_depth"} <= model_options("resnet20")
    assert {"in_chans", "drop_rate"} <= model_options("wrn16_4")
    assert "num_classes" not in model_options("resnet20")


def test_create_model_names_the_flag_instead_of_the_class():
    from visrec.torch_nn.registry import ModelOptionError

    with pytest.raises(ModelOptionError, match=r"^--norm is not an option of --model resnet20") as info:
        create_model("resnet20", norm="batchnorm", in_chans=1)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ParameterError)
    assert info.value.option == "norm" and "__init__" not in str(info.value)
