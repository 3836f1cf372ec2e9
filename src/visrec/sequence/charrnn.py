"""A trained character model with its vocabulary: sampling with temperature, bits per character on a text.

``load_charrnn(run_dir)`` rebuilds the model of a ``visrec charrnn train`` run (model.json kind
"charrnn"); it is also the predictor loader of that kind.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from visrec.runs import load_model
from visrec.sequence.data.text import CharVocab
from visrec.sequence.decode import sample
from visrec.sequence.models.char_model import CharRNN
from visrec.utils.errors import DataError, ParameterError

__all__ = ["CharModel", "load_charrnn", "nats_per_char"]


@torch.no_grad()
def nats_per_char(model: CharRNN, ids: torch.Tensor, streams: int = 16, chunk: int = 256) -> float:
    """Mean cross-entropy (nats) of predicting each next character of ``ids`` (int64 (L,)).

    The text is cut into ``streams`` parallel pieces, each read left to right with its state carried.
    """
    if len(ids) < 2:
        raise DataError(f"need at least 2 characters to evaluate; got {len(ids)}.")
    was_training = model.training
    model.eval()
    S = (len(ids) - 1) // streams
    if S < 1:
        streams, S = 1, len(ids) - 1
    x_all = ids[: streams * S].reshape(streams, S)
    y_all = ids[1 : streams * S + 1].reshape(streams, S)
    total, state = 0.0, None
    for p in range(0, S, chunk):
        logits, state = model(x_all[:, p : p + chunk], state)
        target = y_all[:, p : p + chunk].flatten()
        total += float(torch.nn.functional.cross_entropy(logits.flatten(0, 1), target, reduction="sum"))
    model.train(was_training)
    return total / (streams * S)


class CharModel:
    """A CharRNN and its CharVocab."""

    def __init__(self, model: CharRNN, vocab: CharVocab):
        self.model, self.vocab = model.eval(), vocab

    def step(self, tokens, state):
        logits, state = self.model(tokens[:, None], state)
        return torch.log_softmax(logits[:, 0], dim=1), state

    @torch.no_grad()
    def generate(self, prime: str = "\n", length: int = 200, temperature: float = 1.0, seed: int = 0) -> str:
        """``prime`` followed by ``length`` sampled characters (softmax(logits / temperature))."""
        if not prime:
            raise ParameterError("--prime must hold at least one character (the first input).")
        if length < 1:
            raise ParameterError(f"--length must be >= 1; got {length}.")
        ids = torch.as_tensor(self.vocab.encode(prime, what="--prime"))
        state = None
        if len(ids) > 1:
            _, state = self.model(ids[None, :-1], None)
        gen = torch.Generator().manual_seed(seed)
        out = sample(self.step, state, ids[-1:], length, temperature=temperature, generator=gen)[0]
        return prime + self.vocab.decode(out)

    def evaluate(self, text: str) -> dict:
        """Nats and bits per character on ``text`` (characters outside the vocabulary are left out)."""
        ids = self.vocab.encode(text, strict=False)
        if len(ids) < 2:
            raise DataError("the evaluation text has fewer than 2 characters of the model's vocabulary.")
        nats = nats_per_char(self.model, torch.as_tensor(ids))
        return {
            "nats_per_char": nats,
            "bits_per_char": nats / math.log(2),
            "chars": len(ids),
            "unknown_chars_left_out": len(text) - len(ids),
        }


def load_charrnn(run_dir: str | Path, device: str = "cpu") -> CharModel:
    """The CharModel saved in a run directory."""
    tensors, meta = load_model(run_dir, framework="pt")
    if meta.get("kind") != "charrnn":
        raise DataError(f"{run_dir} holds a {meta.get('kind')!r} model, not a character model (charrnn).")
    model = CharRNN(**meta["model"])
    model.load_state_dict(tensors)
    return CharModel(model.to(device), CharVocab(meta["chars"]))
