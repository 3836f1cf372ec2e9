import doctest

import numpy as np
import pytest

import visrec.utils.atomic
import visrec.utils.gradcheck
import visrec.utils.validation
from visrec.utils.validation import check_array, check_choice, check_float, check_int


@pytest.mark.parametrize("module", [visrec.utils.validation, visrec.utils.atomic, visrec.utils.gradcheck])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_check_int_message_reads_like_sklearn():
    with pytest.raises(
        ValueError, match=r"The 'k' parameter of KNN must be an int in the range \[1, inf\)\. Got 0"
    ):
        check_int("k", 0, low=1, owner="KNN")
    with pytest.raises(ValueError):
        check_int("k", True, low=1)
    with pytest.raises(ValueError):
        check_int("k", 2.0, low=1)
    assert check_int("k", np.int64(3), low=1) == 3


def test_check_float_rejects_nan_and_out_of_range():
    with pytest.raises(ValueError, match="nan"):
        check_float("lr", float("nan"), low=0)
    with pytest.raises(ValueError, match=r"\(0, inf\)"):
        check_float("lr", 0.0, low=0, closed="right")
    assert check_float("lr", 1e-3, low=0, closed="right") == 1e-3


def test_check_choice_lists_options():
    with pytest.raises(ValueError, match="'l1', 'l2'"):
        check_choice("metric", "l3", ["l1", "l2"])


def test_check_array_shape_and_finiteness():
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        check_array("X", np.zeros((2, 3, 4)), ndim=2, shape_doc="(N, D)")
    with pytest.raises(ValueError, match="NaN"):
        check_array("X", np.array([[np.nan]]), ndim=2)
    assert check_array("X", [[1, 2]], ndim=2).shape == (1, 2)
