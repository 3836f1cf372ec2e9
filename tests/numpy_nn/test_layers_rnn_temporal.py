"""Word embedding, temporal affine and the masked temporal softmax loss."""

import numpy as np
import pytest
import torch

from _testers import LayerCase, LossCase, case_params, check_case, check_loss_case
from visrec.numpy_nn.layers import (
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)

TOKENS = np.array([[0, 3, 3, 1], [3, 2, 0, 0]])  # repeated ids: the backward must accumulate them


def masked_targets(rng):
    scores = rng.standard_normal((3, 5, 7))
    y = rng.integers(0, 7, size=(3, 5))
    return scores, y


MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=bool)


def torch_masked_ce(scores, y):
    ce = torch.nn.functional.cross_entropy(scores.permute(0, 2, 1), y, reduction="none")  # (N, T)
    return (ce * torch.as_tensor(MASK)).sum() / scores.shape[0]


CASES = [
    LayerCase(
        "embedding",
        lambda W, x: word_embedding_forward(x, W),
        word_embedding_backward,
        lambda rng: {"W": rng.standard_normal((4, 3))},
        torch_fn=lambda W: torch.nn.functional.embedding(torch.as_tensor(TOKENS), W),
        extra_args=(TOKENS,),
    ),
    LayerCase(
        "temporal-affine",
        temporal_affine_forward,
        temporal_affine_backward,
        lambda rng: {
            "x": rng.standard_normal((2, 3, 4)),
            "w": rng.standard_normal((4, 5)),
            "b": rng.standard_normal(5),
        },
        torch_fn=lambda x, w, b: x @ w + b,
    ),
]


@pytest.mark.parametrize(("case", "check"), case_params(CASES))
def test_layer(case, check):
    check_case(case, check)


def test_temporal_softmax_loss_with_mask_matches_torch_and_numeric_gradient():
    check_loss_case(
        LossCase(
            "temporal-softmax-masked",
            lambda s, y: temporal_softmax_loss(s, y, MASK),
            masked_targets,
            torch_masked_ce,
        )
    )


def test_masked_steps_contribute_nothing():
    rng = np.random.default_rng(0)
    scores, y = masked_targets(rng)
    loss, dx = temporal_softmax_loss(scores, y, MASK)
    changed = scores.copy()
    changed[~MASK] = 100 * rng.standard_normal(changed[~MASK].shape)  # anything at the <NULL> steps
    y2 = y.copy()
    y2[~MASK] = 0
    loss2, dx2 = temporal_softmax_loss(changed, y2, MASK)
    assert loss2 == pytest.approx(loss, rel=1e-12)
    assert np.all(dx[~MASK] == 0) and np.all(dx2[~MASK] == 0)
    np.testing.assert_allclose(dx2[MASK], dx[MASK], rtol=1e-12)


def test_uniform_scores_give_log_v_per_unmasked_step():
    loss, _ = temporal_softmax_loss(np.zeros((3, 5, 7)), np.zeros((3, 5), dtype=int), MASK)
    assert loss == pytest.approx(MASK.sum() / 3 * np.log(7), rel=1e-12)


def test_embedding_backward_accumulates_repeated_ids():
    _, cache = word_embedding_forward(TOKENS, np.zeros((4, 2)))
    dW = word_embedding_backward(np.ones((2, 4, 2)), cache)
    np.testing.assert_array_equal(dW[:, 0], np.bincount(TOKENS.ravel(), minlength=4))


def test_unknown_token_id_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown token id 9 at position \(0, 1\).*V=4"):
        word_embedding_forward(np.array([[1, 9]]), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"unknown token id -1"):
        temporal_softmax_loss(np.zeros((1, 2, 4)), np.array([[0, -1]]))
