"""Claim: `visrec knn` cross-validates all k with one neighbour search per fold, and gets the same scores
as fitting KNearestNeighbor(k) for every k, several times faster.

    python benchmarks/cli_knn_cv.py [--n 3000] [--ks 1,3,5,7,10,20] [--folds 5]

Uses a stratified subsample of the CIFAR-10 JPEGs in ../shared/data when present, else random 32x32x3
pixels (the timing depends only on the shapes).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--ks", default="1,3,5,7,10,20")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    ks = [int(k) for k in args.ks.split(",")]

    from visrec.classic import KNearestNeighbor
    from visrec.classic.experiments import cross_validate_knn
    from visrec.data.preprocess import MeanImage
    from visrec.data.run_data import load_splits
    from visrec.data.splits import kfold_indices

    print("command:", " ".join([sys.executable, *sys.argv]))
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, numpy {np.__version__}, python "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f}"
    )
    cifar = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar10-jpeg" / "train"
    if cifar.is_dir():
        s = load_splits(cifar, val_fraction=0.2, seed=0, limit=args.n)
        X, y, source = s.train.flat(np.float32), s.train.labels, f"CIFAR-10 JPEGs, {len(s.train)} train"
    else:
        gen = np.random.default_rng(0)
        X = gen.integers(0, 256, (int(args.n * 0.8), 3072)).astype(np.float32)
        y = gen.integers(0, 10, len(X))
        source = f"random pixels, {len(X)} x 3072"
    print(f"data: {source}; k in {ks}; {args.folds} folds")

    t0 = time.perf_counter()
    fast = cross_validate_knn(X, y, ks, "l2", args.folds, seed=0)
    t_fast = time.perf_counter() - t0

    t0 = time.perf_counter()
    slow = np.zeros_like(fast)
    for f, (tr, va) in enumerate(kfold_indices(y, args.folds, 0)):
        pre = MeanImage().fit(X[tr])
        for j, k in enumerate(ks):
            slow[j, f] = (
                KNearestNeighbor(k=k).fit(pre.transform(X[tr]), y[tr]).score(pre.transform(X[va]), y[va])
            )
    t_slow = time.perf_counter() - t0

    print(
        f"one search per fold: {t_fast:.2f} s; one fit per k and fold: {t_slow:.2f} s; "
        f"ratio {t_slow / t_fast:.1f}x; identical scores: {np.array_equal(fast, slow)}"
    )
    print("mean CV accuracy per k:", dict(zip(ks, np.round(fast.mean(1), 4).tolist(), strict=True)))


if __name__ == "__main__":
    main()
