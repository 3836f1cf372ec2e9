"""Where the benchmarks find the real data: ../shared/data relative to the checkout (or $VISREC_SHARED_DATA)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("VISREC_SHARED_DATA", ROOT.parent / "shared" / "data"))
CIFAR_JPEG = SHARED_DATA / "cifar10-jpeg" / "train"
