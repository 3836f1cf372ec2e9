"""min-char-rnn: the lecture's algorithm (written out below from the gist) and ours track step for step."""

import json

import numpy as np
import pytest

from visrec.numpy_nn.min_char_rnn import MinCharRNN
from visrec.utils.errors import DataError

TEXT = open(json.__file__, encoding="utf-8").read()[:2000]  # a real text, ~60 distinct characters


class GistRNN:
    """The gist's program, column-vector layout and all (its vocabulary sorted, see the module docstring)."""

    def __init__(self, data, seed, hidden_size=100, seq_length=25, learning_rate=1e-1):
        self.rs = rs = np.random.RandomState(seed)
        self.data, self.H, self.T, self.lr = data, hidden_size, seq_length, learning_rate
        self.chars = sorted(set(data))
        self.V = len(self.chars)
        self.char_to_ix = {ch: i for i, ch in enumerate(self.chars)}
        self.Wxh = rs.randn(hidden_size, self.V) * 0.01
        self.Whh = rs.randn(hidden_size, hidden_size) * 0.01
        self.Why = rs.randn(self.V, hidden_size) * 0.01
        self.bh, self.by = np.zeros((hidden_size, 1)), np.zeros((self.V, 1))
        self.mem = [np.zeros_like(p) for p in (self.Wxh, self.Whh, self.Why, self.bh, self.by)]
        self.smooth_loss = -np.log(1.0 / self.V) * seq_length
        self.n, self.p, self.hprev = 0, 0, None

    def lossFun(self, inputs, targets, hprev):
        Wxh, Whh, Why, bh, by, V = self.Wxh, self.Whh, self.Why, self.bh, self.by, self.V
        xs, hs, ys, ps = {}, {}, {}, {}
        hs[-1] = np.copy(hprev)
        loss = 0
        for t in range(len(inputs)):
            xs[t] = np.zeros((V, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
            ys[t] = np.dot(Why, hs[t]) + by
            ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby = np.zeros_like(bh), np.zeros_like(by)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += np.dot(dy, hs[t].T)
            dby += dy
            dh = np.dot(Why.T, dy) + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, hs[t - 1].T)
            dhnext = np.dot(Whh.T, dhraw)
        for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
            np.clip(dparam, -5, 5, out=dparam)
        return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

    def sample(self, h, seed_ix, n):
        x = np.zeros((self.V, 1))
        x[seed_ix] = 1
        ixes = []
        for _ in range(n):
            h = np.tanh(np.dot(self.Wxh, x) + np.dot(self.Whh, h) + self.bh)
            y = np.dot(self.Why, h) + self.by
            p = np.exp(y) / np.sum(np.exp(y))
            ix = self.rs.choice(range(self.V), p=p.ravel())
            x = np.zeros((self.V, 1))
            x[ix] = 1
            ixes.append(ix)
        return ixes

    def step(self):
        """One pass of the gist's ``while True`` body; returns (loss, sample or None)."""
        T, data = self.T, self.data
        if self.p + T + 1 >= len(data) or self.n == 0:
            self.hprev = np.zeros((self.H, 1))
            self.p = 0
        inputs = [self.char_to_ix[ch] for ch in data[self.p : self.p + T]]
        targets = [self.char_to_ix[ch] for ch in data[self.p + 1 : self.p + T + 1]]
        text = None
        if self.n % 100 == 0:
            text = "".join(self.chars[ix] for ix in self.sample(self.hprev, inputs[0], 200))
        loss, *grads, self.hprev = self.lossFun(inputs, targets, self.hprev)
        self.smooth_loss = self.smooth_loss * 0.999 + loss * 0.001
        for param, dparam, mem in zip(
            [self.Wxh, self.Whh, self.Why, self.bh, self.by], grads, self.mem, strict=True
        ):
            mem += dparam * dparam
            param += -self.lr * dparam / np.sqrt(mem + 1e-8)
        self.p += T
        self.n += 1
        return loss, text

    def as_engine_layout(self):
        """The state in MinCharRNN's row-vector layout: params, Adagrad memory, hprev (1, H)."""
        names = ["Wx", "Wh", "Wy"]
        params = {k: w.T.copy() for k, w in zip(names, [self.Wxh, self.Whh, self.Why], strict=True)}
        params |= {"b": self.bh[:, 0].copy(), "by": self.by[:, 0].copy()}
        mem = {k: m.T.copy() for k, m in zip(names, self.mem[:3], strict=True)}
        mem |= {"b": self.mem[3][:, 0].copy(), "by": self.mem[4][:, 0].copy()}
        return params, mem, None if self.hprev is None else self.hprev.T.copy()


def test_every_step_equals_the_lecture_algorithm_for_200_steps():
    """From the reference's state, each of 200 steps gives the same loss, sample and next state."""
    ref, net = GistRNN(TEXT, seed=7), MinCharRNN(TEXT, seed=7)
    for _ in range(200):
        net.params, net.memory, hprev = ref.as_engine_layout()
        net.hprev = net.hprev if hprev is None else hprev
        net.n, net.p, net.smooth_loss = ref.n, ref.p, ref.smooth_loss
        net.rng.set_state(ref.rs.get_state())
        ours, our_text = net.step()
        theirs, their_text = ref.step()
        assert ours == pytest.approx(theirs, rel=1e-12) and our_text == their_text
        params, memory, hprev = ref.as_engine_layout()
        for k in params:
            np.testing.assert_allclose(net.params[k], params[k], rtol=1e-10, atol=1e-13, err_msg=k)
            np.testing.assert_allclose(net.memory[k], memory[k], rtol=1e-10, atol=1e-13, err_msg=k)
        np.testing.assert_allclose(net.hprev, hprev, rtol=1e-10, atol=1e-13)
        assert (net.n, net.p, net.smooth_loss) == (ref.n, ref.p, pytest.approx(ref.smooth_loss, rel=1e-12))
    assert net.p < 200 * 25  # the pointer wrapped around the 2,000 characters: the resets were checked too


def test_free_running_loss_curve_tracks_the_lecture_algorithm():
    """Left alone, both runs agree to rounding at first; the training dynamics amplify a 1e-16 difference
    about tenfold per early step (a 1e-15 change of one weight matrix does the same), so the curves are
    compared as the lecture plots them: the smoothed loss."""
    ref, net = GistRNN(TEXT, seed=7), MinCharRNN(TEXT, seed=7)
    theirs = [ref.step()[0] for _ in range(200)]
    history = net.train(200)
    ours = [r["loss"] for r in history]
    np.testing.assert_allclose(ours[:4], theirs[:4], rtol=1e-12)
    np.testing.assert_allclose(history[-1]["smooth_loss"], ref.smooth_loss, rtol=1e-3)
    assert np.mean(ours[-20:]) < np.mean(ours[:5]) - 10  # and it learns


def test_smooth_loss_starts_at_log_v_times_seq_length():
    net = MinCharRNN(TEXT, seed=0)
    assert net.smooth_loss == pytest.approx(-np.log(1 / net.vocab_size) * 25)
    assert net.params["Wh"].shape == (100, 100) and net.params["Wx"].shape == (net.vocab_size, 100)


def test_evaluate_reports_nats_and_bits_per_character():
    net = MinCharRNN(TEXT, hidden_size=16, seed=0)
    out = net.evaluate(TEXT[:500])
    assert out["bits_per_char"] == pytest.approx(out["nats_per_char"] / np.log(2))
    assert out["nats_per_char"] == pytest.approx(np.log(net.vocab_size), rel=1e-2)  # untrained: ~uniform


@pytest.mark.parametrize(
    ("text", "kwargs", "match"),
    [
        ("", {}, "at least seq_length \\+ 1 = 26 characters"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", {}, "only the character"),
        ("short text", {"seq_length": 25}, "got 10"),
    ],
)
def test_bad_texts_are_clear_errors(text, kwargs, match):
    with pytest.raises(DataError, match=match):
        MinCharRNN(text, **kwargs)


def test_evaluate_names_unknown_characters():
    with pytest.raises(DataError, match="unknown"):
        MinCharRNN(TEXT, hidden_size=4).evaluate("\u00e9\u00e9\u00e9")
