"""Training an image captioner on the run layer: shapes scenes or COCO captions, BLEU on held-out images.

One epoch visits every training image once, with one of its captions drawn at random (seeded); the
loss is the masked per-word cross-entropy (teacher forcing). After training, corpus BLEU-1..4 of the
decoded captions (greedy, or beam search with ``--beam``) against all reference captions is measured on
the validation images and, for shapes, on the split of novel colour-shape combinations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from visrec.data.images import read_image
from visrec.runs import TrainSession
from visrec.sequence.bleu import corpus_bleu
from visrec.sequence.config import CaptionConfig
from visrec.sequence.data.coco import read_coco_captions
from visrec.sequence.data.shapes import make_shapes
from visrec.sequence.data.vocab import WordVocab, tokenize
from visrec.sequence.models.captioner import caption_loss
from visrec.sequence.models.image_captioner import ImageCaptioner
from visrec.sequence.optim import lr_at, make_optimizer
from visrec.torch_nn.checkpoint import load_checkpoint, restore_checkpoint, save_checkpoint
from visrec.utils.errors import DataError

__all__ = ["CaptionSplit", "load_caption_data", "train_caption", "to_tensor", "evaluate_bleu"]


@dataclass
class CaptionSplit:
    images: np.ndarray  # uint8 (N, S, S, 3)
    captions: list[list[list[str]]]  # per image, its tokenized reference captions


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) -> float (N, 3, H, W) in [0, 1]."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0


def load_caption_data(cfg: CaptionConfig) -> dict[str, CaptionSplit]:
    """{'train', 'val'[, 'novel']}: generated shapes scenes, or a COCO caption file (+ --images-dir)."""
    S = cfg.image_size
    if cfg.data == "shapes":
        out = {}
        for split, n in (("train", cfg.shapes_train), ("val", cfg.shapes_val), ("novel", cfg.shapes_val)):
            ds = make_shapes(n, split, seed=cfg.seed, image_size=S)
            out[split] = CaptionSplit(ds.images, ds.captions)
        return out
    if cfg.images_dir is None:
        raise DataError(
            f"--data {cfg.data}: a COCO caption file needs --images-dir (the folder of its images)."
        )
    records = read_coco_captions(cfg.data, cfg.images_dir)
    if cfg.limit:
        records = records[: cfg.limit]
    images = np.stack([read_image(r.path, "RGB", size=(S, S)) for r in records])
    captions = [[tokenize(c) for c in r.captions] for r in records]
    order = np.random.default_rng(cfg.seed).permutation(len(records))
    n_val = max(1, int(round(cfg.val_fraction * len(records))))
    if len(records) - n_val < 1:
        raise DataError(f"--data {cfg.data}: {len(records)} captioned image(s) leave none for training.")
    va, tr = order[:n_val], order[n_val:]
    return {
        "train": CaptionSplit(images[tr], [captions[i] for i in tr]),
        "val": CaptionSplit(images[va], [captions[i] for i in va]),
    }


def evaluate_bleu(
    model: ImageCaptioner,
    vocab: WordVocab,
    split: CaptionSplit,
    max_length: int,
    beam: int = 1,
    batch_size: int = 256,
) -> dict:
    """Corpus BLEU-1..4 of the model's captions of ``split`` against all its references."""
    model.eval()
    cands = []
    for s in range(0, len(split.images), batch_size):
        ids = model.caption(to_tensor(split.images[s : s + batch_size]), max_length, beam=beam)
        cands.extend(vocab.decode(i).split() for i in ids)
    scores = corpus_bleu(split.captions, cands)
    return {f"bleu{n}": scores[f"bleu{n}"] for n in range(1, 5)} | {
        "examples": [" ".join(c) for c in cands[:5]]
    }


def train_caption(cfg: CaptionConfig, echo: Callable[[str], None] = print) -> dict:
    """Train (or resume) a captioner; returns metrics.json's content."""
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    data = load_caption_data(cfg)
    train = data["train"]
    vocab = WordVocab.build([c for caps in train.captions for c in caps], cfg.min_count)
    encoded = [[vocab.encode(c, cfg.max_length) for c in caps] for caps in train.captions]
    n = len(train.images)
    steps_per_epoch = max(1, -(-n // cfg.batch_size))
    total = cfg.epochs * steps_per_epoch
    model = ImageCaptioner(
        len(vocab),
        cfg.model,
        cfg.inject,
        cfg.encoder_width,
        cfg.embed,
        cfg.hidden,
        cfg.attention_dim,
        cfg.encoder,
        cfg.image_size,
    )
    optimizer = make_optimizer(model.parameters(), cfg)
    meta = {
        "kind": "caption",
        "model": model.config,
        "words": vocab.words,
        "image_size": cfg.image_size,
        "max_length": cfg.max_length,
    }
    images_t = to_tensor(train.images)
    echo(f"captions: {cfg.data}: {n} training images, V = {len(vocab)} words, model {cfg.model}")

    def checkpoint(session, done):
        save_checkpoint(session.run.checkpoint_stem("last"), model, optimizer, meta={**meta, "step": done})

    with TrainSession(cfg, command="caption", total_steps=total) as s:
        start = 0
        if s.resumed:
            tensors, info = load_checkpoint(s.run.checkpoint_stem("last"))
            restore_checkpoint(tensors, info, model, optimizer)
            start = int(info["step"])
        model.train()
        order = picks = None
        for step in s.steps(start):
            epoch, k = divmod(step, steps_per_epoch)
            if order is None or k == 0:  # the epoch's shuffle and caption choice, a function of the epoch
                r = np.random.default_rng([cfg.seed, epoch])
                order = r.permutation(n)
                picks = [int(r.integers(len(e))) for e in encoded]
            idx = order[k * cfg.batch_size : (k + 1) * cfg.batch_size]
            caps = torch.from_numpy(np.stack([encoded[i][picks[i]] for i in idx]))
            for g in optimizer.param_groups:
                g["lr"] = lr_at(step, total, cfg)
            loss = caption_loss(model(images_t[idx], caps[:, :-1]), caps[:, 1:])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            s.log(loss=loss.item())
            if k == steps_per_epoch - 1:
                record = {"train_loss": loss.item(), "lr": optimizer.param_groups[0]["lr"]}
                if (epoch + 1) % cfg.eval_every == 0 or step + 1 == total:
                    bleu = evaluate_bleu(model, vocab, data["val"], cfg.max_length)
                    record["val_bleu4"] = bleu["bleu4"]
                    echo(
                        f"epoch {epoch + 1}: loss {loss.item():.3f}, val BLEU-4 {bleu['bleu4']:.3f}: "
                        f"{bleu['examples'][0]!r}"
                    )
                    model.train()
                s.record(epoch=float(epoch + 1), **record)
                checkpoint(s, step + 1)
        if s.step < total:
            checkpoint(s, s.step)
        s.run.save_model({k: v.contiguous() for k, v in model.state_dict().items()}, meta)
        metrics = {"train_images": n, "vocab_size": len(vocab)}
        for split in ("val", "novel"):
            if split in data:
                bleu = evaluate_bleu(model, vocab, data[split], cfg.max_length, beam=cfg.beam)
                metrics |= {f"{split}_{k}": v for k, v in bleu.items()}
        return s.finish(metrics)
