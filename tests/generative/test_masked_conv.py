"""Causality of masked convolutions, PixelCNN and PixelRNN: a gradient test on every output position."""

import pytest
import torch
from torch import nn

from visrec.generative import PixelCNN, PixelRNN
from visrec.generative._errors import ParameterError
from visrec.generative.gated_pixelcnn import GatedPixelCNN
from visrec.generative.masked_conv import MaskedConv2d, build_mask


def allowed_inputs(c_in: int, h: int, w: int, i: int, j: int, g: int, strict: bool) -> torch.Tensor:
    """Boolean (C, H, W): the inputs output (group g, pixel (i, j)) may depend on.

    Earlier pixels in raster order, and at pixel (i, j) itself the channels of earlier colour groups
    (or also its own group when ``strict`` is False, a type-B layer on its own).
    """
    ok = torch.zeros(c_in, h, w, dtype=torch.bool)
    ok[:, :i] = True
    ok[:, i, :j] = True
    group = torch.arange(c_in)
    ok[:, i, j] = (group < g) if strict else (group <= g)
    return ok


def randomize(model: nn.Module, std: float = 0.5) -> nn.Module:
    """Nonzero weights and biases everywhere, so no dependence is hidden by a dead ReLU."""
    torch.manual_seed(1)
    for p in model.parameters():
        nn.init.normal_(p, std=std)
    return model.double()


def jacobian_of(fn, x):
    """d fn(x) / d x for one image: fn maps (1, C, H, W) -> (..., C_out, H, W)."""
    return torch.autograd.functional.jacobian(fn, x)


def check_causal(fn, c_in: int, h: int, w: int, groups_of_output, strict: bool = True):
    """Assert zero gradient from every forbidden input to every output position; returns #positions."""
    torch.manual_seed(0)
    jac = 0
    for _ in range(3):  # three random inputs, so a dead ReLU at one of them hides no dependence
        x = torch.randn(1, c_in, h, w, dtype=torch.float64)
        j = jacobian_of(fn, x)  # (..., C_out, H, W, 1, C, H, W)
        jac = jac + j.reshape(-1, j.shape[-7], h, w, c_in, h, w).abs().sum(0)  # (C_out, H, W, C, H, W)
    checked = 0
    for co in range(jac.shape[0]):
        g = groups_of_output(co)
        for i in range(h):
            for j in range(w):
                forbidden = ~allowed_inputs(c_in, h, w, i, j, g, strict)
                leak = jac[co, i, j][forbidden]
                assert torch.all(leak == 0), f"output (c={co}, {i}, {j}) sees a forbidden input"
                checked += 1
    return checked, jac


@pytest.mark.parametrize("c", [1, 3])
def test_type_a_conv_sees_only_earlier_pixels(c):
    conv = MaskedConv2d(c, 2 * c, 5, "A", groups_color=c).double()
    n, _ = check_causal(conv, c, 6, 6, lambda co: co // 2, strict=True)
    assert n == 2 * c * 36


def test_type_b_conv_sees_its_own_group_but_not_later():
    conv = MaskedConv2d(3, 6, 3, "B", groups_color=3).double()
    _, jac = check_causal(conv, 3, 4, 4, lambda co: co // 2, strict=False)
    # and it does see its own group at the centre (the tap type A removes)
    assert jac[0, 1, 1, 0, 1, 1] > 0


def test_type_b_first_layer_fails_the_strict_test():
    """Negative control: the checker catches a layer that sees its own pixel."""
    conv = MaskedConv2d(1, 2, 3, "B").double()
    with pytest.raises(AssertionError, match="forbidden"):
        check_causal(conv, 1, 4, 4, lambda co: 0, strict=True)


@pytest.mark.parametrize("gated", [False, True])
@pytest.mark.parametrize("c", [1, 3])
def test_pixelcnn_softmax_is_causal_everywhere(c, gated):
    model = randomize(PixelCNN(in_channels=c, hidden=6 * c, layers=2, kernel_size=3, levels=4, gated=gated))
    h = w = 5

    def fn(x):  # (1, C, H, W) -> (levels, C, H, W): fold the levels axis into the batch axis
        return model.network(x)[0]

    n, jac = check_causal(fn, c, h, w, lambda co: co, strict=True)
    assert n == c * h * w
    # the bottom-right pixel depends on the pixel before it
    assert jac[c - 1, h - 1, w - 1][:, h - 1, w - 2].sum() > 0


def test_pixelcnn_bernoulli_and_pixelrnn_are_causal():
    for model in (PixelCNN(1, 4, 2, 3, output="bernoulli"), PixelRNN(hidden=3, layers=2)):
        model = randomize(model)
        _, jac = check_causal(lambda x, m=model: m.network(x)[0], 1, 5, 5, lambda co: 0, strict=True)
        assert jac[0, 4, 4].sum() > 0


def test_pixelrnn_sees_far_above():
    """The Row LSTM's triangular context reaches rows several steps above (state-to-state recurrence)."""
    model = PixelRNN(hidden=4, layers=1).double()
    x = torch.randn(1, 1, 8, 3, dtype=torch.float64, requires_grad=True)
    model.network(x)[0, 0, 7, 1].backward()
    assert x.grad[0, 0, 0].abs().sum() > 0  # row 0 influences row 7 (beyond the 7x7 first layer's reach)


def test_mask_errors_are_clear():
    with pytest.raises(ParameterError, match="mask_type"):
        build_mask(2, 2, (3, 3), "C")
    with pytest.raises(ParameterError, match="odd"):
        build_mask(2, 2, (2, 2), "A")
    with pytest.raises(ParameterError, match="divisible"):
        MaskedConv2d(3, 4, 3, "A", groups_color=3)
    with pytest.raises(ParameterError, match="grayscale"):
        PixelRNN(in_channels=3)


def test_gated_two_stack_pixelcnn_is_causal_and_has_no_blind_spot():
    model = randomize(GatedPixelCNN(hidden=4, layers=3, kernel_size=3, output="bernoulli"))
    _, jac = check_causal(lambda x: model.network(x)[0], 1, 6, 6, lambda co: 0, strict=True)
    # within its receptive field every earlier pixel reaches pixel (5, 3), including those up and to the
    # right, which stacked masked 3x3 convolutions never see (their blind spot)
    seen = jac[0, 5, 3][0]
    assert torch.all(seen[3:5] > 0) and torch.all(seen[5, :3] > 0)
    assert seen[4, 5] > 0
    masked = randomize(PixelCNN(1, 4, 2, 3, output="bernoulli"))
    _, jac_m = check_causal(lambda x: masked.network(x)[0], 1, 6, 6, lambda co: 0, strict=True)
    assert jac_m[0, 5, 3][0, 4, 5] == 0  # the masked stack's blind spot: one row up, two columns right
