"""Multilayer stacking (the slide's shape facts), truncated BPTT and global-norm clipping of RNN gradients."""

import numpy as np
import pytest
import torch

from visrec.numpy_nn.gradcheck import numeric_gradient
from visrec.numpy_nn.layers import (
    chunk_slices,
    lstm_step_forward,
    multilayer_backward,
    multilayer_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    stacked_weight,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    truncated_bptt,
)
from visrec.numpy_nn.optim import clip_grad_norm

n = 6


def test_multilayer_rnn_weight_is_n_by_2n_and_computes_the_slide_formula():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((n, 2 * n))  # the slide's W^l, n x 2n
    below, prev = rng.standard_normal((2, n)), rng.standard_normal((2, n))
    Wx, Wh = W[:, :n].T, W[:, n:].T
    assert stacked_weight(Wx, Wh).shape == (n, 2 * n)
    slide = np.tanh(np.concatenate([below, prev], axis=1) @ W.T)  # h = tanh W [h^{l-1}; h_{t-1}]
    ours, _ = rnn_step_forward(below, prev, Wx, Wh, np.zeros(n))
    np.testing.assert_allclose(ours, slide, rtol=1e-12)


def test_lstm_weight_is_4n_by_2n_with_gates_ifog():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((4 * n, 2 * n))  # the slide's LSTM W, 4n x 2n
    below, prev, c = (rng.standard_normal((2, n)) for _ in range(3))
    a = np.concatenate([below, prev], axis=1) @ W.T
    sig = 1 / (1 + np.exp(-a))
    i, f, o, g = sig[:, :n], sig[:, n : 2 * n], sig[:, 2 * n : 3 * n], np.tanh(a[:, 3 * n :])
    c_slide = f * c + i * g
    h, c_ours, _ = lstm_step_forward(below, prev, c, W[:, :n].T, W[:, n:].T, np.zeros(4 * n))
    assert stacked_weight(W[:, :n].T, W[:, n:].T).shape == (4 * n, 2 * n)
    np.testing.assert_allclose(c_ours, c_slide, rtol=1e-12)
    np.testing.assert_allclose(h, o * np.tanh(c_slide), rtol=1e-12)


@pytest.mark.parametrize(("cell", "gates"), [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_multilayer_matches_torch_autograd(cell, gates):
    rng = np.random.default_rng(2)
    N, T, D, H, L = 2, 4, 3, 5, 3
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((L, N, H))
    layers = [
        tuple(
            0.5 * rng.standard_normal(s)
            for s in [((D if l == 0 else H), gates * H), (H, gates * H), (gates * H,)]
        )
        for l in range(L)
    ]
    out, cache = multilayer_forward(x, h0, layers, cell)
    dout = rng.standard_normal(out.shape)
    dx, dh0, grads = multilayer_backward(dout, cache)
    # Reference: the same stack built from numeric differences of the whole thing (float64).
    f = lambda xx: np.sum(multilayer_forward(xx, h0, layers, cell)[0] * dout)  # noqa: E731
    np.testing.assert_allclose(dx, numeric_gradient(f, x.copy(), h=1e-5), rtol=1e-6, atol=1e-8)
    g = lambda hh: np.sum(multilayer_forward(x, hh, layers, cell)[0] * dout)  # noqa: E731
    np.testing.assert_allclose(dh0, numeric_gradient(g, h0.copy(), h=1e-5), rtol=1e-6, atol=1e-8)
    Wx0 = layers[0][0].copy()

    def first_layer(w):
        return np.sum(multilayer_forward(x, h0, [(w, *layers[0][1:]), *layers[1:]], cell)[0] * dout)

    np.testing.assert_allclose(grads[0][0], numeric_gradient(first_layer, Wx0, h=1e-5), rtol=1e-6, atol=1e-8)
    if cell == "rnn":  # and torch.nn.RNN with num_layers=3 on the same weights
        rnn = torch.nn.RNN(D, H, num_layers=L, batch_first=True).double()
        with torch.no_grad():
            for l, (Wx, Wh, b) in enumerate(layers):
                getattr(rnn, f"weight_ih_l{l}").copy_(torch.from_numpy(Wx.T))
                getattr(rnn, f"weight_hh_l{l}").copy_(torch.from_numpy(Wh.T))
                getattr(rnn, f"bias_ih_l{l}").copy_(torch.from_numpy(b))
                getattr(rnn, f"bias_hh_l{l}").zero_()
        np.testing.assert_allclose(
            rnn(torch.from_numpy(x), torch.from_numpy(h0))[0].detach().numpy(), out, rtol=1e-10
        )


def _chunk_problem(seed=0, N=2, T=12, D=3, H=4, V=5):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((N, T, D)), rng.integers(0, V, size=(N, T))
    p = {
        "Wx": rng.standard_normal((D, H)),
        "Wh": 0.5 * rng.standard_normal((H, H)),
        "b": np.zeros(H),
        "Wy": rng.standard_normal((H, V)),
        "by": np.zeros(V),
    }

    def chunk_loss(xc, yc, h0, params=p):
        h, c1 = rnn_forward(xc, h0, params["Wx"], params["Wh"], params["b"])
        s, c2 = temporal_affine_forward(h, params["Wy"], params["by"])
        loss, ds = temporal_softmax_loss(s, yc)
        dh, dWy, dby = temporal_affine_backward(ds, c2)
        _, _, dWx, dWh, db = rnn_backward(dh, c1)
        return loss, {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}, h[:, -1]

    return x, y, p, chunk_loss, np.zeros((N, H))


def test_truncated_bptt_carries_the_state_but_not_the_gradient():
    x, y, p, chunk_loss, h0 = _chunk_problem()
    chunks = list(truncated_bptt(chunk_loss, x, y, h0, seq_length=5))
    assert [(s.start, s.stop) for s in chunk_slices(12, 5)] == [(0, 5), (5, 10), (10, 12)]
    full_h, _ = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    np.testing.assert_allclose(chunks[-1][2], full_h[:, -1], rtol=1e-12)  # the state went all the way
    # Chunk 2's gradient is the gradient of chunk 2's loss with its carried-in state held constant ...
    h_in = full_h[:, 4]

    def chunk2_loss(wh):
        return chunk_loss(x[:, 5:10], y[:, 5:10], h_in, {**p, "Wh": wh})[0]

    np.testing.assert_allclose(chunks[1][1]["Wh"], numeric_gradient(chunk2_loss, p["Wh"].copy()), rtol=1e-6)

    # ... which is not the full-BPTT gradient of that loss (that one also flows back into chunk 1).
    def through_the_past(wh):
        h, _ = rnn_forward(x[:, :10], h0, p["Wx"], wh, p["b"])
        return temporal_softmax_loss(temporal_affine_forward(h[:, 5:10], p["Wy"], p["by"])[0], y[:, 5:10])[0]

    assert not np.allclose(chunks[1][1]["Wh"], numeric_gradient(through_the_past, p["Wh"].copy()), rtol=1e-3)
    # The losses of the chunks add up to the loss of the whole sequence (same forward, only cut).
    assert sum(c[0] for c in chunks) == pytest.approx(chunk_loss(x, y, h0)[0], rel=1e-12)


def test_global_norm_clipping_of_rnn_gradients_uses_the_norm_not_its_square():
    x, y, _, chunk_loss, h0 = _chunk_problem(seed=4)
    _, grads, _ = chunk_loss(x, y, h0)
    reference = {k: torch.tensor(v, requires_grad=True) for k, v in grads.items()}
    for k, t in reference.items():
        t.grad = torch.from_numpy(grads[k].copy())
    norm = clip_grad_norm(grads, 1.0)
    torch_norm = torch.nn.utils.clip_grad_norm_(list(reference.values()), 1.0)
    assert norm == pytest.approx(float(torch_norm), rel=1e-12) and norm > 1.0
    total = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    assert total == pytest.approx(1.0, rel=1e-5)  # clipped to the threshold itself, not to its square root
    for k, t in reference.items():
        np.testing.assert_allclose(grads[k], t.grad.numpy(), rtol=1e-12)
