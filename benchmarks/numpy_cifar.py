"""CIFAR-10 accuracy and wall time of the NumPy engine (issue: the NumPy deep-learning engine, section 9).

Data: ../shared/data/cifar10-jpeg/train (50,000 JPEGs), seeded stratified 49,000 / 1,000 split (seed 0);
the test split is withheld, so the numbers are validation accuracies.

    python benchmarks/numpy_cifar.py --model twolayer
    python benchmarks/numpy_cifar.py --model fc
    python benchmarks/numpy_cifar.py --model convnet3 --minutes 20     # bounded wall-clock budget
    python benchmarks/numpy_cifar.py --model convnet --minutes 25
    python benchmarks/numpy_cifar.py --model all                        # all four, unbounded

Each run writes a normal run directory (runs/bench-numpy-<model>) via ``visrec.cli.train_numpy.run`` and
prints one result line. ``--reference`` also times one epoch of the same MLP in torch (CPU, float32) on the
same data in the same process, and prints the ratio (NumPy engine / torch).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from _paths import CIFAR_JPEG  # ../shared/data relative to the checkout

CIFAR = os.environ.get("VISREC_CIFAR_JPEG", str(CIFAR_JPEG))

CONFIGS = {
    "twolayer": {
        "model": "twolayer",
        "hidden": [256],
        "optimizer": "adam",
        "lr": 1e-3,
        "weight_decay": 1e-2,
        "epochs": 8,
        "batch_size": 200,
        "lr_schedule": "step:step_size=3,gamma=0.5",
    },
    "fc": {
        "model": "fc",
        "hidden": [512, 256],
        "norm": "batch",
        "dropout": 0.7,
        "optimizer": "adam",
        "lr": 1e-3,
        "weight_decay": 1e-3,
        "epochs": 10,
        "batch_size": 200,
        "lr_schedule": "step:step_size=4,gamma=0.5",
    },
    "convnet3": {
        "model": "convnet3",
        "filters": [32],
        "filter_size": 7,
        "hidden": [100],
        "optimizer": "adam",
        "lr": 1e-3,
        "weight_decay": 1e-3,
        "epochs": 5,
        "batch_size": 50,
        "init": "he",
        "lr_schedule": "step:step_size=2,gamma=0.5",
    },
    "convnet": {
        "model": "convnet",
        "filters": [[32], [64]],
        "hidden": [256],
        "norm": "batch",
        "dropout": 0.7,
        "optimizer": "adam",
        "lr": 1e-3,
        "weight_decay": 1e-4,
        "epochs": 10,
        "batch_size": 50,
        "lr_schedule": "step:step_size=3,gamma=0.5",
    },
}
TARGETS = {"twolayer": 0.50, "fc": 0.55, "convnet3": 0.60, "convnet": 0.65}


def machine() -> str:
    import numpy

    try:
        import torch

        tv = torch.__version__
    except ImportError:  # pragma: no cover
        tv = "absent"
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
        f"numpy {numpy.__version__}, torch {tv}"
    )


def torch_epoch_seconds(cfg: dict, run_dir) -> float:
    """One epoch of the same MLP (affine-ReLU stacks, batch norm/dropout as configured) in torch."""
    import numpy as np
    import torch

    from visrec.data.load import load_dataset
    from visrec.data.splits import split_dataset

    train, _, _ = split_dataset(load_dataset(CIFAR), seed=0, val_size=1000)
    X = torch.tensor(train.flat(np.float32) / 255.0)
    y = torch.tensor(train.labels)
    dims, layers = [X.shape[1], *cfg["hidden"]], []
    for a, b in zip(dims[:-1], dims[1:], strict=True):
        layers += [torch.nn.Linear(a, b)]
        layers += [torch.nn.BatchNorm1d(b)] if cfg.get("norm") == "batch" else []
        layers += [torch.nn.ReLU()]
        layers += [torch.nn.Dropout(1 - cfg["dropout"])] if cfg.get("dropout") else []
    net = torch.nn.Sequential(*layers, torch.nn.Linear(dims[-1], 10))
    opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"])
    t = time.perf_counter()
    for i in range(0, len(X) - cfg["batch_size"] + 1, cfg["batch_size"]):
        loss = torch.nn.functional.cross_entropy(
            net(X[i : i + cfg["batch_size"]]), y[i : i + cfg["batch_size"]]
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - t


def bench(
    name: str, minutes: float | None, epochs: int | None, reference: bool, resume: bool = False
) -> dict:
    from visrec.cli.train_numpy import run

    cfg = {
        **CONFIGS[name],
        "data": CIFAR,
        "val_size": 1000,
        "seed": 0,
        "out": f"runs/bench-numpy-{name}",
        "minutes": minutes,
        "verbose": True,
    }
    if epochs:
        cfg["epochs"] = epochs
    if resume:
        cfg = {"model": name, "out": cfg["out"], "resume": True, "minutes": minutes, "epochs": epochs}
    t = time.perf_counter()
    path = run(cfg)
    wall = time.perf_counter() - t
    m = json.loads((path / "metrics.json").read_text())
    per_epoch = m["wall_time_s"] / max(m["epochs_run"], 1)
    out = {
        "model": name,
        "val_acc": m["val_acc"],
        "target": TARGETS[name],
        "epochs_run": m["epochs_run"],
        "best_epoch": m["best_epoch"],
        "wall_s": round(wall, 1),
        "s_per_epoch": round(per_epoch, 1),
        "stop_reason": m["stop_reason"],
        "run_dir": str(path),
        "config": CONFIGS[name],
    }
    if reference and name in ("twolayer", "fc"):
        ref = torch_epoch_seconds(CONFIGS[name], path)
        out["torch_s_per_epoch"] = round(ref, 2)
        out["ratio_numpy_over_torch"] = round(per_epoch / ref, 2)
    print("RESULT", json.dumps(out), flush=True)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="twolayer", choices=[*CONFIGS, "all"])
    ap.add_argument("--minutes", type=float, default=None, help="wall-clock budget per model (default: none)")
    ap.add_argument("--epochs", type=int, default=None, help="override the config's epochs")
    ap.add_argument(
        "--resume", action="store_true", help="continue runs/bench-numpy-<model> (more --minutes)"
    )
    ap.add_argument("--reference", action="store_true", help="time one torch epoch of the same MLP")
    args = ap.parse_args(argv)
    print("command:", " ".join([sys.executable, *sys.argv]))
    print("machine:", machine())
    print("date:", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "| load average", os.getloadavg())
    for name in CONFIGS if args.model == "all" else [args.model]:
        bench(name, args.minutes, args.epochs, args.reference, args.resume)


if __name__ == "__main__":
    main()
