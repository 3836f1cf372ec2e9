"""The two engines' captioners agree: equal weights give equal losses, gradients and greedy captions.

(The one test module of this package that imports both the NumPy engine and torch models.)
"""

import numpy as np
import pytest
import torch

from visrec.numpy_nn.models.captioning import CaptioningRNN
from visrec.sequence.decode import greedy
from visrec.sequence.models.captioner import CaptionDecoder, caption_loss

V, D, W, H = 11, 7, 5, 6


def batch(seed):
    rng = np.random.default_rng(seed)
    captions = rng.integers(3, V, size=(4, 9))
    captions[:, 0] = 1
    captions[0, 5], captions[0, 6:] = 2, 0
    captions[2, 3], captions[2, 4:] = 2, 0
    return rng.standard_normal((4, D)), captions


def twins(cell, inject, seed=0):
    np_model = CaptioningRNN(
        V, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell, inject=inject, seed=seed
    )
    rng = np.random.default_rng(seed + 100)
    for k in ("b", "b_proj", "b_vocab"):  # non-zero biases, so they are compared too
        np_model.params[k] = 0.3 * rng.standard_normal(np_model.params[k].shape)
    torch_model = CaptionDecoder(V, D, embed=W, hidden=H, cell=cell, inject=inject).double()
    mapping = {
        "W_proj": torch_model.W_proj,
        "b_proj": torch_model.b_proj,
        "W_embed": torch_model.W_embed,
        "Wx": torch_model.cell.Wx,
        "Wh": torch_model.cell.Wh,
        "b": torch_model.cell.b,
        "W_vocab": torch_model.W_vocab,
        "b_vocab": torch_model.b_vocab,
    }
    with torch.no_grad():
        for k, p in mapping.items():
            p.copy_(torch.from_numpy(np_model.params[k]))
    return np_model, torch_model, mapping


@pytest.mark.parametrize(
    ("cell", "inject"), [("rnn", "init"), ("lstm", "init"), ("rnn", "every"), ("lstm", "every")]
)
def test_equal_weights_give_equal_losses_and_gradients(cell, inject):
    np_model, torch_model, mapping = twins(cell, inject)
    features, captions = batch(1)
    loss, grads = np_model.loss(features, captions)
    cap = torch.from_numpy(captions)
    scores = torch_model(torch.from_numpy(features), cap[:, :-1])
    loss_t = caption_loss(scores, cap[:, 1:])
    loss_t.backward()
    assert loss_t.item() == pytest.approx(loss, rel=1e-12)
    for k, p in mapping.items():
        np.testing.assert_allclose(p.grad.numpy(), grads[k], rtol=1e-9, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_equal_weights_give_equal_greedy_captions(cell):
    np_model, torch_model, _ = twins(cell, "every", seed=3)
    features, _ = batch(2)
    ours = np_model.sample(features, max_length=12)
    f = torch.from_numpy(features)
    theirs = greedy(torch_model.step, torch_model.init_state(f), torch.full((4,), 1), max_length=12, end=2)
    for row, seq in zip(ours, theirs, strict=True):
        row = row.tolist()
        assert (row[: row.index(2)] if 2 in row else row) == seq
