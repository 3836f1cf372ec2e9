"""Fast CIFAR-10 on CPU: validation accuracy against wall-clock minutes (airbench-style recipe).

    python benchmarks/torch_cifar_recipe.py --minutes 10                 # the 10-minute claim
    python benchmarks/torch_cifar_recipe.py --minutes 60 --widths 64,128,256   # the 60-minute claim
    python benchmarks/torch_cifar_recipe.py --probe    # img/s: fp32 vs bf16 vs channels_last

Recipe (ideas from Keller Jordan's airbench94, written from the description):
- data: /work/shared/data/cifar10-jpeg/train, seeded stratified 45,000 / 5,000 train / val split;
  per-channel normalization from the training split; the whole split lives in one uint8 tensor;
- model: :class:`visrec.torch_nn.models.fast_cifar.FastCifarNet` whose frozen 2x2 stem holds the whitening
  filters of the training patches' covariance;
- augmentation: alternating flips (each image is flipped in every other epoch, starting at random) and random
  translation by up to 2 px;
- optimization: Nesterov SGD, label smoothing 0.2, no weight decay on BatchNorm/bias, batch 512, and a
  *time-aware* triangular learning rate: progress p = max(step / planned_steps, elapsed / budget), lr rises
  linearly over the first 20% of p and falls linearly to 0 at p = 1, so training anneals exactly when the
  wall-clock budget runs out however loaded the machine is;
- evaluation: every epoch on the 5,000 validation images, and at the end with TTA
  (flip + 1-pixel translations).

Prints the machine, the command, images/s, achieved GFLOP/s (FLOPs counted by
``torch.utils.flop_counter.FlopCounterMode``) and the accuracy-vs-minutes table (also as JSON with --json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from visrec.torch_nn.augment import random_crop
from visrec.torch_nn.models.fast_cifar import FastCifarNet
from visrec.torch_nn.optim import param_groups
from visrec.torch_nn.tta import predict_logits

DATA = "/work/shared/data/cifar10-jpeg/train"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=DATA)
    p.add_argument("--minutes", type=float, default=10.0, help="wall-clock training budget")
    p.add_argument(
        "--epochs", type=float, default=100.0, help="upper bound on epochs (the budget usually ends first)"
    )
    p.add_argument("--widths", default="32,64,128")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--lr", type=float, default=0.2)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--label-smoothing", type=float, default=0.2)
    p.add_argument("--val-size", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="budget clock: wall time, or process CPU time / threads (idle-machine equivalent "
        "minutes, for runs on a loaded machine)",
    )
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (measure with --probe first)")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--probe", action="store_true", help="only measure training images/s of the variants")
    p.add_argument("--json", default=None, help="write the results here")
    return p.parse_args(argv)


def machine() -> str:
    return (
        f"{platform.platform()} | {platform.processor() or platform.machine()} | cpus={os.cpu_count()} | "
        f"torch {torch.__version__} threads={torch.get_num_threads()} | numpy {np.__version__} | "
        f"load avg {os.getloadavg()[0]:.1f}"
    )


def load_cifar(path: str, val_size: int, seed: int):
    from visrec.data.load import load_dataset
    from visrec.data.splits import train_val_test_split

    t = time.perf_counter()
    ds = load_dataset(path)
    tr, va, _ = train_val_test_split(ds.labels, 0.0, 0.0, seed, val_size=val_size)
    x = torch.from_numpy(ds.images).permute(0, 3, 1, 2).contiguous()  # (N, 3, 32, 32) uint8
    y = torch.from_numpy(ds.labels)
    print(f"loaded {len(ds)} images in {time.perf_counter() - t:.1f} s; train {len(tr)} / val {len(va)}")
    return x[tr], y[tr], x[va], y[va]


def normalizer(x_train: torch.Tensor):
    xf = x_train.float() / 255
    mean = xf.mean(dim=(0, 2, 3)).reshape(1, -1, 1, 1)
    std = xf.std(dim=(0, 2, 3)).reshape(1, -1, 1, 1)
    return lambda x: (x.float() / 255 - mean) / std


def flops_per_image(model, shape=(3, 32, 32)) -> float:
    """Forward FLOPs of one image (FlopCounterMode counts a multiply-add as 2 FLOPs)."""
    from torch.utils.flop_counter import FlopCounterMode

    was = model.training
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(8, *shape))
    model.train(was)
    return counter.get_total_flops() / 8


@torch.no_grad()
def accuracy(model, x, y, norm, tta=False, batch=1000) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        logits = predict_logits(model, norm(x[i : i + batch]), tta=tta, translate=1 if tta else 0)
        correct += int((logits.argmax(1) == y[i : i + batch]).sum())
    model.train()
    return correct / len(x)


def lr_at(progress: float, warm: float = 0.2) -> float:
    """Triangular schedule on training progress p in [0, 1]."""
    if progress < warm:
        return 0.1 + 0.9 * progress / warm
    return max(0.0, (1 - progress) / (1 - warm))


def probe(args, widths):
    x = torch.randn(args.batch_size, 3, 32, 32)
    y = torch.randint(0, 10, (args.batch_size,))
    rows = []
    for name, cl, bf16 in [
        ("fp32", False, False),
        ("fp32 channels_last", True, False),
        ("bf16 autocast", False, True),
    ]:
        torch.manual_seed(0)
        model = FastCifarNet(widths=widths)
        xx = x
        if cl:
            model = model.to(memory_format=torch.channels_last)
            xx = x.contiguous(memory_format=torch.channels_last)
        opt = torch.optim.SGD(param_groups(model, 5e-4), lr=0.01, momentum=0.9, nesterov=True)
        times = []
        for i in range(4):
            t = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = F.cross_entropy(model(xx), y)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            if i > 0:
                times.append(time.perf_counter() - t)
        ips = args.batch_size / np.median(times)
        rows.append((name, ips))
        print(f"  {name:20s} {ips:7.0f} img/s (median of 3 steps of {args.batch_size})", flush=True)
    return rows


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    widths = tuple(int(w) for w in args.widths.split(","))
    print("command: python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]))
    print("machine:", machine())
    if args.probe:
        rows = probe(args, widths)
        if args.json:
            json.dump({"probe": rows, "machine": machine()}, open(args.json, "w"), indent=1)
        return
    xtr, ytr, xva, yva = load_cifar(args.data, args.val_size, args.seed)
    norm = normalizer(xtr)
    model = FastCifarNet(widths=widths)
    model.init_whitening(norm(xtr[torch.randperm(len(xtr))[:5000]]))
    fwd_flops = flops_per_image(model)
    print(
        f"model widths={widths}: {sum(p.numel() for p in model.parameters()):,} params, "
        f"{fwd_flops / 1e9:.3f} GFLOP forward per image (x3 for a training step)"
    )
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(
        param_groups(model, args.weight_decay), lr=args.lr, momentum=args.momentum, nesterov=True
    )
    n, bs = len(xtr), args.batch_size
    steps_per_epoch = n // bs
    planned = int(args.epochs * steps_per_epoch)
    budget = 60 * args.minutes
    clock = time.perf_counter if args.clock == "wall" else (lambda: time.process_time() / args.threads)
    c0 = clock()
    gen = torch.Generator().manual_seed(args.seed)
    flip_phase = torch.randint(0, 2, (n,), generator=gen)  # alternating flips: image i flipped when
    table, step, seen, t0 = [], 0, 0, time.perf_counter()  # (phase_i + epoch) is odd
    train_time, epoch, progress = 0.0, 0, 0.0
    while progress < 1:
        order = torch.randperm(n, generator=gen)
        t_ep = time.perf_counter()
        for i in range(steps_per_epoch):
            idx = order[i * bs : (i + 1) * bs]
            x = norm(xtr[idx])  # (B, 3, 32, 32)
            flip = ((flip_phase[idx] + epoch) % 2).bool()
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            x = random_crop(x, 2, gen)
            if args.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            progress = max(step / planned, (clock() - c0) / budget)
            for g in opt.param_groups:
                g["lr"] = args.lr * lr_at(progress)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                loss = F.cross_entropy(model(x), ytr[idx], label_smoothing=args.label_smoothing)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            step, seen = step + 1, seen + bs
            if progress >= 1:
                break
        train_time += time.perf_counter() - t_ep
        epoch += 1
        c_eval = clock()
        acc = accuracy(model, xva, yva, norm)
        c0 += clock() - c_eval  # evaluation does not count against the training budget
        row = {
            "epoch": epoch,
            "train_minutes": train_time / 60,
            "wall_minutes": (time.perf_counter() - t0) / 60,
            "budget_clock_minutes": (clock() - c0) / 60,
            "val_acc": acc,
            "loss": float(loss.detach()),
            "images_per_s": seen / train_time,
        }
        table.append(row)
        print(
            f"epoch {epoch:2d}  clock {row['budget_clock_minutes']:5.2f} min  "
            f"train {row['train_minutes']:5.2f} min  wall {row['wall_minutes']:5.2f} min  "
            f"loss {row['loss']:.3f}  val {acc:.4f}  {row['images_per_s']:.0f} img/s",
            flush=True,
        )
    tta_acc = accuracy(model, xva, yva, norm, tta=True)
    ips = seen / train_time
    result = {
        "machine": machine(),
        "args": vars(args),
        "widths": widths,
        "gflop_forward_per_image": fwd_flops / 1e9,
        "images_per_s": ips,
        "achieved_gflop_per_s": 3 * fwd_flops * ips / 1e9,
        "epochs": seen / n,
        "train_minutes": train_time / 60,
        "wall_minutes": (time.perf_counter() - t0) / 60,
        "val_acc": table[-1]["val_acc"],
        "val_acc_tta": tta_acc,
        "table": table,
    }
    print(
        f"final: {seen / n:.2f} epochs in {train_time / 60:.2f} min of training; "
        f"val {result['val_acc']:.4f}, "
        f"with TTA {tta_acc:.4f}; {ips:.0f} img/s = {result['achieved_gflop_per_s']:.1f} GFLOP/s "
        "(3 x forward FLOPs per training image)"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
