"""The docstring examples of visrec.explain run as doctests."""

import doctest
import importlib
import pkgutil

import pytest

import visrec.explain

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(visrec.explain.__path__, "visrec.explain.") if ".web" not in m.name
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
