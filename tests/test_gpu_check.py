"""benchmarks/gpu_check.sh on a machine without CUDA: it says it is skipping and exits 0."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.sh"


def test_gpu_check_skips_cleanly_without_cuda(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: run benchmarks/gpu_check.sh itself")
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    env = {**os.environ, "GPU_CHECK_OUT": str(tmp_path / "out")}
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "no CUDA GPU on this machine" in done.stdout and "skipping" in done.stdout
    assert not (tmp_path / "out").exists()  # nothing was run
