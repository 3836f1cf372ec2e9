"""Claim: a cached reload of the 50,000 CIFAR-10 JPEGs takes about a second, versus a cold decode.

Measures, in one process, on the real image folder (default ../shared/data/cifar10-jpeg/train):
  1. cold decode with visrec's default settings (process pool of 2 for big folders), writing the cache;
  2. cold decode serially (workers=1) on a subset, as the per-image reference;
  3. the cached reload (median of several), and ``np.load`` of the cached .npy alone (the floor).
A private temporary cache folder is used, so the user's ~/.cache/visrec is left alone.

    python benchmarks/data_cache.py [--data PATH] [--repeats 3] [--serial-per-class 500]
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cifar10-jpeg" / "train"


def machine() -> str:
    def v(name):
        try:
            return version(name)
        except Exception:
            return "absent"

    return (
        f"{platform.platform()} | python {platform.python_version()} | {os.cpu_count()} CPUs | "
        f"numpy {v('numpy')} | pillow {v('pillow')} | torch {v('torch')} | "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--serial-per-class", type=int, default=500, help="images per class for the serial run")
    args = p.parse_args(argv)
    print("command:", shlex.join([sys.executable, *sys.argv]))
    print("machine:", machine())
    if not args.data.is_dir():
        sys.exit(f"data folder {args.data} not found; pass --data")
    os.environ["VISREC_NO_PROGRESS"] = "1"
    with tempfile.TemporaryDirectory(prefix="visrec-bench-cache-") as tmp:
        os.environ["VISREC_CACHE_DIR"] = tmp
        import numpy as np

        from visrec.data.image_folder import load_image_folder

        t_cold, ds = timed(lambda: load_image_folder(args.data))
        n = len(ds)
        print(f"cold decode (default: pool of 2) : {t_cold:7.2f} s  {n} images {ds.images.shape}  "
              f"{t_cold / n * 1e6:6.1f} us/image")  # fmt: skip
        m = args.serial_per_class
        t_ser, sub = timed(lambda: load_image_folder(args.data, limit_per_class=m, cache=False, workers=1))
        per_serial = t_ser / len(sub)
        print(f"cold decode serial, {len(sub)} images: {t_ser:7.2f} s  {per_serial * 1e6:6.1f} us/image "
              f"(-> {per_serial * n:.1f} s for {n})")  # fmt: skip
        reloads = []
        for _ in range(args.repeats):
            t, again = timed(lambda: load_image_folder(args.data))
            assert again.extra["cached"] and np.array_equal(again.images, ds.images)
            reloads.append(t)
        t_hit = statistics.median(reloads)
        runs = [round(r, 3) for r in reloads]
        print(f"cached reload (median of {args.repeats})  : {t_hit:7.2f} s  runs {runs}")
        npy = Path(tmp) / f"{ds.fingerprint}.images.npy"
        t_npy, _ = timed(lambda: np.load(npy, allow_pickle=False))
        print(f"np.load of the .npy alone        : {t_npy:7.2f} s  ({npy.stat().st_size / 2**20:.0f} MiB)")
        print(f"ratio cold/cached: {t_cold / t_hit:.1f}x")
        print(f"ratio serial-extrapolated/cached: {per_serial * n / t_hit:.1f}x")
        print("load average at the end:", " ".join(f"{x:.1f}" for x in os.getloadavg()))
        print(f"cached reload overhead over np.load (scan + stat of {n} files + hash): {t_hit - t_npy:.2f} s")


if __name__ == "__main__":
    main()
