"""Image captioning with a vanilla RNN or an LSTM (Lecture 10, L15550-15880), in the NumPy engine.

An image feature vector v (N, D) from a CNN becomes the initial hidden state ``h0 = v W_proj + b_proj``;
the caption's words are embedded and fed one per step; at each step the hidden state scores the next word.
With ``inject="every"`` the image is also an input at every step, as on the slide:
``h = tanh(W_xh x + W_hh h + W_ih v)`` (the step's input is [x_t; v], so Wx stacks W_xh over W_ih).

Training uses teacher forcing: the input is ``captions[:, :-1]`` (starting with ``<START>``), the target
``captions[:, 1:]``, and ``<NULL>`` targets are masked out of the loss. Sampling starts from ``<START>``
and feeds each argmax word back.

>>> import numpy as np
>>> model = CaptioningRNN(vocab_size=10, input_dim=6, wordvec_dim=4, hidden_dim=5, seed=0)
>>> loss, grads = model.loss(np.ones((2, 6)), np.array([[1, 4, 5, 2, 0], [1, 3, 2, 0, 0]]))
>>> sorted(grads) == sorted(model.params)
True
>>> model.sample(np.ones((2, 6)), max_length=3).shape
(2, 3)
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers.affine import affine_backward, affine_forward
from visrec.numpy_nn.layers.embedding import word_embedding_backward, word_embedding_forward
from visrec.numpy_nn.layers.rnn import rnn_step_forward
from visrec.numpy_nn.layers.rnn_lstm import lstm_step_forward
from visrec.numpy_nn.layers.rnn_stack import CELLS
from visrec.numpy_nn.layers.temporal import (
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)
from visrec.utils.validation import check_choice, check_int

__all__ = ["CaptioningRNN"]


class CaptioningRNN:
    """CNN features -> RNN/LSTM -> word scores.

    Parameters
    ----------
    vocab_size : V, including ``<NULL>`` (id ``null``), ``<START>`` (``start``) and ``<END>`` (``end``).
    input_dim : D, the image feature size. wordvec_dim : W. hidden_dim : H.
    cell_type : 'rnn' or 'lstm'. inject : 'init' (image as h0 only) or 'every' (also at every step).
    null, start, end : the special token ids (0, 1, 2 by default, the order of the vocabulary builders).

    Attributes
    ----------
    params : W_proj (D, H), b_proj (H,), W_embed (V, W), Wx (W [+ D], G*H), Wh (H, G*H), b (G*H,),
        W_vocab (H, V), b_vocab (V,) with G = 1 (rnn) or 4 (lstm).
    """

    def __init__(
        self,
        vocab_size,
        input_dim=512,
        wordvec_dim=128,
        hidden_dim=128,
        cell_type="rnn",
        inject="init",
        null=0,
        start=1,
        end=2,
        seed=0,
        dtype=np.float64,
    ):
        self.cell_type = check_choice("cell_type", cell_type, ("rnn", "lstm"), owner="CaptioningRNN")
        self.inject = check_choice("inject", inject, ("init", "every"), owner="CaptioningRNN")
        V = check_int("vocab_size", vocab_size, low=3, owner="CaptioningRNN")
        sizes = {"input_dim": input_dim, "wordvec_dim": wordvec_dim, "hidden_dim": hidden_dim}
        D, W, H = (check_int(n, v, low=1, owner="CaptioningRNN") for n, v in sizes.items())
        self.null, self.start, self.end = null, start, end
        G = CELLS[cell_type][2]
        rng = np.random.default_rng(seed)
        in_dim = W + (D if inject == "every" else 0)
        shapes = {
            "W_proj": (D, H),
            "W_embed": (V, W),
            "Wx": (in_dim, G * H),
            "Wh": (H, G * H),
            "W_vocab": (H, V),
        }
        fan_in = {"W_proj": D, "W_embed": 1, "Wx": in_dim, "Wh": H, "W_vocab": H}
        self.params = {k: rng.standard_normal(s) / np.sqrt(fan_in[k]) for k, s in shapes.items()}
        self.params["W_embed"] /= 10
        self.params |= {"b_proj": np.zeros(H), "b": np.zeros(G * H), "b_vocab": np.zeros(V)}
        self.params = {k: v.astype(dtype) for k, v in self.params.items()}

    def _inputs(self, words, features):
        """Step inputs (N, T, W [+ D]): the word vectors, with the image appended when injected every step."""
        if self.inject == "init":
            return words
        v = np.broadcast_to(features[:, None, :], (*words.shape[:2], features.shape[1]))
        return np.concatenate([words, v], axis=2)

    def loss(self, features, captions):
        """Teacher-forced loss and gradients.

        Parameters
        ----------
        features : ndarray of shape (N, D)
        captions : int ndarray of shape (N, T + 1), ``<START> w1 ... <END> <NULL>...``

        Returns
        -------
        loss : float (summed over unmasked steps, averaged over N)
        grads : dict, the same keys as ``params``
        """
        P = self.params
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        mask = captions_out != self.null
        forward, backward, _ = CELLS[self.cell_type]
        h0, proj_cache = affine_forward(features, P["W_proj"], P["b_proj"])  # (N, H)
        words, embed_cache = word_embedding_forward(captions_in, P["W_embed"])  # (N, T, W)
        h, rnn_cache = forward(self._inputs(words, features), h0, P["Wx"], P["Wh"], P["b"])  # (N, T, H)
        scores, out_cache = temporal_affine_forward(h, P["W_vocab"], P["b_vocab"])  # (N, T, V)
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

        grads = {}
        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, out_cache)
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dh, rnn_cache)
        Wd = words.shape[2]
        grads["W_embed"] = word_embedding_backward(dx[:, :, :Wd], embed_cache)
        _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, proj_cache)
        return loss, grads

    def sample(self, features, max_length=30):
        """Greedy captions, feeding each argmax word back: features (N, D) -> int (N, max_length).

        Positions after a caption's ``<END>`` are ``<NULL>``.
        """
        P = self.params
        N = features.shape[0]
        h = features @ P["W_proj"] + P["b_proj"]
        c = np.zeros_like(h)
        word = np.full(N, self.start)
        out = np.full((N, max_length), self.null, dtype=np.int64)
        done = np.zeros(N, dtype=bool)
        for t in range(max_length):
            x = self._inputs(P["W_embed"][word][:, None], features)[:, 0]
            if self.cell_type == "rnn":
                h, _ = rnn_step_forward(x, h, P["Wx"], P["Wh"], P["b"])
            else:
                h, c, _ = lstm_step_forward(x, h, c, P["Wx"], P["Wh"], P["b"])
            word = np.argmax(h @ P["W_vocab"] + P["b_vocab"], axis=1)
            out[~done, t] = word[~done]
            done |= word == self.end
        return out
