"""The peer, side by side: airbench94's own training code on this project's CIFAR-10 split, on the CPU.

    git clone https://github.com/KellerJordan/cifar10-airbench
    python benchmarks/peer_airbench94.py --airbench cifar10-airbench/legacy/airbench94.py \\
        --widths 32,64,128 --epochs 9        # against configs/cifar10-10min.json (seed 0)
    python benchmarks/peer_airbench94.py --airbench cifar10-airbench/legacy/airbench94.py   # airbench94 as is

Why: `visrec train`'s recipes are measured on JPEG copies of the 50,000 training images, 45,000 / 5,000
split, while airbench94's 94% is measured on the lossless images with all 50,000 for training. Running the
peer's unmodified training loop on the same split, the same machine and the same threads tells what is the
recipe's and what is the data's.

What is changed, at run time, in the peer's source (nothing of it is copied into this project):
- the device: ``.cuda()`` calls are removed, its ``torch.load`` maps to the CPU, CUDA events become
  wall-clock timers, and ``half`` becomes ``float`` (a CPU has no fast float16 convolutions);
- ``torchvision`` (which cannot be installed beside the pinned CPU torch) is replaced by a stand-in for the
  one class the script uses, ``transforms.Normalize``;
- the data: its ``cifar10/train.pt`` and ``test.pt`` are written from this project's seeded split (train =
  the 45,000, "test" = the 5,000 validation images), decoded by :func:`visrec.data.run_data.load_splits`;
- ``--widths`` and ``--epochs`` override ``hyp``; everything else (batch 1024, lr, schedule, lookahead, TTA)
  is the peer's.

It prints the command, the machine, its load average, the peer file's sha256, the peer's own per-epoch
table, and the images/s. Written for legacy/airbench94.py of the repository's commit f1c599c (sha256
0b155e0ff0e696bc); a version without the lines it ports is refused with a message.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
import types
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import header  # noqa: E402
from torch_cifar_recipe import gemm_gflops  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cifar10-jpeg" / "train"

# (text in the peer's source, replacement): each must occur, or the peer changed and this script says so.
CPU_PORT = [
    ("net = net.half().cuda()", "net = net.float()"),
    ("map_location=torch.device(gpu)", "map_location='cpu'"),
    ("self.images.half() / 255", "self.images.float() / 255"),
    ("torch.cuda.Event(enable_timing=True)", "_WallClock()"),
    ("torch.cuda.synchronize()", "None"),
]


def _refuse(message: str) -> None:
    """A bad flag: one message on stderr, exit status 2."""
    print(message, file=sys.stderr)
    raise SystemExit(2)


class _WallClock:
    """What the peer needs of a CUDA event: record() and elapsed_time(later) in milliseconds."""

    def record(self):
        self.t = time.perf_counter()

    def elapsed_time(self, later: _WallClock) -> float:
        return 1e3 * (later.t - self.t)


class _Normalize:
    """torchvision.transforms.Normalize for an (N, C, H, W) tensor."""

    def __init__(self, mean, std):
        self.mean, self.std = torch.as_tensor(mean), torch.as_tensor(std)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean.view(-1, 1, 1).to(x.dtype)) / self.std.view(-1, 1, 1).to(x.dtype)


def _stand_in_torchvision() -> None:
    tv = types.ModuleType("torchvision")
    tv.transforms = types.ModuleType("torchvision.transforms")
    tv.transforms.Normalize = _Normalize
    tv.datasets = types.ModuleType("torchvision.datasets")
    sys.modules.update({"torchvision": tv, "torchvision.transforms": tv.transforms,
                        "torchvision.datasets": tv.datasets})


def load_peer(path: Path) -> dict:
    """The peer's module namespace, ported to the CPU (see CPU_PORT)."""
    source = path.read_text()
    for old, new in CPU_PORT:
        if old not in source:
            _refuse(f"--airbench {path}: the peer's source no longer contains {old!r}; this port was "
                    "written for legacy/airbench94.py of KellerJordan/cifar10-airbench (commit f1c599c).")
        source = source.replace(old, new)
    _stand_in_torchvision()
    namespace = {"__name__": "airbench94_cpu", "__file__": str(path), "_WallClock": _WallClock}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace


def write_split(folder: Path, data: str, seed: int, val_size: int) -> tuple[int, int]:
    """The peer's cifar10/{train,test}.pt from this project's seeded split."""
    from visrec.data.run_data import load_splits

    splits = load_splits(data, val_size=val_size, seed=seed)
    (folder / "cifar10").mkdir(parents=True, exist_ok=True)
    for name, part in (("train", splits.train), ("test", splits.val)):
        torch.save({"images": torch.from_numpy(part.images), "labels": torch.from_numpy(part.labels),
                    "classes": list(part.class_names)}, folder / "cifar10" / f"{name}.pt")
    return len(splits.train), len(splits.val)


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--airbench", required=True, type=Path, help="the peer's legacy/airbench94.py")
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--widths", default=None, help="block widths, e.g. 32,64,128 (default: the peer's)")
    p.add_argument("--epochs", type=float, default=None, help="train_epochs (default: the peer's 9.9)")
    p.add_argument("--seed", type=int, default=0, help="the split's seed (visrec train --seed)")
    p.add_argument("--val-size", type=int, default=5000)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    if not args.airbench.is_file():
        _refuse(f"--airbench {args.airbench}: no such file; clone KellerJordan/cifar10-airbench and pass its "
                "legacy/airbench94.py.")
    parts = args.widths.split(",") if args.widths else []
    if parts and (len(parts) != 3 or not all(x.strip().isdigit() and int(x) > 0 for x in parts)):
        _refuse(f"--widths {args.widths}: expected three positive integers, e.g. --widths 32,64,128.")
    widths = [int(x) for x in parts]
    if args.epochs is not None and not args.epochs > 0:
        _refuse(f"--epochs {args.epochs}: expected a positive number of epochs, e.g. --epochs 9.")
    header()
    torch.set_num_threads(args.threads)
    print(f"reference: float32 GEMM 2048^3 = {gemm_gflops():.0f} GFLOP/s in this process")
    peer = load_peer(args.airbench)
    hyp = peer["hyp"]
    if widths:
        hyp["net"]["widths"] = dict(zip(("block1", "block2", "block3"), widths, strict=True))
    if args.epochs is not None:
        hyp["opt"]["train_epochs"] = args.epochs
    digest = hashlib.sha256(args.airbench.read_bytes()).hexdigest()[:16]
    print(f"peer: {args.airbench} (sha256 {digest}) | threads {torch.get_num_threads()} | hyp {hyp}")
    with tempfile.TemporaryDirectory(prefix="airbench-split-") as tmp:
        n_train, n_val = write_split(Path(tmp), args.data, args.seed, args.val_size)
        print(f"data: {args.data}, seed {args.seed}: {n_train} train / {n_val} validation ('test' to the peer)")
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            peer["print_columns"](peer["logging_columns_list"], is_head=True)
            t = time.perf_counter()
            tta_acc = peer["main"](0)
            wall = time.perf_counter() - t
        finally:
            os.chdir(cwd)
    images = n_train * hyp["opt"]["train_epochs"]
    print(f"result: TTA validation accuracy {tta_acc:.4f}; {wall / 60:.1f} min wall (evaluations included), "
          f"{images / wall:.0f} training img/s over the wall time")
    return tta_acc


if __name__ == "__main__":
    main()
