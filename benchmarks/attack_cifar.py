"""Attack success rate against epsilon on a CIFAR-10 model, clean vs adversarially trained, one process.

    python benchmarks/attack_cifar.py --data ../shared/data/cifar10-jpeg/train \
        --test-data ../shared/data/cifar10-jpeg/test --model resnet20 --epochs 10 --adv-epochs 10 --eval 1000
    python benchmarks/attack_cifar.py --run runs/train-cifar --robust-run runs/train-cifar-pgd ...   # saved models
    python benchmarks/attack_cifar.py --run /tmp/cifar10min --model fast_cifar \
        --model-kwargs '{"widths": [32, 64, 128]}' --limit 10000 --adv-epochs 2   # a trained clean run vs PGD here
    python benchmarks/attack_cifar.py --quick                    # digits, tiny_cnn, 2 epochs (a smoke run)

Without --run both models are trained here with the same data, seed, architecture and epochs: one on clean
images, one by PGD adversarial training (Madry et al.: L-inf, eps --train-eps, 5 steps). Reported per eps:
FGSM and PGD-10 success rate (correct images the attack flips) and accuracy under attack, for both models;
the clean model's success rate is the reference the robust model is compared against (ratio robust/clean).
With --run (and no --test-data) the run's own train / validation split is rebuilt from its config.json, so the
attacked images are ones its model never trained on. Writes plots/success_vs_eps.png under --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from visrec.explain import ExplainModel
from visrec.explain.figures import plot_success
from visrec.explain.generate import adversarial_training_step, success_rate
from visrec.explain.runner import open_model
from visrec.torch_nn import create_model


def header(argv):
    print("command: python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]))
    print(
        f"machine: {platform.platform()} | cpus={os.cpu_count()} | torch {torch.__version__} | numpy "
        f"{np.__version__} | threads={torch.get_num_threads()} | load avg {os.getloadavg()[0]:.1f}"
    )


def pixels(ds, limit=None):
    idx = (
        np.arange(len(ds.images))
        if limit is None
        else np.random.default_rng(0).permutation(len(ds.images))[:limit]
    )
    x = torch.from_numpy(ds.images[idx]).permute(0, 3, 1, 2).float() / 255.0
    return x, torch.from_numpy(ds.labels[idx])


def train_model(x, y, args, adversarial: bool, class_names) -> ExplainModel:
    torch.manual_seed(args.seed)
    mean = x.mean(dim=(0, 2, 3)).tolist()
    std = x.std(dim=(0, 2, 3)).clamp_min(1e-3).tolist()
    kw = {"in_chans": x.shape[1]} if args.model == "tiny_cnn" else dict(args.model_kwargs)
    if args.model == "tiny_cnn":
        kw["img_size"] = x.shape[-1]
    model = ExplainModel(create_model(args.model, num_classes=len(class_names), **kw), mean, std, class_names)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    epochs = args.adv_epochs if adversarial else args.epochs
    t0 = time.perf_counter()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), args.batch_size):
            idx = perm[i : i + args.batch_size]
            if adversarial:
                adversarial_training_step(model, opt, x[idx], y[idx], eps=args.train_eps, steps=5)
            else:
                loss = F.cross_entropy(model(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    print(
        f"trained {'PGD-adversarial' if adversarial else 'clean'} {args.model}: {epochs} epochs in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    return model.eval()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="digits")
    ap.add_argument("--test-data", default=None)
    ap.add_argument("--run", help="A trained (clean) torch run directory instead of training here.")
    ap.add_argument("--robust-run", help="An adversarially trained run directory.")
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--model-kwargs", type=json.loads, default={}, help='e.g. \'{"widths": [32, 64, 128]}\'')
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--adv-epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--train-eps", type=float, default=8 / 255)
    ap.add_argument("--eps", default="0,0.5,1,2,4,8,16", help="Comma-separated eps in grey levels (/255).")
    ap.add_argument("--limit", type=int, default=None, help="Training images used.")
    ap.add_argument("--eval", type=int, default=1000, help="Test images attacked.")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/bench-attack")
    ap.add_argument("--quick", action="store_true", help="digits, tiny_cnn, 2 epochs, 100 test images")
    args = ap.parse_args(argv)
    if args.quick:
        args.data, args.model, args.epochs, args.adv_epochs, args.eval = "digits", "tiny_cnn", 2, 2, 100
        args.eps, args.train_eps, args.lr = "0,8,32,64", 32 / 255, 1e-2
    header(argv)
    from visrec.data.load import load_dataset

    train = test = None
    if args.run and not args.test_data:  # the run's own validation split: images its model never saw
        from visrec.data.run_data import SPLIT_KEYS, load_splits
        from visrec.runs import RunDir

        cfg = RunDir(args.run).read_config()["config"]
        keys = [k for k in SPLIT_KEYS if k != "test_data" and cfg.get(k) is not None]
        splits = load_splits(**{k: cfg[k] for k in keys})
        train, test = splits.train, splits.val
        print(f"data: {args.run}'s own split of {cfg['data']}: {len(train.images)} train, {len(test.images)} "
              "validation (attacked)")
    else:
        train = load_dataset(args.data)
        test = load_dataset(args.test_data) if args.test_data else None
    if test is None:  # hold out the last 20% of --data
        n = len(train.images)
        cut = int(0.8 * n)
        perm = np.random.default_rng(args.seed).permutation(n)
        test = type(train)(train.images[perm[cut:]], train.labels[perm[cut:]], train.class_names)
        train = type(train)(train.images[perm[:cut]], train.labels[perm[:cut]], train.class_names)
    x, y = pixels(train, args.limit)
    xt, yt = pixels(test, args.eval)
    clean = open_model(args.run) if args.run else train_model(x, y, args, False, train.class_names)
    robust = (
        open_model(args.robust_run) if args.robust_run else train_model(x, y, args, True, train.class_names)
    )
    eps = [float(e) / 255 for e in args.eps.split(",")]
    curves = {}
    for name, model in (("clean", clean), ("adv-trained", robust)):
        for attack, kw in (("fgsm", {}), ("pgd", {"steps": 10})):
            t0 = time.perf_counter()
            curves[f"{name} {attack}"] = success_rate(model, xt, yt, eps, attack=attack, **kw)
            curves[f"{name} {attack}"]["seconds"] = time.perf_counter() - t0
    print(f"\n{len(xt)} test images; eps in grey levels; success = flipped / correctly classified")
    print(f"{'model / attack':<20} {'clean acc':>9} " + " ".join(f"{e * 255:>6g}" for e in eps))
    for label, res in curves.items():
        print(f"{label:<20} {res['clean_acc']:>9.3f} " + " ".join(f"{s:>6.3f}" for s in res["success"]))
    for attack in ("fgsm", "pgd"):
        c, r = curves[f"clean {attack}"]["success"], curves[f"adv-trained {attack}"]["success"]
        ratios = " ".join(f"{(b / a if a > 0 else float('nan')):>6.2f}" for a, b in zip(c, r, strict=True))
        print(f"ratio robust/clean {attack:<4}        {ratios}")
    out = Path(args.out)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    plot_success(out / "plots" / "success_vs_eps.png", curves)
    print(f"plot: {out / 'plots' / 'success_vs_eps.png'}")


if __name__ == "__main__":
    main()
