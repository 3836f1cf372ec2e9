"""Shared fixtures: paths to the real data (skipped cleanly when absent) and a private cache dir."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Test files are imported by path (--import-mode=importlib), so two packages may both have test_models.py;
# the shared testers (tests/_testers.py) are imported by name from this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("VISREC_NO_PROGRESS", "1")
# One BLAS thread per pytest worker (-n 2 on 2 cores): loops of small matmuls run several times faster.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

try:  # one intra-op thread per pytest worker: with -n 2 on 2 cores, more threads only oversubscribe
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - torch is a runtime dependency
    pass

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("VISREC_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own decode cache, so tests never touch the user's."""
    monkeypatch.setenv("VISREC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "visrec-cache"))


@pytest.fixture
def cifar_jpeg_dir() -> Path:
    path = SHARED_DATA / "cifar10-jpeg" / "train"
    if not path.is_dir():
        pytest.skip(f"real CIFAR-10 JPEGs not found at {path}")
    return path


@pytest.fixture
def mnist_dir() -> Path:
    path = SHARED_DATA / "mnist-t10k"
    if not path.is_dir():
        pytest.skip(f"MNIST t10k not found at {path}")
    return path
