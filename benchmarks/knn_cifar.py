"""k-NN on CIFAR-10 pixels (Lecture 2): accuracy (k by 5-fold CV) and speed/memory against scikit-learn.

    python benchmarks/knn_cifar.py --part accuracy     # CV over k, validation accuracy at k=1 and best k
    python benchmarks/knn_cifar.py --part speed        # 1,000 and 10,000 queries vs 49,000 training images

Data: the 50,000 CIFAR-10 training JPEGs, split seeded 49,000 train / 1,000 validation
(``train_val_test_split(labels, val_size=1000, seed=0)``). Pixels as float32 rows (N, 3072), no
preprocessing (the course's k-NN on raw pixels).

Speed: ``KNearestNeighbor(k).predict`` vs ``sklearn KNeighborsClassifier(k, algorithm="brute")`` on the same
float32 arrays, in the same process, alternately; the ratio is visrec / scikit-learn (< 1: visrec faster).
Predictions must be identical (asserted). Peak extra memory = peak RSS during the call (VmHWM after resetting
it through /proc/self/clear_refs) minus RSS before. The 10,000 queries are horizontally mirrored copies of the
first 10,000 training images: new images (not in the training set) with realistic neighbours.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import sklearn
from sklearn.neighbors import KNeighborsClassifier

from _paths import CIFAR_JPEG  # ../shared/data relative to the checkout
from visrec.classic import KNearestNeighbor
from visrec.classic.neighbors import kneighbors
from visrec.data.load import load_dataset
from visrec.data.splits import kfold_indices, train_val_test_split

KS = [1, 3, 5, 8, 10, 12, 15, 20, 50, 100]


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (
        f"{platform.platform()} | {platform.processor() or platform.machine()} | cpus={os.cpu_count()} | "
        f"python {platform.python_version()} numpy {np.__version__} sklearn {sklearn.__version__} | "
        f"load average {tuple(round(x, 1) for x in load)}"
    )


def _status() -> dict:
    with open("/proc/self/status") as f:
        return {ln.split(":")[0]: int(ln.split()[1]) * 1024 for ln in f if ln.startswith(("VmRSS", "VmHWM"))}


def measure(fn):
    """(result, wall seconds, cpu seconds, peak extra bytes)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak-RSS counter
        before = _status()["VmRSS"]
    except OSError:
        before = None
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    extra = (_status()["VmHWM"] - before) if before is not None else float("nan")
    return out, wall, cpu, extra


def votes(labels_k: np.ndarray, n_classes: int) -> np.ndarray:
    """Majority vote with ties to the smallest label (KNearestNeighbor's rule). (M, k) -> (M,)."""
    counts = np.zeros((len(labels_k), n_classes), dtype=np.int64)
    np.add.at(counts, (np.arange(len(labels_k))[:, None], labels_k), 1)
    return counts.argmax(1)


def load(path):
    ds = load_dataset(path)
    tr, va, _ = train_val_test_split(ds.labels, val_size=1000, seed=0)
    X = ds.images.reshape(len(ds), -1)
    return (
        X[tr].astype(np.float32),
        ds.labels[tr],
        X[va].astype(np.float32),
        ds.labels[va],
        ds.images[tr],
    )


def cross_validate(X, y, metric, n, seed=0):
    """5-fold CV accuracy for every k in KS on a seeded subsample of n training images."""
    rng = np.random.default_rng(seed)
    sub = rng.choice(len(X), n, replace=False)
    Xs, ys = X[sub], y[sub]
    acc = np.zeros((5, len(KS)))
    for f, (tr, va) in enumerate(kfold_indices(ys, k=5, seed=seed)):
        _, ind = kneighbors(Xs[va], Xs[tr], max(KS), metric)
        for j, k in enumerate(KS):
            acc[f, j] = (votes(ys[tr][ind[:, :k]], 10) == ys[va]).mean()
    return acc


def part_accuracy(args, Xtr, ytr, Xva, yva):
    print("\n## Accuracy (validation = the seeded 1,000)")
    for metric, n in (("l2", args.cv_subsample), ("l1", args.l1_cv_subsample)):
        (acc), wall, _, _ = measure(lambda metric=metric, n=n: cross_validate(Xtr, ytr, metric, n))
        mean, std = acc.mean(0), acc.std(0)
        best = KS[int(np.argmax(mean))]
        print(f"\n5-fold CV, {metric.upper()}, subsample {n} of the 49,000 ({wall:.0f} s):")
        print("k:    " + " ".join(f"{k:6d}" for k in KS))
        print("mean: " + " ".join(f"{m:6.3f}" for m in mean))
        print("std:  " + " ".join(f"{s:6.3f}" for s in std))
        print(f"best k by CV: {best}")
        nq = min(args.l1_val, len(Xva)) if metric == "l1" else len(Xva)
        # A seeded random subset of the validation queries (the folder order is class-ordered).
        sel = np.sort(np.random.default_rng(0).choice(len(Xva), nq, replace=False))
        knn = KNearestNeighbor(k=max(KS), metric=metric).fit(Xtr, ytr)
        (dist_ind), wall, _, _ = measure(lambda knn=knn, sel=sel: knn.kneighbors(Xva[sel]))
        ind = dist_ind[1]
        for k in sorted({1, best}):
            pred = knn.classes_[votes(knn.y_[ind[:, :k]], 10)]
            acc = (pred == yva[sel]).mean()
            print(f"validation accuracy {metric.upper()} k={k}: {acc:.4f} ({nq} queries vs 49,000)")
        print(f"({metric.upper()} neighbour search for {nq} queries: {wall:.1f} s)")


def part_speed(args, Xtr, ytr, Xva, yva, images_tr):
    print("\n## Speed and memory: visrec KNearestNeighbor vs sklearn KNeighborsClassifier(algorithm='brute')")
    mirrored = images_tr[: max(args.queries)][:, :, ::-1, :].reshape(max(args.queries), -1).astype(np.float32)
    print(
        "| metric | k | queries | visrec s (cpu s) | sklearn s (cpu s) | ratio wall | ratio cpu | "
        "visrec extra MB | sklearn extra MB | identical |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    runs = (("l2", "euclidean", args.queries), ("l1", "manhattan", [args.l1_speed]))
    for metric, sk_metric, queries in runs:
        for nq in queries:
            Q = Xva if nq == len(Xva) else mirrored[:nq]
            ours = KNearestNeighbor(k=args.k, metric=metric).fit(Xtr, ytr)
            ref = KNeighborsClassifier(n_neighbors=args.k, algorithm="brute", metric=sk_metric).fit(Xtr, ytr)
            p1, w1, c1, m1 = measure(lambda ours=ours, Q=Q: ours.predict(Q))
            p2, w2, c2, m2 = measure(lambda ref=ref, Q=Q: ref.predict(Q))
            same = int((p1 == p2).sum())
            print(
                f"| {metric.upper()} | {args.k} | {nq} | {w1:.1f} ({c1:.1f}) | {w2:.1f} ({c2:.1f}) | "
                f"{w1 / w2:.2f} | {c1 / c2:.2f} | {m1 / 2**20:.0f} | {m2 / 2**20:.0f} | {same}/{nq} |",
                flush=True,
            )
            assert same == nq, f"{nq - same} predictions differ from scikit-learn"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(CIFAR_JPEG))
    ap.add_argument("--part", choices=["accuracy", "speed", "all"], default="all")
    ap.add_argument("--cv-subsample", type=int, default=5000)
    ap.add_argument("--l1-cv-subsample", type=int, default=2000)
    ap.add_argument("--l1-val", type=int, default=500, help="validation queries for L1 (slow: no GEMM)")
    ap.add_argument("--queries", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 10000])
    ap.add_argument("--l1-speed", type=int, default=200, help="queries for the L1 speed comparison")
    ap.add_argument("--k", type=int, default=1)
    args = ap.parse_args(argv)
    print("command: python " + " ".join(sys.argv))
    print("machine: " + machine())
    print("date: " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    Xtr, ytr, Xva, yva, images_tr = load(args.data)
    print(f"data: {len(Xtr)} train / {len(Xva)} validation, D = {Xtr.shape[1]}, float32")
    if args.part in ("accuracy", "all"):
        part_accuracy(args, Xtr, ytr, Xva, yva)
    if args.part in ("speed", "all"):
        part_speed(args, Xtr, ytr, Xva, yva, images_tr)


if __name__ == "__main__":
    main()
