"""min-char-rnn: the lecture's 112-line character-level vanilla RNN, built from this engine's layers.

The algorithm of Karpathy's gist (Lecture 10, L14796-14919), step for step:

- one-hot input characters, ``h_t = tanh(Wxh x_t + Whh h_{t-1} + bh)``, ``y_t = Why h_t + by``, softmax
  cross-entropy summed over the ``seq_length`` = 25 steps of a chunk;
- weights ``randn * 0.01`` drawn in the order Wxh, Whh, Why, zero biases, hidden size 100;
- the data pointer sweeps left to right in chunks of 25, the hidden state is carried across chunks
  (truncated BPTT) and reset at the start of each pass over the text;
- every gradient clipped elementwise to [-5, 5]; Adagrad with learning rate 0.1 and ``sqrt(mem + 1e-8)``;
- the smoothed loss starts at ``-log(1/V) * seq_length`` and moves as ``0.999 * smooth + 0.001 * loss``;
- 200 sampled characters every 100 iterations, seeded with the chunk's first character.

The seed's copy of the gist carries OCR errors (``(i - hs[t].T)`` for ``1 - hs[t]**2``, the backward loop
inside the forward loop, swapped gradient targets, ``loss / n``); this is the correct algorithm. One
deliberate difference: the vocabulary is ``sorted(set(text))`` instead of ``list(set(text))``, whose order
changes with Python's string hashing from run to run.

Parameters are stored in the engine's row-vector layout (``Wx = Wxh.T`` and so on).

>>> net = MinCharRNN("hello world, hello rnn. " * 4, hidden_size=8, seq_length=5, seed=0)
>>> net.vocab_size, bool(np.isclose(net.smooth_loss, -np.log(1 / 11) * 5))
(11, True)
>>> len(net.train(3))
3
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers.rnn import rnn_backward, rnn_forward
from visrec.numpy_nn.layers.temporal import (
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)
from visrec.utils.errors import DataError
from visrec.utils.validation import check_float, check_int

__all__ = ["MinCharRNN"]


class MinCharRNN:
    """The lecture's character RNN on one text.

    Parameters
    ----------
    text : str, the training text (the gist's ``input.txt``).
    hidden_size : H, default 100. seq_length : T per chunk, default 25. learning_rate : Adagrad's, 0.1.
    seed : seeds one ``np.random.RandomState`` used for the weights and then for sampling (as the gist's
        global ``np.random``).
    vocab : characters of the vocabulary (default ``sorted(set(text))``); pass a larger set to evaluate on
        another text with characters the training text lacks.

    Attributes
    ----------
    params : dict of Wx (V, H), Wh (H, H), b (H,), Wy (H, V), by (V,)
    hprev : ndarray of shape (1, H), the state carried to the next chunk.
    n, p : iteration counter and data pointer; ``smooth_loss`` the smoothed chunk loss.
    """

    def __init__(self, text: str, hidden_size=100, seq_length=25, learning_rate=1e-1, seed=0, vocab=None):
        self.hidden_size = check_int("hidden_size", hidden_size, low=1, owner="MinCharRNN")
        self.seq_length = check_int("seq_length", seq_length, low=1, owner="MinCharRNN")
        self.learning_rate = check_float("learning_rate", learning_rate, low=0, closed="neither")
        chars = sorted(set(text) if vocab is None else set(vocab) | set(text))
        if len(text) < seq_length + 1:
            raise DataError(
                f"MinCharRNN needs a text of at least seq_length + 1 = {seq_length + 1} characters (inputs"
                f" and next-character targets); got {len(text)}. Use a longer text or smaller seq_length."
            )
        if len(chars) < 2:
            raise DataError(
                f"The text has only the character {chars!r}: nothing to predict. Use a real text."
            )
        self.chars, self.data = chars, text
        self.char_to_ix = {ch: i for i, ch in enumerate(chars)}
        self.vocab_size = V = len(chars)
        H = self.hidden_size
        self.rng = np.random.RandomState(seed)
        Wxh = self.rng.randn(H, V) * 0.01  # input to hidden
        Whh = self.rng.randn(H, H) * 0.01  # hidden to hidden
        Why = self.rng.randn(V, H) * 0.01  # hidden to output
        self.params = {
            "Wx": Wxh.T.copy(),
            "Wh": Whh.T.copy(),
            "b": np.zeros(H),
            "Wy": Why.T.copy(),
            "by": np.zeros(V),
        }
        self.memory = {k: np.zeros_like(v) for k, v in self.params.items()}  # Adagrad
        self.smooth_loss = -np.log(1.0 / V) * seq_length  # loss at iteration 0
        self.n, self.p = 0, 0
        self.hprev = np.zeros((1, H))
        self.ids = np.array([self.char_to_ix[c] for c in text], dtype=np.int64)

    def loss_fun(self, inputs, targets, hprev):
        """Forward and backward over one chunk: inputs, targets int (T,), hprev (1, H).

        Returns the summed loss (nats), the clipped gradients and the last hidden state (1, H).
        """
        P, V = self.params, self.vocab_size
        x = np.eye(V)[inputs][None]  # one-hot, (1, T, V)
        h, rnn_cache = rnn_forward(x, hprev, P["Wx"], P["Wh"], P["b"])  # (1, T, H)
        scores, out_cache = temporal_affine_forward(h, P["Wy"], P["by"])  # (1, T, V)
        loss, dscores = temporal_softmax_loss(scores, np.asarray(targets)[None])  # N = 1: the sum over t
        dh, dWy, dby = temporal_affine_backward(dscores, out_cache)
        _, _, dWx, dWh, db = rnn_backward(dh, rnn_cache)
        grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}
        for g in grads.values():
            np.clip(g, -5, 5, out=g)  # clip to mitigate exploding gradients
        return loss, grads, h[:, -1]

    def sample(self, h, seed_ix: int, n: int, temperature: float = 1.0) -> list[int]:
        """Sample ``n`` character ids, feeding each back as the next input; h (1, H) is the start state."""
        P, ixes, ix = self.params, [], seed_ix
        for _ in range(n):
            h = np.tanh(P["Wx"][ix] + h @ P["Wh"] + P["b"])  # the one-hot product is a row lookup
            y = (h @ P["Wy"] + P["by"])[0] / temperature
            p = np.exp(y - y.max())
            ix = int(self.rng.choice(range(self.vocab_size), p=p / p.sum()))
            ixes.append(ix)
        return ixes

    def decode(self, ixes) -> str:
        return "".join(self.chars[i] for i in ixes)

    def step(self, sample_every: int = 100, sample_length: int = 200) -> tuple[float, str | None]:
        """One iteration of the gist's main loop; returns the chunk loss and the sample (or None)."""
        T = self.seq_length
        if self.p + T + 1 >= len(self.data) or self.n == 0:
            self.hprev = np.zeros((1, self.hidden_size))  # reset RNN memory
            self.p = 0  # go from start of data
        inputs = self.ids[self.p : self.p + T]
        targets = self.ids[self.p + 1 : self.p + T + 1]
        text = None
        if sample_every and self.n % sample_every == 0:
            text = self.decode(self.sample(self.hprev, int(inputs[0]), sample_length))
        loss, grads, self.hprev = self.loss_fun(inputs, targets, self.hprev)
        self.smooth_loss = self.smooth_loss * 0.999 + loss * 0.001
        for k, param in self.params.items():  # Adagrad
            self.memory[k] += grads[k] * grads[k]
            param += -self.learning_rate * grads[k] / np.sqrt(self.memory[k] + 1e-8)
        self.p += T  # move data pointer
        self.n += 1
        return loss, text

    def train(self, steps: int, sample_every: int = 100, on_sample=None) -> list[dict]:
        """Run ``steps`` iterations; returns one record per iteration (n, loss, smooth_loss)."""
        history = []
        for _ in range(check_int("steps", steps, low=0)):
            loss, text = self.step(sample_every)
            if text is not None and on_sample is not None:
                on_sample(self.n - 1, self.smooth_loss, text)
            history.append({"n": self.n - 1, "loss": loss, "smooth_loss": self.smooth_loss})
        return history

    def evaluate(self, text: str) -> dict:
        """Mean loss per predicted character of ``text`` (the state carried over the whole text).

        Returns ``{"nats_per_char", "bits_per_char", "chars"}``; raises DataError for characters outside the
        vocabulary.
        """
        unknown = sorted(set(text) - set(self.chars))
        if unknown or len(text) < 2:
            raise DataError(
                f"evaluate needs at least 2 characters from the model's vocabulary; got {len(text)} "
                f"characters, unknown {unknown[:10]!r}. Build the model with vocab= covering this text."
            )
        ids = np.array([self.char_to_ix[c] for c in text])
        h, total = np.zeros((1, self.hidden_size)), 0.0
        P, chunk = self.params, 1000
        for s in range(0, len(ids) - 1, chunk):
            inputs, targets = ids[s : s + chunk], ids[s + 1 : s + chunk + 1]
            inputs = inputs[: len(targets)]
            hs, _ = rnn_forward(np.eye(self.vocab_size)[inputs][None], h, P["Wx"], P["Wh"], P["b"])
            scores, _ = temporal_affine_forward(hs, P["Wy"], P["by"])
            total += temporal_softmax_loss(scores, targets[None])[0]
            h = hs[:, -1]
        nats = total / (len(ids) - 1)
        return {"nats_per_char": nats, "bits_per_char": nats / np.log(2), "chars": len(ids) - 1}
