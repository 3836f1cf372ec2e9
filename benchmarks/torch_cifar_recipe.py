"""CIFAR-10 records from `visrec train`: validation accuracy, images/s and GFLOP/s of a named recipe.

    python benchmarks/torch_cifar_recipe.py --config configs/cifar10-10min.json       # the 10-minute claim
    python benchmarks/torch_cifar_recipe.py --config configs/cifar10-60min.json       # the 60-minute claim
    python benchmarks/torch_cifar_recipe.py --config configs/cifar10-10min.json --quick   # a 1-minute check

A thin caller of :func:`visrec.torch_nn.trainer.train` (the same call `visrec train --config ...` makes), so
the number it prints is what a user gets. It prints the command, the machine and its load average, the
per-epoch table from the run's history.jsonl, the final validation accuracy (with and without TTA), the
training images/s, the achieved GFLOP/s (3 x the forward FLOPs counted by ``FlopCounterMode`` per training
image) and, as the reference measured in the same process, this machine's float32 GEMM rate (2048^3) and
the recipe's share of it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cifar10-jpeg" / "train"


def machine() -> str:
    return (f"{platform.platform()} | {platform.processor() or platform.machine()} | cpus={os.cpu_count()} | "
            f"torch {torch.__version__} threads={torch.get_num_threads()}")


def gemm_gflops(n: int = 2048, repeats: int = 3) -> float:
    """This machine's float32 matrix-multiply rate (the reference for the recipe's efficiency)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    t = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - t) / 1e9


def flops_per_image(model, shape) -> float:
    """Forward FLOPs of one image (a multiply-add counts as 2)."""
    from torch.utils.flop_counter import FlopCounterMode

    model = model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(4, *shape))
    return counter.get_total_flops() / 4


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=str(ROOT / "configs" / "cifar10-10min.json"))
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--minutes", type=float, default=None, help="override the recipe's --max-minutes")
    p.add_argument("--out", default=None)
    p.add_argument("--quick", action="store_true", help="1 minute on 5,000 images: checks the script runs")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args(argv)

    from visrec.torch_nn.registry import create_model
    from visrec.torch_nn.train_config import TrainConfig
    from visrec.torch_nn.trainer import train

    overrides = {"data": args.data, "out": args.out, "overwrite": args.out is not None}
    if args.minutes is not None:
        overrides["max_minutes"] = args.minutes
    if args.quick:
        overrides.update(max_minutes=1.0, limit=5000, val_size=500)
    cfg = TrainConfig.from_sources(args.config, overrides)
    print("command: python " + " ".join([sys.argv[0], *(argv or sys.argv[1:])]))
    print(f"machine: {machine()} | load average {os.getloadavg()[0]:.1f} at start")
    reference = gemm_gflops()
    print(f"reference: float32 GEMM 2048^3 = {reference:.0f} GFLOP/s in this process")
    t0 = time.perf_counter()
    run = train(cfg)
    wall = time.perf_counter() - t0
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    metrics = json.loads((run / "metrics.json").read_text())
    model = create_model(cfg.model, num_classes=10, **cfg.model_options())
    fwd = flops_per_image(model, (3, 32, 32))
    for r in history:
        val = f"  val {r['val_acc']:.4f}" if "val_acc" in r else ""
        print(f"epoch {r['epoch']:3d}  {r['elapsed_s'] / 60:5.2f} min  loss {r['train_loss']:.3f}{val}  "
              f"{r['images_per_s']:.0f} img/s")
    ips = sum(r["images_per_s"] for r in history) / len(history)
    result = {
        "config": args.config, "run": str(run), "status": metrics["status"], "epochs": len(history),
        "wall_minutes": wall / 60, "val_acc": metrics.get("val_acc"), "best_val_acc": metrics["best_val_acc"],
        "val_acc_tta": metrics.get("val_acc_tta"), "images_per_s": ips, "gflop_forward_per_image": fwd / 1e9,
        "achieved_gflop_per_s": 3 * fwd * ips / 1e9, "reference_gemm_gflop_per_s": reference,
        "load_average_end": os.getloadavg()[0],
    }
    result["share_of_gemm_rate"] = result["achieved_gflop_per_s"] / reference
    print(f"final: {len(history)} epochs, {wall / 60:.2f} min wall; val {result['val_acc']:.4f} (best "
          f"{result['best_val_acc']:.4f}), with TTA {result['val_acc_tta']}; {ips:.0f} img/s = "
          f"{result['achieved_gflop_per_s']:.1f} GFLOP/s = {result['share_of_gemm_rate']:.2f} x the GEMM rate; "
          f"load average {result['load_average_end']:.1f} at the end")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
