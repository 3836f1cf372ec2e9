"""Overhead of the torch trainer against a bare training loop (same model, data, order, optimizer).

    python benchmarks/trainer_overhead.py --epochs 10 --repeats 3
    python benchmarks/trainer_overhead.py --model resnet20 --data ../shared/data/cifar10-jpeg/train \
        --limit 4000 --epochs 4 --eval-every 2 --repeats 2 --threads 2     # epochs of about 10 s

Both train the same model (default ``tiny_cnn`` on the digits, batch 64, SGD momentum, cosine schedule, no
augmentation) on the same split in the same process, alternating bare / trainer runs ``--repeats`` times
and keeping each one's fastest time. Reported: the trainer's training-loop seconds (the sum of its per-epoch
``epoch_seconds``) and its whole ``train()`` call (data split, statistics, evaluation, checkpoints,
history, plots) against the bare loop's seconds. Target: training-loop overhead <= 5%.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

from visrec.data.run_data import load_splits
from visrec.torch_nn.data import TensorBatches, channel_stats
from visrec.torch_nn.optim import build_optimizer, lr_factor, set_lr
from visrec.torch_nn.registry import create_model
from visrec.torch_nn.train_config import TrainConfig
from visrec.torch_nn.trainer import train


def bare_loop(cfg: TrainConfig) -> tuple[float, float]:
    """The minimal loop: the same batches, normalization, model, optimizer and schedule; nothing else.

    Returns (seconds of the loop alone, seconds including its own data loading and set-up).
    """
    t_setup = time.perf_counter()
    split = load_splits(cfg)
    images, labels = split.train.images, split.train.labels
    mean, std = channel_stats(images)
    mean = torch.tensor(mean).reshape(1, -1, 1, 1)
    std = torch.tensor(std).reshape(1, -1, 1, 1)
    torch.manual_seed(cfg.seed)
    model = create_model(cfg.model, num_classes=split.train.num_classes, in_chans=images.shape[-1])
    opt = build_optimizer(model, cfg)
    batches = TensorBatches(images, labels, cfg.batch_size, True, cfg.seed)
    step, t0 = 0, time.perf_counter()
    model.train()
    for epoch in range(cfg.epochs):
        batches.set_epoch(epoch)
        for x, y in batches:
            set_lr(opt, lr_factor(step, len(batches), cfg))
            loss = F.cross_entropy(model((x.float() / 255 - mean) / std), y)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
    t1 = time.perf_counter()
    return t1 - t0, t1 - t_setup


def trainer_run(cfg: TrainConfig) -> tuple[float, float]:
    out = tempfile.mkdtemp(prefix="overhead-")
    t0 = time.perf_counter()
    run = train(cfg.replace(out=out))
    total = time.perf_counter() - t0
    history = [json.loads(line) for line in open(os.path.join(run, "history.jsonl"))]
    shutil.rmtree(out)
    return sum(r["epoch_seconds"] for r in history), total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--model", default="tiny_cnn")
    p.add_argument("--data", default="digits")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--eval-every", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    print("command: python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]))
    print(
        f"machine: {platform.platform()} | cpus={os.cpu_count()} | torch {torch.__version__} | numpy "
        f"{np.__version__} | threads={args.threads} | load avg {os.getloadavg()[0]:.1f}"
    )
    cfg = TrainConfig(
        model=args.model,
        data=args.data,
        limit=args.limit,
        eval_every=args.eval_every,
        threads=args.threads,
        epochs=args.epochs,
        batch_size=64,
        lr=0.05,
        optimizer="momentum",
        lr_schedule="cosine",
        progress=False,
    )
    bare, bare_setup, loop, total = [], [], [], []
    for _ in range(args.repeats):
        b, bs = bare_loop(cfg)
        bare.append(b)
        bare_setup.append(bs)
        lp, tt = trainer_run(cfg)
        loop.append(lp)
        total.append(tt)
    b, bs, lp, tt = min(bare), min(bare_setup), min(loop), min(total)
    steps = f"{args.epochs} epochs of {b / args.epochs:.1f} s:"
    print(
        f"{steps} bare loop {b:.2f} s | trainer loop {lp:.2f} s ({100 * (lp / b - 1):+.1f}%) | "
        f"whole train() {tt:.2f} s ({100 * (tt / b - 1):+.1f}%, incl. eval, checkpoints, plots)"
    )
    print(
        f"bare loop with its own data loading and set-up {bs:.2f} s: whole train() {100 * (tt / bs - 1):+.1f}%"
    )
    print(
        f"all runs: bare {[round(v, 2) for v in bare]} bare+setup {[round(v, 2) for v in bare_setup]} "
        f"loop {[round(v, 2) for v in loop]} total {[round(v, 2) for v in total]}"
    )
    print(f"load avg at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
