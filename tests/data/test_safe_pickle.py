"""The restricted unpickler: dataset pickles load, anything that could run code is refused before it runs."""

from __future__ import annotations

import os
import pickle
import subprocess

import numpy as np
import pytest

from _data_writers import py2_pickle
from visrec.data.safe_pickle import safe_load, safe_loads
from visrec.utils.errors import DataError, UnsafePickleError


class _Evil:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvilEval:
    def __reduce__(self):
        return (eval, ("1 + 1",))


class _EvilPopen:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (subprocess.Popen, (["touch", self.marker],))


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({b"data": _Evil(marker)}, protocol=2)
    # the payload is real: plain pickle runs it (on a different marker)
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(_Evil(control), protocol=2))
    assert control.exists()
    with pytest.raises(UnsafePickleError, match=r"(posix|os|nt)\.system"):
        safe_loads(payload)
    assert not marker.exists()
    # also through a file on disk, as a CIFAR batch would be read
    path = tmp_path / "data_batch_1"
    path.write_bytes(payload)
    with pytest.raises(UnsafePickleError, match="data_batch_1"):
        safe_load(path)
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_other_callables_are_refused(tmp_path, protocol):
    marker = tmp_path / "popen"
    with pytest.raises(UnsafePickleError, match=r"(__builtin__|builtins)\.eval"):
        safe_loads(pickle.dumps(_EvilEval(), protocol=protocol))
    with pytest.raises(UnsafePickleError, match=r"(subprocess|commands)\.Popen"):
        safe_loads(pickle.dumps(_EvilPopen(marker), protocol=protocol))
    assert not marker.exists()
    # an arbitrary class instance is refused too, by name
    with pytest.raises(UnsafePickleError, match=r"collections\.OrderedDict"):
        from collections import OrderedDict

        safe_loads(pickle.dumps(OrderedDict(a=1), protocol=protocol))


def test_unsafe_pickle_error_is_a_data_error():
    assert issubclass(UnsafePickleError, DataError)


def test_codecs_encode_only_latin1():
    # protocol-2 bytes written by Python 3 use _codecs.encode(str, "latin1"): admitted
    assert safe_loads(pickle.dumps(b"\x00\xff", protocol=2)) == b"\x00\xff"
    # the same global with another codec is refused
    crafted = b"\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00abX\x05\x00\x00\x00rot13\x86R."
    assert pickle.loads(crafted) == "no"  # the crafted pickle is valid and would decode with rot13
    with pytest.raises(UnsafePickleError, match="rot13"):
        safe_loads(crafted)


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_containers_numbers_and_arrays_round_trip(protocol):
    obj = {
        b"data": np.arange(24, dtype=np.uint8).reshape(4, 6),
        b"f": np.linspace(0, 1, 5),
        "s": ["x", 1, 2.5, -3, (1, 2), {4, 5}, frozenset([6]), None, True, 1 + 2j, bytearray(b"ab")],
        b"scalar": np.float32(1.5),
    }
    out = safe_loads(pickle.dumps(obj, protocol=protocol))
    assert out.keys() == obj.keys()
    np.testing.assert_array_equal(out[b"data"], obj[b"data"])
    assert out[b"data"].dtype == np.uint8
    np.testing.assert_array_equal(out[b"f"], obj[b"f"])
    assert out["s"] == obj["s"]
    assert out[b"scalar"] == np.float32(1.5) and out[b"scalar"].dtype == np.float32


def test_python2_style_pickle_with_numpy_array():
    """The official files were written by Python 2 (str = bytes, numpy.core.multiarray._reconstruct)."""
    data = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072) % 251
    raw = py2_pickle({b"data": data, b"labels": [3, 9], b"batch_label": b"x"})
    out = safe_loads(raw)
    assert set(out) == {b"data", b"labels", b"batch_label"}
    np.testing.assert_array_equal(out[b"data"], data)
    assert out[b"labels"] == [3, 9]
    # and the writer agrees with the standard library's reading of it
    np.testing.assert_array_equal(pickle.loads(raw, encoding="bytes")[b"data"], data)


def test_object_arrays_cannot_smuggle_callables(tmp_path):
    marker = tmp_path / "obj"
    arr = np.array([_Evil(marker)], dtype=object)
    with pytest.raises(UnsafePickleError):
        safe_loads(pickle.dumps(arr, protocol=2))
    assert not marker.exists()
