"""Decoding a sequence model: greedy, temperature sampling and beam search (Lecture 10: sample and feed back).

Every decoder drives the same step function, so char models and captioners share them::

    step(tokens (B,) int64, state) -> (log_probs (B, V), next state)

The state is any nest of tensors whose first dimension is the batch (pass ``reorder`` for another layout,
e.g. nn.LSTM's (L, B, H)). Outputs are lists of token ids per example, without the start token and
stopping before ``end`` (when given).

>>> import torch
>>> table = torch.log_softmax(torch.tensor([[0., 3., 1.], [0., 0., 5.], [4., 0., 0.]]), dim=1)
>>> step = lambda tokens, state: (table[tokens], state)     # a bigram model over 3 tokens
>>> greedy(step, None, torch.tensor([0]), max_length=4, end=0)
[[1, 2]]
>>> beam_search(step, None, 0, max_length=4, beam=2, end=0)  # doctest: +ELLIPSIS
([1, 2], ...)
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["greedy", "sample", "beam_search", "reorder_batch_first", "reorder_batch_second"]


def reorder_batch_first(state, index: torch.Tensor):
    """Select ``index`` along dim 0 of every tensor in a nest (None, tensor, tuple or list)."""
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return type(state)(reorder_batch_first(s, index) for s in state)
    return state.index_select(0, index)


def reorder_batch_second(state, index: torch.Tensor):
    """The same along dim 1 (the (L, B, H) states of nn.LSTM / nn.GRU)."""
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return type(state)(reorder_batch_second(s, index) for s in state)
    return state.index_select(1, index)


def _trim(rows: torch.Tensor, end: int | None) -> list[list[int]]:
    out = []
    for row in rows.tolist():
        out.append(row[: row.index(end)] if end is not None and end in row else row)
    return out


@torch.no_grad()
def _decode(step: Callable, state, start: torch.Tensor, max_length: int, end, choose) -> list[list[int]]:
    tokens, out = start, []
    done = torch.zeros(len(start), dtype=torch.bool)
    for _ in range(max_length):
        log_probs, state = step(tokens, state)
        tokens = choose(log_probs)
        out.append(tokens)
        if end is not None:
            done |= tokens == end
            if bool(done.all()):
                break
    return _trim(torch.stack(out, 1), end)


def greedy(step: Callable, state, start: torch.Tensor, max_length: int, end: int | None = None):
    """Feed back the most probable token at every step; start (B,) int64 -> B lists of ids."""
    return _decode(step, state, start, max_length, end, lambda lp: lp.argmax(dim=1))


def sample(
    step: Callable,
    state,
    start: torch.Tensor,
    max_length: int,
    temperature: float = 1.0,
    end: int | None = None,
    generator: torch.Generator | None = None,
):
    """Feed back a token drawn from softmax(log_probs / temperature): < 1 sharper, > 1 more varied."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 (use greedy for the limit 0); got {temperature}.")

    def choose(log_probs):
        probs = torch.softmax(log_probs / temperature, dim=1)
        return torch.multinomial(probs, 1, generator=generator)[:, 0]

    return _decode(step, state, start, max_length, end, choose)


@torch.no_grad()
def beam_search(
    step: Callable,
    state,
    start: int,
    max_length: int,
    beam: int = 3,
    end: int | None = None,
    reorder: Callable = reorder_batch_first,
) -> tuple[list[int], float]:
    """The ``beam`` most probable partial sequences, extended one token at a time; one example.

    ``state`` is the example's state with batch size 1. A beam that has produced ``end`` is kept with its
    score unchanged (its only continuation is ``end`` at log-probability 0). Returns the best sequence and
    its total log-probability. With ``beam=1`` this is :func:`greedy`.
    """
    if beam < 1:
        raise ValueError(f"beam must be >= 1; got {beam}.")
    tokens = torch.full((1, 0), start, dtype=torch.long)
    last = torch.tensor([start])
    scores = torch.zeros(1, dtype=torch.float64)
    finished = torch.zeros(1, dtype=torch.bool)
    for _ in range(max_length):
        log_probs, state = step(last, state)  # (K, V)
        log_probs = log_probs.double()
        if end is not None and bool(finished.any()):
            stay = torch.full_like(log_probs[0], float("-inf"))
            stay[end] = 0.0
            log_probs[finished] = stay
        V = log_probs.shape[1]
        flat = (scores[:, None] + log_probs).reshape(-1)  # (K * V,)
        scores, index = flat.topk(min(beam, flat.numel()))
        source, last = index // V, index % V
        tokens = torch.cat([tokens[source], last[:, None]], dim=1)
        state = reorder(state, source)
        finished = finished[source] | (last == end if end is not None else torch.zeros_like(finished[source]))
        if end is not None and bool(finished.all()):
            break
    return _trim(tokens[:1], end)[0], float(scores[0])
