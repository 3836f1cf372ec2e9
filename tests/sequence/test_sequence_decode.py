"""Greedy, temperature sampling and beam search on small models whose answers are known."""

import pytest
import torch

from visrec.sequence.decode import beam_search, greedy, reorder_batch_second, sample
from visrec.sequence.models.char_model import CharRNN
from visrec.sequence.models.image_captioner import ImageCaptioner


def char_step(model):
    def step(tokens, state):
        logits, state = model(tokens[:, None], state)
        return torch.log_softmax(logits[:, 0], dim=1), state

    return step


def test_beam_1_equals_greedy_on_a_random_lstm():
    torch.manual_seed(0)
    model = CharRNN(vocab_size=12, embed=8, hidden=16, layers=2).eval()
    step = char_step(model)
    for start in range(12):
        g = greedy(step, None, torch.tensor([start]), max_length=30, end=3)[0]
        b, _ = beam_search(step, None, start, max_length=30, beam=1, end=3, reorder=reorder_batch_second)
        assert b == g


def test_beam_finds_the_more_probable_sequence_that_greedy_misses():
    # From token 0: greedy takes 1 (p=0.6) then is stuck with p=0.5; 2 (p=0.4) continues with p=1.0.
    table = torch.full((5, 5), 1e-9)
    table[0, 1], table[0, 2] = 0.6, 0.4
    table[1, 3], table[1, 4] = 0.5, 0.5
    table[2, 3] = 1.0
    table[3, 4] = table[4, 4] = 1.0
    log_table = torch.log(table / table.sum(1, keepdim=True))

    def step(tokens, state):
        return log_table[tokens], state

    assert greedy(step, None, torch.tensor([0]), max_length=5, end=4)[0] == [1, 3]
    best, score = beam_search(step, None, 0, max_length=5, beam=2, end=4)
    assert best == [2, 3] and score > float(torch.log(torch.tensor(0.6 * 0.5)))


def test_low_temperature_sampling_is_greedy_and_high_temperature_varies():
    torch.manual_seed(1)
    model = CharRNN(vocab_size=12, embed=8, hidden=16, layers=1, cell="gru").eval()
    with torch.no_grad():
        model.head.weight *= 30  # clear margins between the best and the second-best token
    step = char_step(model)
    start = torch.arange(12)
    g = greedy(step, None, start, max_length=20)
    cold = sample(
        step, None, start, max_length=20, temperature=1e-4, generator=torch.Generator().manual_seed(0)
    )
    hot = sample(
        step, None, start, max_length=20, temperature=5.0, generator=torch.Generator().manual_seed(0)
    )
    assert cold == g and hot != g


@pytest.mark.parametrize("model", ["lstm", "attention"])
def test_beam_1_equals_greedy_on_captioners(model):
    torch.manual_seed(2)
    m = ImageCaptioner(vocab_size=15, model=model, encoder_width=4, embed=8, hidden=16, image_size=24).eval()
    with torch.no_grad():
        for p in m.decoder.parameters():
            p.mul_(3)  # sharper word distributions, longer captions
    images = torch.rand(4, 3, 24, 24)
    g = m.caption(images, max_length=10)
    feats = m.encode(images)
    for i in range(4):
        carry = m.decoder.init_state(feats[i : i + 1])
        assert beam_search(m.decoder.step, carry, 1, 10, beam=1, end=2)[0] == g[i]
    wide = m.caption(images, max_length=10, beam=3)
    assert len(wide) == 4 and all(isinstance(t, int) for c in wide for t in c)
