"""Encoder + decoder: ``ImageCaptioner(images, captions_in) -> scores``; ``caption(images)`` decodes.

>>> import torch
>>> m = ImageCaptioner(vocab_size=12, model="attention", encoder_width=8, embed=8, hidden=16, image_size=32)
>>> tuple(m(torch.zeros(2, 3, 32, 32), torch.ones(2, 5, dtype=torch.long)).shape)
(2, 5, 12)
>>> len(m.caption(torch.zeros(2, 3, 32, 32), max_length=4))
2
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.sequence.decode import beam_search, greedy
from visrec.sequence.models.attention import AttentionDecoder
from visrec.sequence.models.captioner import CaptionDecoder
from visrec.sequence.models.encoder import make_encoder

__all__ = ["ImageCaptioner"]

START, END = 1, 2


class ImageCaptioner(nn.Module):
    """model: 'rnn' | 'lstm' (image vector as h0; ``inject='every'`` also at each step) | 'attention'."""

    def __init__(
        self,
        vocab_size: int,
        model: str = "lstm",
        inject: str = "init",
        encoder_width: int = 32,
        embed: int = 64,
        hidden: int = 256,
        attention_dim: int = 128,
        encoder: str = "small",
        image_size: int = 48,
    ):
        super().__init__()
        self.config = dict(
            vocab_size=vocab_size,
            model=model,
            inject=inject,
            encoder_width=encoder_width,
            embed=embed,
            hidden=hidden,
            attention_dim=attention_dim,
            encoder=encoder,
            image_size=image_size,
        )
        self.encoder = make_encoder(encoder, image_size, encoder_width)
        D = self.encoder.out_dim
        self.attention = model == "attention"
        if self.attention:
            self.decoder = AttentionDecoder(vocab_size, D, embed, hidden, attention_dim)
        else:
            self.decoder = CaptionDecoder(vocab_size, D, embed, hidden, cell=model, inject=inject)

    def encode(self, images: torch.Tensor):
        grid, v = self.encoder(images)
        return grid if self.attention else v

    def forward(self, images: torch.Tensor, captions_in: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encode(images), captions_in)

    @torch.no_grad()
    def caption(self, images: torch.Tensor, max_length: int = 16, beam: int = 1) -> list[list[int]]:
        """Token ids per image (no <START>, stopped before <END>): greedy, or beam search when beam > 1."""
        feats = self.encode(images)
        if beam == 1:
            carry = self.decoder.init_state(feats)
            return greedy(self.decoder.step, carry, torch.full((len(images),), START), max_length, end=END)
        out = []
        for i in range(len(images)):
            carry = self.decoder.init_state(feats[i : i + 1])
            out.append(beam_search(self.decoder.step, carry, START, max_length, beam=beam, end=END)[0])
        return out

    def generate(self, images: torch.Tensor, max_len: int = 20) -> list[list[int]]:
        """Greedy token ids per image: the :class:`visrec.torch_nn.interfaces.Captioner` spelling of caption."""
        return self.caption(images, max_length=max_len)

    @torch.no_grad()
    def attention_maps(self, images: torch.Tensor, max_length: int = 16):
        """Greedy captions with the attention map (L,) of every generated word (attention models only)."""
        if not self.attention:
            raise ValueError("attention maps need a model trained with --model attention.")
        grid = self.encode(images)
        carry = self.decoder.init_state(grid)
        tokens = torch.full((len(images),), START)
        words, maps = [], []
        for _ in range(max_length):
            log_probs, carry, p = self.decoder.step(tokens, carry, return_attention=True)
            tokens = log_probs.argmax(1)
            words.append(tokens)
            maps.append(p)
        words, maps = torch.stack(words, 1), torch.stack(maps, 1)  # (N, T), (N, T, L)
        out = []
        for w, m in zip(words.tolist(), maps, strict=True):
            n = w.index(END) if END in w else len(w)
            out.append((w[:n], m[:n]))
        return out
