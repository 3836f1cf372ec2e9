"""Convolution: naive and im2col versions against numeric gradients, torch conv2d and each other."""

import numpy as np
import pytest
import torch.nn.functional as TF

from _testers import LayerCase, case_params, check_case
from visrec.numpy_nn.layers import (
    col2im,
    conv_backward_fast,
    conv_backward_naive,
    conv_forward_fast,
    conv_forward_naive,
    im2col,
)
from visrec.utils.errors import GeometryError


def conv_case(name, N, C, H, W, K, F, stride, pad, FW=None):
    """K filters of size F x FW (FW defaults to F) over C channels, stride S, padding P."""
    FW = FW or F

    def make(rng):
        return {
            "x": rng.standard_normal((N, C, H, W)),
            "w": rng.standard_normal((K, C, F, FW)),
            "b": rng.standard_normal(K),
        }

    return LayerCase(
        name,
        conv_forward_fast,
        conv_backward_fast,
        make,
        torch_fn=lambda x, w, b: TF.conv2d(x, w, b, stride=stride, padding=pad),
        extra_args=({"stride": stride, "pad": pad},),
        naive=(conv_forward_naive, conv_backward_naive),
    )


CASES = [
    conv_case("conv3x3-s1-p1", 2, 3, 5, 5, 4, 3, 1, 1),
    conv_case("conv3x3-s2-p1", 2, 2, 7, 7, 3, 3, 2, 1),
    conv_case("conv3x5-rect-s1-p0", 2, 2, 6, 7, 3, 3, 1, 0, FW=5),
    conv_case("conv5x5-s1-p2", 1, 3, 6, 6, 2, 5, 1, 2),
    conv_case("conv1x1", 2, 4, 4, 4, 3, 1, 1, 0),
    conv_case("conv-stride3-p0", 1, 2, 7, 7, 2, 4, 3, 0),
]


@pytest.mark.parametrize(("case", "check"), case_params(CASES))
def test_conv(case, check):
    check_case(case, check)


def test_conv_naive_also_matches_numeric_gradients():
    from _testers import check_gradients

    base = CASES[1]
    check_gradients(LayerCase("naive", *base.naive, base.make_inputs, extra_args=base.extra_args))


def test_1x1_conv_is_a_per_pixel_matrix_multiply():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 3, 4))
    w = rng.standard_normal((7, 5, 1, 1))
    out, _ = conv_forward_fast(x, w, np.zeros(7), {"stride": 1, "pad": 0})
    expected = np.einsum("nchw,fc->nfhw", x, w[:, :, 0, 0])
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_col2im_is_the_adjoint_of_im2col():
    # <im2col(x), c> == <x, col2im(c)> for every x, c: the defining property of the backward scatter.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    cols = im2col(x, 3, 2, 2, 1)
    c = rng.standard_normal(cols.shape)
    back = col2im(c, x.shape, 3, 2, 2, 1)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-12)


def test_conv_shapes_from_the_slides():
    # 32x32x3 input, ten 5x5 filters, stride 1, pad 2 -> 32x32x10 (L5280-5284).
    x = np.zeros((1, 3, 32, 32), dtype=np.float32)
    out, _ = conv_forward_fast(
        x, np.zeros((10, 3, 5, 5), np.float32), np.zeros(10, np.float32), {"stride": 1, "pad": 2}
    )
    assert out.shape == (1, 10, 32, 32) and out.dtype == np.float32


@pytest.mark.parametrize("forward", [conv_forward_fast, conv_forward_naive])
def test_conv_window_that_does_not_fit_raises(forward):
    x, w = np.zeros((1, 1, 7, 7)), np.zeros((1, 1, 3, 3))
    with pytest.raises(GeometryError, match=r"\(7 - 3 \+ 2\*0\)/3 \+ 1 = 2.33.*pad=1"):
        forward(x, w, np.zeros(1), {"stride": 3, "pad": 0})


def test_conv_channel_mismatch_and_bad_bias_are_clear():
    with pytest.raises(ValueError, match="channel mismatch"):
        conv_forward_fast(
            np.zeros((1, 3, 5, 5)), np.zeros((2, 4, 3, 3)), np.zeros(2), {"stride": 1, "pad": 1}
        )
    with pytest.raises(ValueError, match=r"bias must have shape \(K,\)"):
        conv_forward_fast(
            np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 3, 3)), np.zeros(3), {"stride": 1, "pad": 1}
        )
    with pytest.raises(ValueError, match="unknown"):
        conv_forward_fast(np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 3, 3)), np.zeros(2), {"strides": 1})


def test_backward_without_dx_gives_the_same_weight_gradients():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((3, 2, 5, 5)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    out, cache = conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_backward_fast(dout, cache)
    none, dw2, db2 = conv_backward_fast(dout, cache, need_dx=False)
    assert none is None
    np.testing.assert_allclose(dw2, dw, rtol=1e-13)
    np.testing.assert_allclose(db2, db, rtol=1e-13)


def test_blocks_of_images_give_the_same_result_as_one_block(monkeypatch):
    from visrec.numpy_nn.layers import conv

    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((7, 3, 6, 6)), rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(2)
    param = {"stride": 1, "pad": 1}
    out1, cache1 = conv_forward_fast(x, w, b, param)
    grads1 = conv_backward_fast(out1, cache1)
    monkeypatch.setattr(conv, "_BLOCK_BYTES", 1)  # one image per block
    assert len(conv._image_blocks(7, 6, 6, 27, 8)) == 7
    out2, cache2 = conv_forward_fast(x, w, b, param)
    grads2 = conv_backward_fast(out1, cache2)
    np.testing.assert_allclose(out2, out1, rtol=1e-13)
    for g1, g2 in zip(grads1, grads2, strict=True):
        np.testing.assert_allclose(g2, g1, rtol=1e-12)


def test_keyword_form_conv_forward_equals_the_naive_conv():
    from visrec.numpy_nn.layers import conv_backward, conv_forward

    rng = np.random.default_rng(6)
    x, w, b = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(2)
    out, cache = conv_forward(x, w, b, stride=2, pad=1)
    ref, ref_cache = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    for g, r in zip(conv_backward(out, cache), conv_backward_naive(out, ref_cache), strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-11)
