"""Claim: skipping the first layer's input gradient makes a NumPy ConvNet training step measurably faster.

A model's ``loss(X, y)`` never needs ``d loss / d X``, so the first Conv2d computes dw and db only (no dx
GEMM, no col2im scatter). ``model.need_input_grad = True`` turns the saving off (the full backward, as a
network with an upstream layer would need). This script times one training step (forward, backward, Adam
update) of the same ConvNet both ways, interleaved (with, without, with, ...) so background load hits both
alike, and prints the median ms per step and the ratio without / with; then the first conv's backward
alone, with and without dx, to show where the difference comes from (a 3-channel first layer has a small
dx: expect a few percent of a step, most of it col2im).

Default: batch 64 of CIFAR-shaped noise (3x32x32), conv_blocks [[32], [64]], fc [256], float32, He init;
the data does not matter for timing. ``--quick`` shrinks everything to check the script runs.

Run: ``python benchmarks/numpy_first_layer_dx.py [--repeats 15] [--batch 64] [--quick]``
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time

import numpy as np

from visrec.numpy_nn.models import ConvNet
from visrec.numpy_nn.optim import Optimizer


def machine() -> str:
    return (
        f"python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs, "
        f"numpy {np.__version__}, load average {os.getloadavg()[0]:.1f}"
    )


def step_ms(model, opt, X, y) -> float:
    start = time.perf_counter()
    _, grads = model.loss(X, y)
    opt.step(model.params, grads)
    return (time.perf_counter() - start) * 1e3


def first_conv_backward_ms(model, X, repeats: int) -> tuple[float, float]:
    """Median ms of the first Conv2d's backward with need_dx False / True on the same cache."""
    conv = model.net.layers[0]
    out = conv.forward(X, "train")
    dout = np.ones_like(out)
    times = {False: [], True: []}
    for _ in range(repeats + 1):
        for need_dx in (False, True):
            start = time.perf_counter()
            conv.backward(dout, need_dx=need_dx)
            times[need_dx].append((time.perf_counter() - start) * 1e3)
    return statistics.median(times[False][1:]), statistics.median(times[True][1:])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15, help="timed steps per setting (default 15)")
    ap.add_argument("--batch", type=int, default=64, help="images per step (default 64)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, 3 repeats: check the script runs")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeats, args.batch, size, blocks, fc = 3, 8, 16, [[8], [16]], [32]
    else:
        size, blocks, fc = 32, [[32], [64]], [256]
    print("command:", " ".join([os.path.basename(sys.executable), *sys.argv]))
    print("date:", datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    print("machine:", machine())
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.batch, 3, size, size)).astype(np.float32)  # (N, C, H, W)
    y = rng.integers(0, 10, args.batch)
    model = ConvNet((3, size, size), 10, blocks, fc, dtype="float32", seed=0)
    opt = Optimizer("adam", 1e-4)
    n_params = model.num_params()
    print(f"model: ConvNet conv_blocks={blocks} fc_dims={fc}, {n_params:,} params, batch {args.batch}")
    times = {False: [], True: []}
    for flag in (False, True):  # warm-up: allocations, BLAS threads
        model.need_input_grad = flag
        step_ms(model, opt, X, y)
    for r in range(args.repeats):
        for flag in (False, True) if r % 2 == 0 else (True, False):  # alternate the order too
            model.need_input_grad = flag
            times[flag].append(step_ms(model, opt, X, y))
    with_saving = statistics.median(times[False])
    without = statistics.median(times[True])
    print(f"with the saving (no dx for conv 1):   {with_saving:8.1f} ms/step (median of {args.repeats})")
    print(f"without (full backward, dx of conv 1): {without:8.1f} ms/step")
    print(f"ratio without / with: {without / with_saving:.3f}  (saved {without - with_saving:.1f} ms/step)")
    layer_with, layer_without = first_conv_backward_ms(model, X, args.repeats)
    print(f"conv 1 backward alone: {layer_with:.2f} ms without dx, {layer_without:.2f} ms with dx")
    print("load average after:", f"{os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
