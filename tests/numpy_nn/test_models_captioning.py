"""NumPy CaptioningRNN: gradients of every parameter, masked <NULL> steps, overfitting 50 examples."""

import numpy as np
import pytest

from visrec.numpy_nn.gradcheck import check_model_gradients
from visrec.numpy_nn.models.captioning import CaptioningRNN
from visrec.numpy_nn.optim import Optimizer


def small_batch(rng, N=3, T=5, V=9, D=6):
    captions = rng.integers(3, V, size=(N, T + 1))
    captions[:, 0] = 1  # <START>
    captions[0, 3], captions[0, 4:] = 2, 0  # <END> then <NULL> padding
    captions[1, 5] = 2
    return rng.standard_normal((N, D)), captions


@pytest.mark.parametrize(
    ("cell", "inject"), [("rnn", "init"), ("lstm", "init"), ("rnn", "every"), ("lstm", "every")]
)
def test_gradients_of_every_parameter(cell, inject):
    rng = np.random.default_rng(0)
    model = CaptioningRNN(9, input_dim=6, wordvec_dim=4, hidden_dim=5, cell_type=cell, inject=inject, seed=1)
    model.params["W_embed"] *= 10  # larger embeddings: gradients well above the numeric noise floor
    features, captions = small_batch(rng)
    errors = check_model_gradients(model, features, captions, h=1e-5)
    assert max(errors.values()) < 1e-5, errors  # tiny Wh entries: rounding / h ~ 1e-6 (a bug gives > 1e-3)


def test_extra_null_padding_does_not_change_the_loss():
    rng = np.random.default_rng(1)
    model = CaptioningRNN(9, input_dim=6, wordvec_dim=4, hidden_dim=5, cell_type="lstm")
    features, captions = small_batch(rng)
    captions[:, -1] = np.where(captions[:, -2] == 0, 0, 2)  # every caption ends inside the array
    loss, grads = model.loss(features, captions)
    padded = np.concatenate([captions, np.zeros((3, 4), dtype=captions.dtype)], axis=1)
    loss2, grads2 = model.loss(features, padded)
    assert loss2 == pytest.approx(loss, rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(grads2[k], grads[k], rtol=1e-10, atol=1e-14)


def overfit(cell, epochs, lr):
    rng = np.random.default_rng(0)
    N, T, V, D = 50, 8, 30, 32
    features = rng.standard_normal((N, D))
    captions = rng.integers(3, V, size=(N, T + 1))
    captions[:, 0] = 1
    lengths = rng.integers(3, T, size=N)
    for n, length in enumerate(lengths):
        captions[n, length] = 2
        captions[n, length + 1 :] = 0
    model = CaptioningRNN(V, input_dim=D, wordvec_dim=32, hidden_dim=64, cell_type=cell, seed=0)
    opt = Optimizer("adam", lr=lr)
    for _ in range(epochs):
        for batch in np.split(rng.permutation(N), 2):
            loss, grads = model.loss(features[batch], captions[batch])
            opt.step(model.params, grads)
    final = model.loss(features, captions)[0]
    greedy = model.sample(features, max_length=T)
    return final, greedy, captions


@pytest.mark.parametrize(("cell", "target"), [("rnn", 0.1), ("lstm", 0.5)])
def test_overfits_50_examples(cell, target):
    loss, greedy, captions = overfit(cell, epochs=100, lr=1e-2)
    assert loss < target
    assert np.array_equal(greedy, captions[:, 1:])  # and reproduces every training caption exactly


def test_bad_cell_type_is_a_clear_error():
    with pytest.raises(ValueError, match="'cell_type' parameter of CaptioningRNN must be one of"):
        CaptioningRNN(10, cell_type="gru2")
