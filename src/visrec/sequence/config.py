"""Typed configs of the sequence package (defaults <- JSON file <- command line, validated once).

>>> cfg = CharRNNConfig(cell="gru", layers=1, progress=False)
>>> cfg.kind, cfg.hidden, cfg.seq_length
('charrnn', 256, 64)
>>> CaptionConfig(model="attention").kind
'caption'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from visrec.runs import TrainRunConfig
from visrec.utils.errors import ParameterError

__all__ = ["CharRNNConfig", "CaptionConfig"]


@dataclass
class CharRNNConfig(TrainRunConfig):
    """A character language model: embedding -> LSTM / GRU (1-3 layers, dropout) -> linear.

    ``steps`` optimiser steps of ``batch_size`` parallel streams x ``seq_length`` characters (truncated
    BPTT: the hidden state is carried from one chunk of a stream to the next, the gradient is not).
    Validation (nats and bits per character on up to ``val_chars`` held-out characters) and a sample every
    ``eval_every_steps``.
    """

    kind: ClassVar[str] = "charrnn"
    engine: ClassVar[str] = "torch"
    text: str | None = None
    val_text: str | None = None
    max_chars: int | None = 2_000_000
    cell: str = "lstm"
    layers: int = 2
    hidden: int = 256
    embed: int = 64
    dropout: float = 0.0
    seq_length: int = 64
    steps: int = 2000
    batch_size: int = 32
    lr: float = 2e-3
    grad_clip: float = 5.0
    eval_every_steps: int = 200
    val_chars: int = 100_000
    sample_length: int = 200
    temperature: float = 0.8
    checkpoint_every: int = 200

    def validate(self) -> None:
        super().validate()
        self.check("choice", "cell", choices=("lstm", "gru", "rnn"))
        self.check("int", "layers", low=1, high=3)
        for name in (
            "hidden",
            "embed",
            "seq_length",
            "steps",
            "eval_every_steps",
            "val_chars",
            "sample_length",
            "checkpoint_every",
        ):
            self.check("int", name, low=1)
        self.check("float", "dropout", low=0.0, high=1.0, closed="left")
        self.check("float", "temperature", low=0.0, closed="neither")
        if self.max_chars is not None:
            self.check("int", "max_chars", low=2)


@dataclass
class CaptionConfig(TrainRunConfig):
    """An image captioner on the generated shapes scenes (``data="shapes"``) or a COCO caption file.

    ``model``: 'rnn' | 'lstm' (image features as the initial hidden state; ``inject="every"`` also feeds
    them at every step) or 'attention' (an LSTM with soft attention over the feature grid).
    ``encoder``: 'small' (a small CNN trained jointly) or any registered torch CNN (its forward_features).
    """

    kind: ClassVar[str] = "caption"
    engine: ClassVar[str] = "torch"
    data: str = "shapes"
    images_dir: str | None = None
    model: str = "lstm"
    inject: str = "init"
    encoder: str = "small"
    encoder_width: int = 16
    image_size: int = 48
    embed: int = 64
    hidden: int = 256
    attention_dim: int = 128
    min_count: int = 1
    max_length: int = 16
    shapes_train: int = 4000
    shapes_val: int = 500
    epochs: int = 20
    batch_size: int = 64
    lr: float = 2e-3
    grad_clip: float = 5.0
    beam: int = 1

    def validate(self) -> None:
        super().validate()
        self.check("choice", "model", choices=("rnn", "lstm", "attention"))
        self.check("choice", "inject", choices=("init", "every"))
        if self.encoder != "small":
            from visrec.torch_nn import list_models

            self.check("choice", "encoder", choices=("small", *list_models()))
        for name in (
            "encoder_width",
            "image_size",
            "embed",
            "hidden",
            "attention_dim",
            "min_count",
            "max_length",
            "shapes_train",
            "shapes_val",
            "beam",
        ):
            self.check("int", name, low=1)
        if self.image_size % 8:
            raise ParameterError(
                f"--image-size must be a multiple of 8 (the encoder pools 3 times); got {self.image_size}."
            )
