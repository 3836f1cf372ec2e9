"""Vanilla RNN, LSTM and GRU pairs: numeric gradients, torch twins (torch.nn.RNN / LSTM), naive vs fast."""

import numpy as np
import pytest
import torch

from _testers import LayerCase, case_params, check_case
from visrec.numpy_nn.layers import (
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
    lstm_backward,
    lstm_backward_naive,
    lstm_forward,
    lstm_forward_naive,
    lstm_step_backward,
    lstm_step_forward,
    rnn_backward,
    rnn_backward_naive,
    rnn_forward,
    rnn_forward_naive,
    rnn_step_backward,
    rnn_step_forward,
)

N, T, D, H = 3, 4, 5, 6


def recurrent_inputs(gates, seq=True):
    def make(rng):
        x_shape = (N, T, D) if seq else (N, D)
        return {
            "x": rng.standard_normal(x_shape),
            "h0": rng.standard_normal((N, H)),
            "Wx": 0.5 * rng.standard_normal((D, gates * H)),
            "Wh": 0.5 * rng.standard_normal((H, gates * H)),
            "b": 0.5 * rng.standard_normal(gates * H),
        }

    return make


def torch_rnn(x, h0, Wx, Wh, b):
    """torch.nn.RNN (tanh) with our weights: weight_ih = Wx^T, weight_hh = Wh^T, one bias."""
    rnn = torch.nn.RNN(D, H, batch_first=True).double()
    params = {"weight_ih_l0": Wx.T, "weight_hh_l0": Wh.T, "bias_ih_l0": b, "bias_hh_l0": torch.zeros_like(b)}
    return torch.func.functional_call(rnn, params, (x, h0[None]))[0]


def to_torch_gate_order(w):
    """Our gate blocks i, f, o, g -> torch.nn.LSTM's i, f, g, o (along the last axis)."""
    i, f, o, g = w.chunk(4, dim=-1)
    return torch.cat([i, f, g, o], dim=-1)


def torch_lstm(x, h0, Wx, Wh, b):
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    params = {
        "weight_ih_l0": to_torch_gate_order(Wx).T,
        "weight_hh_l0": to_torch_gate_order(Wh).T,
        "bias_ih_l0": to_torch_gate_order(b),
        "bias_hh_l0": torch.zeros_like(b),
    }
    return torch.func.functional_call(lstm, params, (x, (h0[None], torch.zeros_like(h0)[None])))[0]


def torch_gru_step(x, h, Wx, Wh, b):
    """The lecture's GRU (reset gate before the recurrent product), written in torch ops."""
    a = x @ Wx + b
    r = torch.sigmoid(a[:, :H] + h @ Wh[:, :H])
    z = torch.sigmoid(a[:, H : 2 * H] + h @ Wh[:, H : 2 * H])
    hc = torch.tanh(a[:, 2 * H :] + (r * h) @ Wh[:, 2 * H :])
    return z * h + (1 - z) * hc


def torch_gru(x, h0, Wx, Wh, b):
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = torch_gru_step(x[:, t], h, Wx, Wh, b)
        hs.append(h)
    return torch.stack(hs, dim=1)


def lstm_step_pair():
    """The step as one output (h and c side by side, (N, 2H)) so the tester can drive it."""

    def forward(x, prev_h, prev_c, Wx, Wh, b):
        h, c, cache = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
        return np.concatenate([h, c], axis=1), cache

    def backward(dout, cache):
        return lstm_step_backward(dout[:, :H], dout[:, H:], cache)

    return forward, backward


def lstm_step_inputs(rng):
    d = recurrent_inputs(4, seq=False)(rng)
    return {
        "x": d["x"],
        "prev_h": d["h0"],
        "prev_c": rng.standard_normal((N, H)),
        **{k: d[k] for k in "Wx Wh b".split()},
    }


def torch_lstm_step(x, h, c, Wx, Wh, b):
    a = x @ Wx + b + h @ Wh
    i, f, o = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H : 2 * H]), torch.sigmoid(a[:, 2 * H : 3 * H])
    c2 = f * c + i * torch.tanh(a[:, 3 * H :])
    return torch.cat([o * torch.tanh(c2), c2], dim=1)


CASES = [
    LayerCase(
        "rnn-step",
        rnn_step_forward,
        rnn_step_backward,
        recurrent_inputs(1, seq=False),
        torch_fn=lambda x, h, Wx, Wh, b: torch.tanh(x @ Wx + h @ Wh + b),
    ),
    LayerCase(
        "rnn-seq",
        rnn_forward,
        rnn_backward,
        recurrent_inputs(1),
        torch_fn=torch_rnn,
        naive=(rnn_forward_naive, rnn_backward_naive),
    ),
    LayerCase("lstm-step", *lstm_step_pair(), lstm_step_inputs, torch_fn=torch_lstm_step),
    LayerCase(
        "lstm-seq",
        lstm_forward,
        lstm_backward,
        recurrent_inputs(4),
        torch_fn=torch_lstm,
        naive=(lstm_forward_naive, lstm_backward_naive),
    ),
    LayerCase(
        "gru-step",
        gru_step_forward,
        gru_step_backward,
        recurrent_inputs(3, seq=False),
        torch_fn=torch_gru_step,
    ),
    LayerCase("gru-seq", gru_forward, gru_backward, recurrent_inputs(3), torch_fn=torch_gru),
]


@pytest.mark.parametrize(("case", "check"), case_params(CASES))
def test_layer(case, check):
    check_case(case, check)


def test_lstm_carries_the_cell_state_across_chunks():
    rng = np.random.default_rng(3)
    d = recurrent_inputs(4)(rng)
    x, h0, Wx, Wh, b = d.values()
    full, cache = lstm_forward(x, h0, Wx, Wh, b)
    first, c1 = lstm_forward(x[:, :2], h0, Wx, Wh, b)
    c_mid = c1[5][:, -1]
    second, _ = lstm_forward(x[:, 2:], first[:, -1], Wx, Wh, b, c0=c_mid)
    second_naive, _ = lstm_forward_naive(x[:, 2:], first[:, -1], Wx, Wh, b, c0=c_mid)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), full, rtol=1e-12)
    np.testing.assert_allclose(second_naive, second, rtol=1e-12)


@pytest.mark.parametrize("forward", [rnn_forward, lstm_forward, gru_forward])
def test_mismatched_shapes_name_every_array(forward):
    with pytest.raises(ValueError, match=r"h0 \(N, H\).*got x \(2, 3, 4\), h0 \(2, 5\)"):
        forward(np.zeros((2, 3, 4)), np.zeros((2, 5)), np.zeros((3, 20)), np.zeros((5, 20)), np.zeros(20))
