"""Replay memories: capacity, uniform sampling, exact frame-stack reconstruction, bounded memory."""

import numpy as np
import pytest

from visrec.rl.common.errors import ParameterError
from visrec.rl.common.replay import FrameReplayBuffer, ReplayBuffer


def test_capacity_overwrites_oldest_first():
    buf = ReplayBuffer(capacity=5, obs_shape=(3,), seed=0)
    for t in range(12):
        buf.add(np.full(3, t), t % 2, float(t), np.full(3, t + 1), t == 11)
    assert len(buf) == 5
    assert sorted(buf.obs[:, 0].tolist()) == [7, 8, 9, 10, 11]
    batch = buf.sample(1000)
    assert batch.obs.shape == (1000, 3) and batch.actions.shape == (1000,)
    # every sampled transition is a stored one, obs / next_obs / reward stay aligned
    np.testing.assert_array_equal(batch.next_obs[:, 0].numpy(), batch.obs[:, 0].numpy() + 1)
    np.testing.assert_array_equal(batch.rewards.numpy(), batch.obs[:, 0].numpy())
    assert set(batch.terminated.numpy().tolist()) == {0.0, 1.0}


def test_sampling_is_uniform():
    buf = ReplayBuffer(capacity=10, obs_shape=(1,), seed=1)
    for t in range(10):
        buf.add([t], 0, 0.0, [t], False)
    counts = np.bincount(buf.sample(50_000).obs[:, 0].numpy().astype(int), minlength=10)
    # chi-square goodness of fit against uniform, 9 degrees of freedom: p < 0.001 above 27.9
    chi2 = ((counts - 5000) ** 2 / 5000).sum()
    assert chi2 < 27.9


def test_empty_and_bad_capacity():
    with pytest.raises(ParameterError, match="buffer-size"):
        ReplayBuffer(capacity=0, obs_shape=(1,))
    with pytest.raises(ParameterError, match="empty"):
        ReplayBuffer(capacity=3, obs_shape=(1,)).sample(2)


def _fake_episodes(rng, lengths, stack=4, side=6):
    """Observations as a frame-stacking wrapper would produce them (zero padding at reset)."""
    for length in lengths:
        frames = [rng.integers(0, 256, (side, side), dtype=np.uint8) for _ in range(length + 1)]
        pad = [np.zeros((side, side), np.uint8)] * (stack - 1)
        seq = pad + frames
        for t in range(length):
            obs, nxt = np.stack(seq[t:t + stack]), np.stack(seq[t + 1:t + 1 + stack])
            yield obs, nxt, t == length - 1


@pytest.mark.parametrize("capacity", [40, 1000])
def test_frame_buffer_rebuilds_stacks_exactly(capacity):
    rng = np.random.default_rng(0)
    buf = FrameReplayBuffer(capacity, (4, 6, 6), seed=0)
    stored = {}
    for i, (obs, nxt, done) in enumerate(_fake_episodes(rng, [7, 1, 12, 30, 5])):
        buf.add(obs, i, float(i), nxt, done)
        stored[i] = (obs, nxt, done)
    batch = buf.sample(500)
    for o, a, r, n, d in zip(batch.obs.numpy(), batch.actions.numpy(), batch.rewards.numpy(),
                             batch.next_obs.numpy(), batch.terminated.numpy(), strict=True):
        obs, nxt, done = stored[int(a)]
        assert r == a
        np.testing.assert_array_equal(o, obs)
        np.testing.assert_array_equal(n, nxt)
        assert bool(d) == done
    if capacity == 40:  # only recent transitions survive
        assert min(batch.actions.numpy()) >= 55 - 40


def test_frame_buffer_memory_is_bounded_and_uint8():
    buf = FrameReplayBuffer(10_000, (4, 84, 84))
    assert buf.frames.dtype == np.uint8
    # one 84x84 frame per step plus a few bytes of bookkeeping, fixed at construction
    assert buf.nbytes < 10_000 * (84 * 84 + 32)
    assert buf.nbytes * 7 < ReplayBuffer(10_000, (4, 84, 84), np.uint8).nbytes
