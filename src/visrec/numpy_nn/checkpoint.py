"""Checkpoints: one safetensors file holding arrays, with the JSON counters in its metadata header.

A single file is renamed into place atomically (temp file + ``os.replace``), so a crash never leaves a
half-written checkpoint, and arrays and counters can never disagree. A readable copy of the JSON part is
written beside it (``<name>.json``) for people; loading uses the copy inside the safetensors file. Nothing
is pickled.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from visrec.utils.atomic import atomic_write_json, atomic_write_with
from visrec.utils.errors import DataError

_KEY = "visrec_checkpoint"


def save_checkpoint(path: str | Path, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Write ``arrays`` and ``meta`` (JSON-able) to ``path`` (a ``.safetensors`` file) atomically."""
    from safetensors.numpy import save_file

    path = Path(path)
    text = json.dumps(meta)
    tensors = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    atomic_write_with(path, lambda tmp: save_file(tensors, str(tmp), metadata={_KEY: text}))
    atomic_write_json(path.with_suffix(".json"), meta)
    return path


def load_checkpoint(path: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """Return ``(arrays, meta)`` of a checkpoint written by :func:`save_checkpoint`."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"No checkpoint at {path}. Train first (the solver writes checkpoints/last.safetensors)."
        )
    try:
        with safe_open(str(path), framework="numpy") as fh:
            meta = json.loads((fh.metadata() or {})[_KEY])
            arrays = {k: fh.get_tensor(k) for k in fh.keys()}
    except (KeyError, json.JSONDecodeError) as exc:
        raise DataError(f"{path} is not a visrec checkpoint (no '{_KEY}' metadata).") from exc
    except Exception as exc:  # safetensors' own error type
        raise DataError(f"Could not read checkpoint {path} ({exc}); it is corrupt.") from exc
    return arrays, meta


def split_prefix(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The entries of ``arrays`` whose key starts with ``prefix + '/'``, with the prefix removed."""
    p = prefix + "/"
    return {k[len(p) :]: v for k, v in arrays.items() if k.startswith(p)}


def with_prefix(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}/{k}": v for k, v in arrays.items()}
