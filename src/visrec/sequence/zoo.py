"""The sequence models in the torch model registry: character language models (kind "sequence",
:class:`visrec.torch_nn.interfaces.SequenceModel`) and image captioners (kind "captioner",
:class:`visrec.torch_nn.interfaces.Captioner`). ``visrec charrnn train`` and ``visrec caption train`` build
the same classes.

>>> import torch
>>> from visrec.torch_nn import create_model, list_models
>>> list_models(kind="captioner")
['caption_attention', 'caption_lstm', 'caption_rnn']
>>> lm = create_model("char_gru", vocab_size=20, hidden=8, layers=1)
>>> tuple(lm(torch.zeros(2, 5, dtype=torch.long), lm.init_state(2))[0].shape)
(2, 5, 20)
"""

from __future__ import annotations

from visrec.sequence.models.char_model import CharRNN
from visrec.sequence.models.image_captioner import ImageCaptioner
from visrec.torch_nn.registry import register_model

__all__ = ["char_lstm", "char_gru", "char_rnn", "caption_rnn", "caption_lstm", "caption_attention"]


@register_model(kind="sequence", family="sequence")
def char_lstm(vocab_size: int, **kw) -> CharRNN:
    """Embedding -> LSTM (``layers``, ``hidden``, ``dropout``) -> linear over the V characters."""
    return CharRNN(vocab_size, cell="lstm", **kw)


@register_model(kind="sequence", family="sequence")
def char_gru(vocab_size: int, **kw) -> CharRNN:
    """Embedding -> GRU -> linear over the V characters."""
    return CharRNN(vocab_size, cell="gru", **kw)


@register_model(kind="sequence", family="sequence")
def char_rnn(vocab_size: int, **kw) -> CharRNN:
    """Embedding -> vanilla tanh RNN -> linear over the V characters."""
    return CharRNN(vocab_size, cell="rnn", **kw)


@register_model(kind="captioner", family="sequence")
def caption_rnn(vocab_size: int, **kw) -> ImageCaptioner:
    """CNN encoder -> image vector as h0 of a vanilla RNN decoder."""
    return ImageCaptioner(vocab_size, model="rnn", **kw)


@register_model(kind="captioner", family="sequence")
def caption_lstm(vocab_size: int, **kw) -> ImageCaptioner:
    """CNN encoder -> image vector as h0 (``inject='every'``: also at each step) of an LSTM decoder."""
    return ImageCaptioner(vocab_size, model="lstm", **kw)


@register_model(kind="captioner", family="sequence")
def caption_attention(vocab_size: int, **kw) -> ImageCaptioner:
    """CNN encoder's spatial grid -> LSTM decoder with soft attention (Show, Attend and Tell)."""
    return ImageCaptioner(vocab_size, model="attention", **kw)
