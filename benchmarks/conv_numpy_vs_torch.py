"""Claim: the NumPy engine's fast convolution (im2col + one GEMM) runs forward + backward within 3x of
PyTorch's ``conv2d`` (forward + autograd backward) on the same input, and is orders of magnitude faster than
the naive loop version.

Measured in one process, interleaved (numpy, torch, numpy, torch, ...) so background load hits both alike:

1. full size: batch 128, 32x32, 3x3, 64 -> 64 channels, pad 1, float32; time ratio numpy / torch;
2. achieved GFLOP/s of the numpy conv vs numpy's own float32 matmul GFLOP/s (a 2048^3 GEMM and a GEMM of
   the conv's own shape), so the ratio says how close the conv gets to what BLAS can do here;
3. naive vs fast on a small case (batch 4, 16x16, 16 -> 16; the naive loops are far too slow at full size).

Run: ``python benchmarks/conv_numpy_vs_torch.py [--repeats 3] [--quick]``
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
import torch
import torch.nn.functional as F

from visrec.numpy_nn.layers import (
    conv_backward_fast,
    conv_backward_naive,
    conv_forward_fast,
    conv_forward_naive,
)


def machine() -> str:
    return (
        f"python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs, "
        f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def numpy_step(x, w, b, dout, conv_param):
    out, cache = conv_forward_fast(x, w, b, conv_param)
    conv_backward_fast(dout, cache)


def torch_step(xt, wt, bt, dout_t, pad):
    for t in (xt, wt, bt):
        t.grad = None
    out = F.conv2d(xt, wt, bt, padding=pad)
    out.backward(dout_t)


def gemm_gflops(m: int, k: int, n: int, repeats: int) -> float:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    best = min(timed(lambda: a @ b) for _ in range(repeats))
    return 2 * m * k * n / best / 1e9


def full_size(args) -> None:
    N, C, H, W, Fn, K, pad = args.batch, 64, 32, 32, 64, 3, 1
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W), dtype=np.float32)
    w = rng.standard_normal((Fn, C, K, K), dtype=np.float32) * np.float32(0.05)
    b = rng.standard_normal(Fn, dtype=np.float32)
    dout = rng.standard_normal((N, Fn, H, W), dtype=np.float32)
    conv_param = {"stride": 1, "pad": pad}
    xt, wt, bt = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
    dout_t = torch.from_numpy(dout)

    # Correctness at full size first (float32 vs float32).
    out, cache = conv_forward_fast(x, w, b, conv_param)
    dx, dw, db = conv_backward_fast(dout, cache)
    del cache
    torch_step(xt, wt, bt, dout_t, pad)
    out_t = F.conv2d(xt, wt, bt, padding=pad).detach().numpy()
    errs = {
        name: float(np.abs(a - t).max() / np.abs(t).max())
        for name, a, t in [
            ("out", out, out_t),
            ("dx", dx, xt.grad.numpy()),
            ("dw", dw, wt.grad.numpy()),
            ("db", db, bt.grad.numpy()),
        ]
    }
    print(f"full-size check, max |numpy - torch| / max |torch| (float32): {errs}")

    t_np, t_torch = [], []
    for _ in range(args.repeats):
        t_np.append(timed(lambda: numpy_step(x, w, b, dout, conv_param)))
        t_torch.append(timed(lambda: torch_step(xt, wt, bt, dout_t, pad)))
    flops = 3 * 2 * N * H * W * Fn * C * K * K  # forward, dx and dw: three GEMMs of the same size
    med_np, med_t = statistics.median(t_np), statistics.median(t_torch)
    print(f"\n## Full size: batch {N}, {H}x{W}, {K}x{K}, {C}->{Fn}, pad {pad}, float32 (forward + backward)")
    print("| engine | times (s) | median (s) | GFLOP/s (median) |")
    print("|---|---|---|---|")
    for name, times, med in [("numpy im2col+GEMM", t_np, med_np), ("torch conv2d", t_torch, med_t)]:
        shown = ", ".join(f"{t:.2f}" for t in times)
        print(f"| {name} | {shown} | {med:.2f} | {flops / med / 1e9:.1f} |")
    ratio, best = med_np / med_t, min(t_np) / min(t_torch)
    print(f"\nratio numpy / torch: median {ratio:.2f}x, best {best:.2f}x (target <= 3x)")
    big = gemm_gflops(2048, 2048, 2048, args.repeats)
    own = gemm_gflops(N * H * W, C * K * K, Fn, args.repeats)
    shape = f"{N * H * W}x{C * K * K} @ {C * K * K}x{Fn}"
    print(f"numpy float32 matmul: 2048^3 {big:.1f} GFLOP/s; conv-shaped ({shape}) {own:.1f} GFLOP/s")
    print(
        f"numpy conv reaches {flops / med_np / 1e9 / big:.0%} of the 2048^3 matmul rate, "
        f"{flops / med_np / 1e9 / own:.0%} of the conv-shaped GEMM rate"
    )


def naive_vs_fast(args) -> None:
    N, C, H, W, Fn, K = 4, 16, 16, 16, 16, 3
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((Fn, C, K, K))
    b = rng.standard_normal(Fn)
    dout = rng.standard_normal((N, Fn, H, W))
    conv_param = {"stride": 1, "pad": 1}
    rows = []
    for name, fwd, bwd in [
        ("naive", conv_forward_naive, conv_backward_naive),
        ("fast", conv_forward_fast, conv_backward_fast),
    ]:
        tf, tb = [], []
        for _ in range(max(1, args.repeats)):
            start = time.perf_counter()
            out, cache = fwd(x, w, b, conv_param)
            mid = time.perf_counter()
            grads = bwd(dout, cache)
            tb.append(time.perf_counter() - mid)
            tf.append(mid - start)
        rows.append((name, min(tf), min(tb), out, grads))
    (_, nf, nb, out_n, g_n), (_, ff, fb, out_f, g_f) = rows
    same = np.allclose(out_n, out_f) and all(np.allclose(a, c) for a, c in zip(g_n, g_f, strict=True))
    print(
        f"\n## Naive vs fast: batch {N}, {H}x{W}, {K}x{K}, {C}->{Fn}, pad 1, float64 (best of {args.repeats})"
    )
    print("| version | forward (s) | backward (s) |")
    print("|---|---|---|")
    print(f"| naive loops | {nf:.4f} | {nb:.4f} |")
    print(f"| im2col + GEMM | {ff:.5f} | {fb:.5f} |")
    print(f"| speed-up | {nf / ff:.0f}x | {nb / fb:.0f}x |")
    print(f"naive and fast agree: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--quick", action="store_true", help="batch 16 and 1 repeat (smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.batch, args.repeats = 16, 1
    print(f"command: python {' '.join(sys.argv)}")
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {machine()}")
    full_size(args)
    naive_vs_fast(args)


if __name__ == "__main__":
    main()
