"""``visrec generate evaluate RUN``: held-out likelihoods and classifier-based sample scores of one run.

Explicit models are scored on the held-out part of the very split they were trained on (read back from
model.json): exact NLL for PixelCNN / PixelRNN, negative ELBO and the k-sample importance-weighted NLL for
the VAE, in nats per image and bits per dimension. With a digit classifier every model (GANs included) also
gets :func:`visrec.generative.evaluation.sample_quality`: samples of a binarized model are compared with the
binarized held-out digits (the VAE's samples drawn as x ~ p(x|z)), the others with the 8-bit digits.
The scores go to RUN/evaluation.json.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.generative.autoencoder import few_label_probe
from visrec.generative.data import to_unit
from visrec.generative.evaluation import load_digit_classifier, sample_quality
from visrec.generative.train import evaluate_heldout, heldout_data
from visrec.generative.wrapper import load_generative
from visrec.utils.atomic import atomic_write_json

__all__ = ["evaluate_run"]


def _probe(gm, data, labels_per_class: int, seed: int) -> dict:
    """Softmax on the frozen encoder's codes vs on pixels, with ``labels_per_class`` labels per class."""
    rng = np.random.default_rng(seed)
    labels = data.train_labels.numpy()
    idx = np.concatenate([rng.permutation(np.flatnonzero(labels == k))[:labels_per_class] for k in np.unique(labels)])
    x_train, x_test = to_unit(data.train[idx], gm.levels), to_unit(data.test, gm.levels)
    out = few_label_probe(
        gm.net.encoder.cpu(),
        x_train,
        data.train_labels[idx],
        x_test,
        data.test_labels,
        num_classes=int(labels.max()) + 1,
    )
    return {f"probe_{k}": v for k, v in out.items()}


def evaluate_run(
    run: str | Path, classifier: str | Path | None = None, n: int = 1000, iwae_k: int = 100, seed: int = 0
) -> dict:
    """Scores of the run in ``run`` (see the module docstring); also written to RUN/evaluation.json."""
    gm = load_generative(run)
    data = heldout_data(gm.meta)
    scores: dict = {"model": gm.name, "heldout": len(data.test), "data": data.describe()}
    if gm.name not in ("dcgan", "lsgan", "wgan-gp"):
        held = evaluate_heldout(gm, data.test, iwae_k=iwae_k if gm.name == "vae" else 0, seed=seed)
        scores.update({f"test_{k}": v for k, v in held.items()})
        if gm.name == "vae":
            scores["iwae_k"] = iwae_k
    if gm.name == "ae":  # the lecture's use of the encoder: features for a classifier trained on few labels
        scores.update(_probe(gm, data, labels_per_class=10, seed=seed))
    if classifier is not None:
        clf = load_digit_classifier(classifier)
        samples = gm.sample(n, seed=seed, binary=True)
        real = gm.real_images(data.test)
        scores.update(sample_quality(clf, samples, real, seed=seed))
        scores["classifier"] = str(classifier)
    atomic_write_json(Path(run) / "evaluation.json", scores)
    return scores
