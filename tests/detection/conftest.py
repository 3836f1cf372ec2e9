"""Fixtures of the detection tests: the torchvision oracles and the real data (each skips when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SHARED_DATA = Path(os.environ.get("VISREC_SHARED_DATA", SHARED / "data"))
ORACLES = SHARED / "oracles"


@pytest.fixture(scope="session")
def tv_ops():
    """torchvision's frozen outputs (``../shared/oracles/torchvision_ops.npz``), as a dict of arrays."""
    path = ORACLES / "torchvision_ops.npz"
    if not path.is_file():
        pytest.skip(f"torchvision oracles not found at {path}")
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


@pytest.fixture
def nuclei_dir() -> Path:
    path = SHARED_DATA / "nuclei"
    if not (path / "img2d.tif").is_file():
        pytest.skip(f"nuclei data not found at {path}")
    return path


@pytest.fixture
def trees_voc_dir() -> Path:
    path = SHARED_DATA / "trees-voc"
    if not (path / "Annotations").is_dir():
        pytest.skip(f"trees-voc data not found at {path}")
    return path
