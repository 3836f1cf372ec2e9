"""Claim: the Recurrent Attention Model reaches >= 90% test accuracy on held-out MNIST digits (the t10k
file split 8,000 / 1,000 / 1,000 with seed 0) while seeing only its glimpses (6 glimpses of 8x8 at 2
scales by default: 6 x 2 x 64 = 768 pixel values, about the size of one 28x28 digit).

    python benchmarks/ram_mnist.py [--epochs 30] [--glimpses 6] [--quick]

Reference in the same process, on the same split and epochs: the same RAM with uniformly random glimpse
locations (no location network, no REINFORCE), so the ratio shows what the learned glimpse policy adds.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--glimpses", type=int, default=6)
    default_data = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-t10k"
    ap.add_argument("--data", default=str(default_data))
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    from visrec.rl.ram.train import RAMConfig, train_ram

    print("command:", " ".join([sys.executable, *sys.argv]))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}; "
          f"load average {os.getloadavg()[0]:.1f}")
    extra = {"epochs": args.epochs}
    if args.quick:
        extra = dict(train_size=1000, test_size=500, val_size=200, epochs=1)
    tmp = Path(tempfile.mkdtemp(prefix="ram-bench-"))
    results = {}
    for name in ("learned", "random-locations"):
        t0 = time.perf_counter()
        cfg = RAMConfig(data=args.data, glimpses=args.glimpses, out=str(tmp / name), progress=False,
                        threads=1, learn_locations=name == "learned", **extra)
        m = train_ram(cfg)
        results[name] = m
        print(f"{name}: test accuracy {m['test_acc']:.4f} on {m['test_size']} held-out digits, "
              f"{m['glimpses']} glimpses, {time.perf_counter() - t0:.0f} s (load {os.getloadavg()[0]:.1f}); "
              f"run {m['run_dir']}", flush=True)
    ratio = results["learned"]["test_acc"] / max(results["random-locations"]["test_acc"], 1e-9)
    print(f"ratio learned / random-location accuracy: {ratio:.3f}; glimpse paths: "
          f"{results['learned']['run_dir']}/plots/glimpse_paths.png")


if __name__ == "__main__":
    main()
