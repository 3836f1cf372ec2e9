"""Linear SVM and Softmax on CIFAR-10 (Lectures 2-3): raw pixels vs HOG + colour-histogram features.

    python benchmarks/linear_cifar.py

Data: the 50,000 CIFAR-10 training JPEGs, seeded 49,000 train / 1,000 validation split
(``train_val_test_split(labels, val_size=1000, seed=0)``); hyperparameters chosen on the validation split
by a small seeded grid (the test split is withheld).

- Pixels: float32 rows (N, 3072), mean image of the training split subtracted (``MeanImage``), bias trick
  inside ``LinearClassifier``; the course's reference is ~0.39 (SVM) / ~0.37 (Softmax) validation accuracy.
- Features: ``FeatureExtractor(("hog", "color"))`` = HOG (4 x 4 cells x 9 bins = 144) + hue histogram (10),
  standardized with the training split's mean and std; reference ~0.44. Features are cached as .npy in the
  visrec cache dir (keyed by the dataset fingerprint), so a rerun skips the extraction.

The reference run is scikit-learn's ``SGDClassifier`` (hinge / log loss) on the same features in the same
process, to show the numbers are in the expected range (it is a different optimizer, not a parity check).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import SGDClassifier

from _paths import CIFAR_JPEG  # ../shared/data relative to the checkout
from visrec.classic import LinearClassifier
from visrec.classic.features import FeatureExtractor
from visrec.data.cache import cache_dir
from visrec.data.load import load_dataset
from visrec.data.preprocess import MeanImage, Standardize
from visrec.data.splits import train_val_test_split


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (
        f"{platform.platform()} | cpus={os.cpu_count()} | python {platform.python_version()} numpy "
        f"{np.__version__} sklearn {sklearn.__version__} | load average {tuple(round(x, 1) for x in load)}"
    )


def search(name, loss, Xtr, ytr, Xva, yva, lrs, regs, iters):
    """Fit one LinearClassifier per (lr, reg); print each; return the best (val acc, lr, reg)."""
    best = (-1.0, None, None)
    for lr in lrs:
        for reg in regs:
            t = time.perf_counter()
            clf = LinearClassifier(
                loss=loss, learning_rate=lr, reg=reg, num_iters=iters, batch_size=200, seed=0
            )
            clf.fit(Xtr, ytr)
            sub = np.random.default_rng(1).choice(len(Xtr), 5000, replace=False)  # data is class-ordered
            tr_acc, va_acc = clf.score(Xtr[sub], ytr[sub]), clf.score(Xva, yva)
            print(
                f"| {name} | {loss} | {lr:g} | {reg:g} | {iters} | {tr_acc:.3f} | {va_acc:.3f} | "
                f"{time.perf_counter() - t:.1f} |",
                flush=True,
            )
            best = max(best, (va_acc, lr, reg), key=lambda b: b[0])
    return best


def reference(name, Xtr, ytr, Xva, yva):
    for loss in ("hinge", "log_loss"):
        t = time.perf_counter()
        sgd = SGDClassifier(loss=loss, alpha=1e-3, max_iter=20, tol=None, random_state=0).fit(Xtr, ytr)
        print(
            f"reference {name}: sklearn SGDClassifier(loss={loss!r}, alpha=1e-3, 20 epochs) val "
            f"{sgd.score(Xva, yva):.3f} ({time.perf_counter() - t:.1f} s)"
        )


def features(ds, tr, va):
    path = cache_dir() / f"classic-hog-color-{ds.fingerprint or 'nofp'}.npy"
    if path.is_file():
        F = np.load(path)
        print(f"features: loaded {F.shape} from {path}")
    else:
        t = time.perf_counter()
        F = FeatureExtractor(("hog", "color"), progress=False).fit(ds.images[:1]).transform(ds.images)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, F.astype(np.float32))
        print(f"features: extracted {F.shape} in {time.perf_counter() - t:.0f} s, cached at {path}")
    scaler = Standardize().fit(F[tr])
    return scaler.transform(F[tr]).astype(np.float64), scaler.transform(F[va]).astype(np.float64)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(CIFAR_JPEG))
    ap.add_argument("--iters", type=int, default=1500)
    ap.add_argument("--pixel-lrs", default="1e-7,3e-7", help="learning rates tried on raw pixels")
    ap.add_argument("--pixel-regs", default="2.5e4,5e4", help="regularization strengths tried on raw pixels")
    ap.add_argument("--pixels-only", action="store_true", help="skip the HOG + colour features part")
    args = ap.parse_args(argv)
    print("command: python " + " ".join(sys.argv))
    print("machine: " + machine())
    print("date: " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    ds = load_dataset(args.data)
    tr, va, _ = train_val_test_split(ds.labels, val_size=1000, seed=0)
    ytr, yva = ds.labels[tr], ds.labels[va]
    X = ds.images.reshape(len(ds), -1).astype(np.float32)
    mean = MeanImage().fit(X[tr])
    Xtr, Xva = mean.transform(X[tr]), mean.transform(X[va])
    print("\n| input | loss | lr | reg | iters | train acc (5k) | val acc | s |")
    print("|---|---|---|---|---|---|---|---|")
    results = {}
    for loss in ("svm", "softmax"):
        results["pixels", loss] = search(
            "pixels", loss, Xtr, ytr, Xva, yva, _floats(args.pixel_lrs), _floats(args.pixel_regs), args.iters
        )
    if args.pixels_only:
        for (inp, loss), (acc, lr, reg) in results.items():
            print(f"  {inp:9s} {loss:7s} val {acc:.3f} (lr {lr:g}, reg {reg:g})")
        return
    Ftr, Fva = features(ds, tr, va)
    for loss in ("svm", "softmax"):
        results["hog+color", loss] = search(
            "hog+color", loss, Ftr, ytr, Fva, yva, [3e-3, 1e-2], [1e-4, 1e-3, 1e-2], args.iters
        )
    print("\nbest on validation:")
    for (inp, loss), (acc, lr, reg) in results.items():
        print(f"  {inp:9s} {loss:7s} val {acc:.3f} (lr {lr:g}, reg {reg:g})")
    reference("hog+color", Ftr, ytr, Fva, yva)


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",") if v.strip()]


if __name__ == "__main__":
    main()
