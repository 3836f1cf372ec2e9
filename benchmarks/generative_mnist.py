"""Claims (issue 11, Lecture 12), on MNIST t10k split seeded 8,000 train / 2,000 held-out, binarized by a
fixed seeded Bernoulli draw (``--binarize sample``) for the likelihood models:

- VAE: negative ELBO and importance-weighted NLL (k = 100) on the 2,000 held-out digits; target <= 100 nats
  within 15 minutes;
- PixelCNN: exact held-out NLL; target <= 92 nats within 30 minutes;
- DCGAN, LSGAN, WGAN-GP at equal training time, beside the VAE: confident-sample share, predicted-class
  entropy and the Fréchet distance of the digit classifier's features, with the real-vs-real floor
  ("GAN samples are sharper", measured).

    python benchmarks/generative_mnist.py [--vae-minutes 15] [--pixelcnn-minutes 30] [--gan-minutes 10]
    python benchmarks/generative_mnist.py --quick        # seconds, on the embedded digits: checks the script

Each result is printed with its ratio to the target (NLL / target) and, for sample scores, the ratio of the
Fréchet distance to the real-vs-real floor measured in the same process.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist-t10k"))
    ap.add_argument("--out", default="runs/bench-generative")
    ap.add_argument("--vae-minutes", type=float, default=15.0)
    ap.add_argument("--pixelcnn-minutes", type=float, default=30.0)
    ap.add_argument("--gan-minutes", type=float, default=10.0)
    ap.add_argument("--classifier-minutes", type=float, default=3.0)
    ap.add_argument("--models", default="vae,pixelcnn,dcgan,lsgan,wgan-gp")
    ap.add_argument("--quick", action="store_true", help="digits, a few seconds per model")
    args = ap.parse_args()

    import torch

    from visrec.generative.config import GenerativeConfig
    from visrec.generative.evaluate import evaluate_run
    from visrec.generative.evaluation import DigitClassifierConfig, train_digit_classifier
    from visrec.generative.train import train

    print("command:", " ".join([sys.executable, *sys.argv]))
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    data = "digits" if args.quick else args.data
    scale = 0.005 if args.quick else 1.0  # --quick: a few seconds per model
    out = Path(args.out)
    common = dict(data=data, progress=False, overwrite=True, epochs=10_000, seed=0)
    small = dict(width=8, hidden=16, layers=2) if args.quick else {}
    recipes = {
        "vae": dict(
            model="vae", latent_dim=32, width=32, lr=1e-3, batch_size=64, max_minutes=args.vae_minutes
        ),
        "pixelcnn": dict(
            model="pixelcnn", hidden=64, layers=6, lr=1e-3, batch_size=32, max_minutes=args.pixelcnn_minutes
        ),
        "dcgan": dict(model="dcgan", lr=2e-4, width=32, batch_size=64, max_minutes=args.gan_minutes),
        "lsgan": dict(model="lsgan", lr=2e-4, width=32, batch_size=64, max_minutes=args.gan_minutes),
        "wgan-gp": dict(
            model="wgan-gp",
            lr=1e-4,
            beta1=0.0,
            d_steps=5,
            width=32,
            batch_size=64,
            max_minutes=args.gan_minutes,
        ),
    }
    targets = {"vae": 100.0, "pixelcnn": 92.0}

    t0 = time.perf_counter()
    clf_cfg = DigitClassifierConfig(
        data=data,
        epochs=10_000 if not args.quick else 1,
        progress=False,
        overwrite=True,
        out=str(out / "classifier"),
        max_minutes=args.classifier_minutes * scale,
    )
    clf_path, clf_metrics = train_digit_classifier(clf_cfg)
    print(
        f"digit classifier: held-out accuracy {clf_metrics['test_acc']:.4f} in "
        f"{time.perf_counter() - t0:.0f} s "
        f"({clf_metrics['data']})"
    )

    rows = []
    for name in args.models.split(","):
        r = {**recipes[name], **small}
        r["max_minutes"] *= scale
        cfg = GenerativeConfig(
            out=str(out / name),
            iwae_k=5 if args.quick else 100,
            samples_every=0 if name == "pixelcnn" else 1,
            **common,
            **r,
        )
        t = time.perf_counter()
        path, metrics = train(cfg)
        train_s = time.perf_counter() - t
        # PixelCNN samples pixel by pixel (784 network passes per batch), so it is scored on fewer samples
        n_scored = 100 if args.quick or name == "pixelcnn" else 1000
        scores = evaluate_run(path, clf_path, n=n_scored, iwae_k=cfg.iwae_k)
        nll = scores.get("test_iwae_nll", scores.get("test_nll"))
        rows.append(
            (
                f"{name} (n={scores['n']})",
                train_s / 60,
                metrics.get("epochs_done"),
                scores.get("test_neg_elbo"),
                nll,
                targets.get(name),
                scores["confident_share"],
                scores["class_entropy"],
                scores["frechet"],
                scores["frechet_real_floor"],
            )
        )
        print(f"{name}: trained {train_s / 60:.2f} min ({metrics['status']}), run {path}")

    print()
    print(
        "| model | train min | epochs | -ELBO (nats) | NLL (nats) | NLL / target | confident | class H "
        "(max 2.303) | Fréchet | real floor | Fréchet / floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, mins, ep, elbo, nll, target, conf, ent, fd, floor in rows:
        fmt = lambda v, f="{:.2f}": "-" if v is None else f.format(v)  # noqa: E731
        ratio = None if nll is None or target is None else nll / target
        print(
            f"| {name} | {mins:.1f} | {fmt(ep)} | {fmt(elbo)} | {fmt(nll)} | {fmt(ratio, '{:.3f}')} | "
            f"{conf:.3f} | {ent:.3f} | {fd:.2f} | {floor:.2f} | {fd / max(floor, 1e-12):.1f} |"
        )
    print(f"total {(time.perf_counter() - t0) / 60:.1f} min; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
