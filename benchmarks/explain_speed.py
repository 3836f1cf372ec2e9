"""Time per saliency / Grad-CAM map: visrec.explain against captum, same model and inputs, one process.

    python benchmarks/explain_speed.py --model resnet20 --batch 32 --repeats 20
    python benchmarks/explain_speed.py --run runs/train-cifar      # a trained run directory
    python benchmarks/explain_speed.py --quick                     # tiny_cnn, a few repeats (a smoke run)

Both sides compute the same attributions (checked equal before timing); each is run ``--repeats`` times,
alternating, and the fastest run is kept. Reported: ms per batch and the ratio visrec / captum (target
<= 1.0x). Timing does not depend on the weights, so a fresh model is fine without --run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch
from captum.attr import LayerGradCam as CLayerGradCam
from captum.attr import Saliency as CSaliency

from visrec.explain import ExplainModel
from visrec.explain.attribution import LayerGradCam, Saliency
from visrec.explain.runner import open_model
from visrec.torch_nn import create_model


def header(argv, threads):
    print("command: python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]))
    print(
        f"machine: {platform.platform()} | cpus={os.cpu_count()} | torch {torch.__version__} | numpy "
        f"{np.__version__} | threads={threads} | load avg {os.getloadavg()[0]:.1f}"
    )


def fastest(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", help="A torch run directory (default: a fresh --model).")
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="tiny_cnn, batch 4, 5 repeats")
    args = ap.parse_args(argv)
    if args.quick:
        args.model, args.batch, args.repeats = "tiny_cnn", 4, 5
    if args.threads:
        torch.set_num_threads(args.threads)
    header(argv, torch.get_num_threads())
    torch.manual_seed(0)
    if args.run:
        model = open_model(args.run)
    else:
        net = create_model(args.model, num_classes=10)
        model = ExplainModel(net, (0.5,) * 3, (0.25,) * 3)
    model.eval()
    c, h, w = model.input_size or (3, args.size, args.size)
    x = torch.rand(args.batch, c, h, w)
    target = torch.randint(0, model.num_classes or 10, (args.batch,))
    layer = [m for m in model.net.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    pairs = {
        "saliency": (
            lambda: Saliency(model).attribute(x, target=target),
            lambda: CSaliency(model).attribute(x.clone().requires_grad_(True), target=target),
        ),
        "gradcam": (
            lambda: LayerGradCam(model, layer).attribute(x, target=target),
            lambda: CLayerGradCam(model, layer).attribute(x, target=target),
        ),
    }
    print(
        f"model: {getattr(model.net, 'model_name', type(model.net).__name__)} | input ({args.batch}, {c}, {h}, {w})"
        f" | repeats {args.repeats} (fastest kept)"
    )
    print(f"{'method':<10} {'visrec ms':>10} {'captum ms':>10} {'ratio':>7}   (fastest of each)")
    for name, (ours, theirs) in pairs.items():
        torch.testing.assert_close(ours(), theirs(), rtol=1e-4, atol=1e-6)  # same answer first
        for _ in range(3):  # warm-up: allocator, autograd graph caches
            ours(), theirs()
        t_ours, t_ref = [], []
        for i in range(args.repeats):  # alternate (and swap the order), so drifting load hits both alike
            order = ((ours, t_ours), (theirs, t_ref)) if i % 2 == 0 else ((theirs, t_ref), (ours, t_ours))
            for fn, sink in order:
                sink.append(fastest(fn, 1))
        a, b = min(t_ours), min(t_ref)
        ma, mb = statistics.median(t_ours), statistics.median(t_ref)
        print(
            f"{name:<10} {1e3 * a:>10.2f} {1e3 * b:>10.2f} {a / b:>6.2f}x   (medians {1e3 * ma:.2f} / "
            f"{1e3 * mb:.2f} ms, {ma / mb:.2f}x)"
        )


if __name__ == "__main__":
    main()
