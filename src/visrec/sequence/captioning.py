"""A trained captioner with its vocabulary: captions for raw images, attention maps, figures.

``load_captioner(run_dir)`` rebuilds the model of a ``visrec caption train`` run (model.json kind
"caption"); it is also the predictor loader of that kind. Its ``caption(images uint8 (N, H, W, 3))``
returns strings; images are resized to the training size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from visrec.runs import load_model
from visrec.sequence.data.vocab import WordVocab
from visrec.sequence.models.image_captioner import ImageCaptioner
from visrec.utils.errors import DataError

__all__ = ["Captioner", "load_captioner", "draw_caption", "draw_attention"]


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image

    if images.shape[1:3] == (size, size):
        return images
    return np.stack(
        [np.asarray(Image.fromarray(im).resize((size, size), Image.Resampling.BILINEAR)) for im in images]
    )


class Captioner:
    def __init__(self, model: ImageCaptioner, vocab: WordVocab, image_size: int, max_length: int):
        self.model, self.vocab = model.eval(), vocab
        self.image_size, self.max_length = image_size, max_length

    def _tensor(self, images: np.ndarray) -> torch.Tensor:
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise DataError(
                f"captioning expects uint8 RGB images (N, H, W, 3); got {images.dtype} {images.shape}."
            )
        x = _resize(images, self.image_size)
        return torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255.0

    def caption(self, images: np.ndarray, beam: int = 1) -> list[str]:
        ids = self.model.caption(self._tensor(images), self.max_length, beam=beam)
        return [self.vocab.decode(i) for i in ids]

    def attention(self, images: np.ndarray) -> list[tuple[list[str], np.ndarray]]:
        """Per image: the greedy words and their attention maps (T, H', W')."""
        out = []
        side = self.model.encoder.grid_side
        for ids, maps in self.model.attention_maps(self._tensor(images), self.max_length):
            out.append(([self.vocab.words[i] for i in ids], maps.reshape(len(ids), side, side).numpy()))
        return out


def load_captioner(run_dir: str | Path, device: str = "cpu") -> Captioner:
    tensors, meta = load_model(run_dir, framework="pt")
    if meta.get("kind") != "caption":
        raise DataError(f"{run_dir} holds a {meta.get('kind')!r} model, not a captioner (caption).")
    model = ImageCaptioner(**meta["model"])
    model.load_state_dict(tensors)
    return Captioner(model.to(device), WordVocab(meta["words"]), meta["image_size"], meta["max_length"])


def draw_caption(image: np.ndarray, caption: str, path: Path) -> None:
    """The image with its caption as the title (PNG)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4.4))
    ax.imshow(image)
    ax.set_title(caption, fontsize=9, wrap=True)
    ax.axis("off")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def draw_attention(image: np.ndarray, words: list[str], maps: np.ndarray, path: Path) -> None:
    """One panel per word: the image with that word's attention map (upsampled) laid over it (PNG)."""
    import matplotlib.pyplot as plt

    n = max(1, len(words))
    fig, axes = plt.subplots(1, n + 1, figsize=(2 * (n + 1), 2.3))
    axes = np.atleast_1d(axes)
    axes[0].imshow(image)
    axes[0].set_title("image", fontsize=8)
    H, W = image.shape[:2]
    for ax, word, m in zip(axes[1:], words, maps, strict=False):
        ax.imshow(image)
        ax.imshow(m, cmap="gray", alpha=0.6, extent=(0, W, H, 0), interpolation="bilinear")
        ax.set_title(word, fontsize=8)
    for ax in axes:
        ax.axis("off")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
