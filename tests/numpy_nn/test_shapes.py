"""Conv / pool geometry: the output-size formula with the slides' test vectors, and clear errors."""

import pytest

from visrec.numpy_nn.shapes import (
    conv_output_shape,
    conv_output_size,
    conv_param_count,
    pool_output_size,
    same_padding,
)
from visrec.utils.errors import GeometryError


@pytest.mark.parametrize(
    ("W", "F", "S", "P", "expected"),
    [
        (7, 3, 1, 0, 5),  # L5083-5159
        (7, 3, 2, 0, 3),
        (7, 3, 1, 1, 7),  # pad 1 keeps 7x7 (L5219)
        (32, 5, 1, 2, 32),  # 32x32x3 with 5x5 filters, pad 2
        (32, 5, 1, 0, 28),  # 32 -> 28 -> 24 without padding
        (28, 5, 1, 0, 24),
        (227, 11, 4, 0, 55),  # AlexNet CONV1
        (32, 1, 1, 0, 32),  # 1x1 conv
    ],
)
def test_conv_output_size(W, F, S, P, expected):
    assert conv_output_size(W, F, S, P) == expected


def test_stride_3_on_7x7_does_not_fit_and_the_message_shows_formula_and_fix():
    with pytest.raises(GeometryError) as info:
        conv_output_size(7, 3, 3, 0)
    msg = str(info.value)
    assert "(W - F + 2P)/S + 1 = (7 - 3 + 2*0)/3 + 1 = 2.33" in msg
    assert "pad=1 gives (7 - 3 + 2*1)/3 + 1 = 3" in msg and "stride in [1, 2, 4]" in msg
    assert isinstance(info.value, ValueError)


def test_filter_larger_than_input_and_bad_types():
    with pytest.raises(GeometryError, match="larger than the padded input"):
        conv_output_size(3, 5, 1, 0)
    with pytest.raises(ValueError, match="'S \\(stride\\)' parameter must be an int"):
        conv_output_size(7, 3, 0, 0)


def test_pool_output_size():
    assert pool_output_size(32, 2, 2) == 16
    assert pool_output_size(13, 3, 2) == 6
    with pytest.raises(GeometryError, match="pool window does not fit"):
        pool_output_size(7, 2, 2)


def test_same_padding_and_param_count():
    assert [same_padding(f) for f in (3, 5, 7)] == [1, 2, 3]
    with pytest.raises(GeometryError, match="odd"):
        same_padding(4)
    # 10 filters of 5x5x3: 5*5*3 + 1 = 76 params each, 760 in all (L5284)
    assert conv_param_count(5, 3, 1) == 76
    assert conv_param_count(5, 3, 10) == 760
    assert conv_param_count(5, 3, 10, bias=False) == 750


def test_conv_output_shape_checks_channels():
    assert conv_output_shape((2, 3, 32, 32), (10, 3, 5, 5), 1, 2) == (2, 10, 32, 32)
    with pytest.raises(ValueError, match="full input depth"):
        conv_output_shape((2, 3, 32, 32), (10, 4, 5, 5), 1, 2)
