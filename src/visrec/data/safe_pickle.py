"""A restricted unpickler for dataset files that are pickles (the CIFAR-10 "python version").

``pickle.load`` runs whatever callable the file names, so a downloaded pickle can execute arbitrary code
(``os.system``, ``builtins.eval``, ...). :class:`SafeUnpickler` admits only what a dataset pickle needs:
plain containers (dict, list, tuple, set), str, bytes, numbers, and NumPy arrays. Containers, str, bytes
and numbers are built by pickle opcodes and need no global at all; the only globals admitted are the few
NumPy needs to rebuild an ndarray, ``set``/``frozenset``/``bytearray``/``complex``, and ``_codecs.encode``
restricted to latin-1 (how Python 3 writes bytes in protocol 2). Anything else raises
:class:`~visrec.utils.errors.UnsafePickleError` naming the ``module.attr`` it asked for; nothing from the
file is called before that check.

>>> import io, pickle
>>> safe_loads(pickle.dumps({b"labels": [1, 2]}, protocol=2))
{b'labels': [1, 2]}
"""

from __future__ import annotations

import codecs
import importlib
import io
import os
import pickle

from visrec.utils.errors import UnsafePickleError

_NUMPY_GLOBALS = {
    # how ndarrays and NumPy scalars are rebuilt, under both NumPy 1 (numpy.core) and 2 (numpy._core)
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}
_BUILTIN_GLOBALS = {"set", "frozenset", "bytearray", "complex"}
_LATIN1 = {"latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1"}


def _latin1_encode(obj, encoding="utf-8", errors="strict"):
    """``_codecs.encode`` limited to the latin-1 use of protocol-2 bytes (no other codec is reachable)."""
    if not isinstance(obj, str) or str(encoding).lower() not in _LATIN1:
        raise UnsafePickleError(
            f"Refusing _codecs.encode with encoding {encoding!r}: "
            "only latin-1 (how protocol 2 stores bytes) is admitted."
        )
    return codecs.encode(obj, "latin-1", errors)


def _resolve_numpy(module: str, name: str):
    # numpy.core was renamed numpy._core in NumPy 2; old pickles name the old module
    candidates = [
        module,
        module.replace("numpy.core", "numpy._core"),
        module.replace("numpy._core", "numpy.core"),
    ]
    for mod in dict.fromkeys(candidates):
        try:
            return getattr(importlib.import_module(mod), name)
        except (ImportError, AttributeError):
            continue
    raise UnsafePickleError(f"Cannot resolve {module}.{name} in this NumPy version.")


class SafeUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` admits only containers, numbers, str, bytes and ndarrays.

    Parameters
    ----------
    file : a binary file object
    source : a name for the file, used in error messages
    encoding : how Python 2 ``str`` objects are decoded; ``"bytes"`` (the official CIFAR-10 loader's choice)
        keeps them as bytes, so dict keys read back as ``b"data"``, ``b"labels"``
    """

    def __init__(self, file, *, source: str = "<pickle>", encoding: str = "bytes"):
        super().__init__(file, encoding=encoding)
        self.source = source

    def find_class(self, module: str, name: str):
        if (module, name) in _NUMPY_GLOBALS:
            return _resolve_numpy(module, name)
        if module in ("builtins", "__builtin__") and name in _BUILTIN_GLOBALS:
            return getattr(__import__("builtins"), name)
        if module == "_codecs" and name == "encode":
            return _latin1_encode
        raise UnsafePickleError(
            f"Refusing to load {self.source}: it asks for '{module}.{name}', but only plain containers, "
            "str, bytes, numbers and NumPy arrays are admitted. The file may be malicious or is not a "
            "dataset pickle; do not load it with pickle.load."
        )


def safe_load(path: str | os.PathLike, encoding: str = "bytes"):
    """Unpickle a file with :class:`SafeUnpickler`."""
    with open(path, "rb") as fh:
        return SafeUnpickler(fh, source=str(path), encoding=encoding).load()


def safe_loads(data: bytes, encoding: str = "bytes", source: str = "<bytes>"):
    """Unpickle bytes with :class:`SafeUnpickler`."""
    return SafeUnpickler(io.BytesIO(data), source=source, encoding=encoding).load()
