"""Claim: the vectorised RoI align / RoI pool / NMS of visrec.detection.ops give the slow readable
references' results, many times faster (and NMS loops only over the kept boxes).

    python benchmarks/detection_ops.py [--rois 256] [--channels 64] [--boxes 2000] [--quick]

Reference runs in the same process: the loop implementations beside each op (``*_reference``), a naive
per-pair Python NMS. torchvision cannot be installed here, so its speed is not measured; its *results*
are pinned by the tests (tests/detection/test_ops_*.py against ../shared/oracles).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import torch


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def random_rois(k: int, n: int, h: int, w: int, scale: float, gen: torch.Generator) -> torch.Tensor:
    xy = torch.rand(k, 2, generator=gen) * torch.tensor([w / scale, h / scale]) * 0.8
    wh = 8 + torch.rand(k, 2, generator=gen) * torch.tensor([w / scale, h / scale]) * 0.4
    batch = torch.randint(0, n, (k, 1), generator=gen).float()
    return torch.cat([batch, xy, xy + wh], 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rois", type=int, default=256)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--boxes", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = ap.parse_args()
    if args.quick:
        args.rois, args.channels, args.boxes = 8, 4, 200
    torch.set_num_threads(args.threads)

    from visrec.detection import ops

    print("command:", " ".join([sys.executable, *sys.argv]))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({args.threads} thread(s)), python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    gen = torch.Generator().manual_seed(0)
    n, h, w, scale = 2, 50, 68, 1 / 16  # an 800 x 1088 image at stride 16
    x = torch.randn(n, args.channels, h, w, generator=gen)
    rois = random_rois(args.rois, n, h, w, scale, gen)
    ref_rois = rois[: max(2, args.rois // 32)]  # the loops are slow: time them on a slice, report per roi

    def align(inp, r):
        return ops.roi_align(inp, r, 7, scale, 2, True)

    def align_ref(inp, r):
        return ops.roi_align_reference(inp, r, 7, scale, 2, True)

    def pool(inp, r):
        return ops.roi_pool(inp, r, 7, scale)

    def pool_ref(inp, r):
        return ops.roi_pool_reference(inp, r, 7, scale)

    def forward_backward(fn):
        xg = x.clone().requires_grad_()
        fn(xg, rois).sum().backward()

    rows = []
    for name, fast, slow in [("roi_align 7x7 sr2", align, align_ref), ("roi_pool 7x7", pool, pool_ref)]:
        torch.testing.assert_close(fast(x, ref_rois), slow(x, ref_rois))
        t_fast = best_of(lambda f=fast: f(x, rois), 3) / len(rois)
        t_slow = best_of(lambda s=slow: s(x, ref_rois), 1) / len(ref_rois)
        rows.append((name, f"{args.rois} rois x {args.channels} ch", t_fast * 1e6, t_slow * 1e6))
        t_back = best_of(lambda f=fast: forward_backward(f), 3)
        rows.append((name + " fwd+bwd", "", t_back / len(rois) * 1e6, float("nan")))

    xy = torch.rand(args.boxes, 2, generator=gen) * 600
    boxes = torch.cat([xy, xy + 20 + torch.rand(args.boxes, 2, generator=gen) * 80], 1)
    scores = torch.rand(args.boxes, generator=gen)
    keep = ops.nms(boxes, scores, 0.5)
    assert keep.tolist() == ops.nms_reference(boxes, scores, 0.5).tolist()
    t_fast = best_of(lambda: ops.nms(boxes, scores, 0.5), 3)
    t_slow = best_of(lambda: ops.nms_reference(boxes, scores, 0.5), 1)
    rows.append(("nms iou 0.5", f"{args.boxes} boxes -> {len(keep)} kept", t_fast * 1e6, t_slow * 1e6))

    print(f"{'op':24s} {'size':28s} {'fast us':>12s} {'reference us':>14s} {'speed-up':>9s}")
    for name, size, fast_us, slow_us in rows:
        ratio = slow_us / fast_us if slow_us == slow_us else float("nan")
        slow_text = f"{slow_us:14.1f}" if slow_us == slow_us else f"{'-':>14s}"
        ratio_text = f"{ratio:8.1f}x" if ratio == ratio else f"{'-':>9s}"
        print(f"{name:24s} {size:28s} {fast_us:12.1f} {slow_text} {ratio_text}")
    print("(roi rows: microseconds per roi; nms: microseconds per call. Results equal the references.)")


if __name__ == "__main__":
    main()
