"""Style transfer time per image, L-BFGS vs Adam, and fast style transfer images/s, in one process.

    python benchmarks/style_speed.py --size 256 --steps 100            # vgg11_cifar-shaped feature network
    python benchmarks/style_speed.py --run runs/train-vgg11-cifar --size 256
    python benchmarks/style_speed.py --weights vgg16.pth --model vgg16 --size 256
    python benchmarks/style_speed.py --quick                           # 64 px, 5 steps (a smoke run)

Content chelsea, style coffee (scikit-image's bundled photos), the course's loss weights. Both optimizers get
``--steps`` iterations (L-BFGS: up to that many, each with its line-search evaluations; all evaluations
are counted and reported). Fast style transfer: a TransformNet (width --width) stylizing ``--size`` images,
forward only; the reference is the Adam optimization of one image (speed-up = how many images the network
stylizes in the time Adam stylizes one). Timing does not depend on the weights.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import torch

from visrec.explain import ExplainModel
from visrec.explain.generate.runner import _rgb_pixels
from visrec.explain.generate.style import TransformNet, style_transfer
from visrec.explain.runner import open_model
from visrec.torch_nn import create_model


def header(argv):
    print("command: python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]))
    print(
        f"machine: {platform.platform()} | cpus={os.cpu_count()} | torch {torch.__version__} | numpy "
        f"{np.__version__} | threads={torch.get_num_threads()} | load avg {os.getloadavg()[0]:.1f}"
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run")
    ap.add_argument("--weights")
    ap.add_argument("--model", default="vgg11_cifar")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--quick", action="store_true", help="64 px, 5 steps, width 8")
    args = ap.parse_args(argv)
    if args.quick:
        args.size, args.steps, args.width, args.batch = 64, 5, 8, 2
    header(argv)
    torch.manual_seed(0)
    if args.run or args.weights:
        model = open_model(args.run, args.weights, args.model)
    else:
        model = ExplainModel(create_model(args.model, num_classes=10), (0.5,) * 3, (0.25,) * 3).eval()
    content, style = _rgb_pixels("chelsea", args.size), _rgb_pixels("coffee", args.size)
    print(
        f"feature network: {getattr(model.net, 'model_name', '?')} | content {tuple(content.shape)} | "
        f"steps {args.steps}"
    )
    times = {}
    for opt in ("lbfgs", "adam"):
        res = style_transfer(model, content, style, optimizer=opt, steps=args.steps, lr=0.02)
        times[opt] = res.seconds
        print(
            f"{opt:<6} {res.seconds:8.2f} s per image | {len(res.losses)} loss evaluations | "
            f"{res.seconds / len(res.losses) * 1e3:.0f} ms each | loss {res.losses[0]:.3g} -> {res.losses[-1]:.3g}"
        )
    print(f"ratio L-BFGS / Adam time: {times['lbfgs'] / times['adam']:.2f}x")
    net = TransformNet(3, args.width, 3).eval()
    h = args.size - args.size % 4
    x = torch.rand(args.batch, 3, h, h)
    with torch.no_grad():
        net(x)  # warm-up
        t0, n = time.perf_counter(), 0
        while time.perf_counter() - t0 < 3.0 or n < 2:
            net(x)
            n += 1
    ips = n * args.batch / (time.perf_counter() - t0)
    print(
        f"fast style transfer (width {args.width}): {ips:.2f} images/s at {h} px | "
        f"speed-up over Adam optimization: {ips * times['adam']:.0f}x"
    )


if __name__ == "__main__":
    main()
