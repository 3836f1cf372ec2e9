"""The 84x84x4 Atari preprocessing on real ALE frames (the ale-py wheel carries the ROMs)."""

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("ale_py")

from visrec.rl.common.env_factory import make_env  # noqa: E402
from visrec.rl.common.replay import FrameReplayBuffer  # noqa: E402


def _pil_reference(rgb):
    """Independent pipeline (Pillow): ITU-R 601 gray, box-filter to 84x110, crop rows 18..101."""
    small = Image.fromarray(rgb).convert("L").resize((84, 110), Image.BOX)
    return np.asarray(small)[18:102]


def test_preprocessing_on_real_pong_frames():
    import gymnasium as gym

    raw = gym.make("ALE/Pong-v5", repeat_action_probability=0.0)
    env = make_env("ALE/Pong-v5", repeat_action_probability=0.0)
    obs, _ = env.reset(seed=3)
    rgb, _ = raw.reset(seed=3)
    assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
    assert all((obs[k] == obs[0]).all() for k in range(4))  # reset fills the stack with the first frame
    history = [obs]
    for t in range(60):
        action = t % 6
        obs, *_ = env.step(action)
        rgb, *_ = raw.step(action)
        history.append(obs)
    # the newest frame matches an independent Pillow implementation of the same steps
    diff = np.abs(obs[-1].astype(int) - _pil_reference(rgb).astype(int))
    # (the two resamplers differ only where a box straddles the crop's edge row)
    assert diff.mean() < 1.0 and np.mean(diff > 20) < 0.02
    # the stack holds the last 4 frames, oldest first
    for prev, cur in zip(history[:-1], history[1:], strict=True):
        np.testing.assert_array_equal(cur[:3], prev[1:])
    # the crop keeps the playing field: the score bar (top of the raw frame) is gone, paddles remain
    assert obs[-1].std() > 5


def test_frame_replay_on_real_frames_round_trips():
    env = make_env("ALE/Pong-v5")
    buf = FrameReplayBuffer(2000, (4, 84, 84), seed=0)
    obs, _ = env.reset(seed=0)
    kept = []
    for t in range(150):
        nxt, r, term, trunc, _ = env.step(t % 6)
        end = term or trunc or t % 50 == 49  # pretend episodes end every 50 steps
        buf.add(obs, t, r, nxt, term, episode_end=end)
        kept.append((obs, nxt))
        obs = env.reset()[0] if end else nxt
    batch = buf.sample(64)
    for o, a, n in zip(batch.obs.numpy(), batch.actions.numpy(), batch.next_obs.numpy(), strict=True):
        np.testing.assert_array_equal(o, kept[a][0])
        np.testing.assert_array_equal(n, kept[a][1])


def test_channels_last_trunk_matches_the_plain_convolutions_and_round_trips(tmp_path):
    import torch

    from visrec.rl.common.checkpoint import pack_training_state, unpack_training_state
    from visrec.rl.common.policies import MnihTrunk
    from visrec.runs.arrays import load_arrays, save_arrays

    torch.manual_seed(0)
    trunk = MnihTrunk()
    obs = torch.randint(0, 256, (5, 4, 84, 84), dtype=torch.uint8)
    net = trunk.net  # the reference: the same weights, float64, default (NCHW) layout
    x = obs.double() / 255.0
    x = torch.relu(torch.nn.functional.conv2d(x, net[0].weight.double(), net[0].bias.double(), stride=4))
    x = torch.relu(torch.nn.functional.conv2d(x, net[2].weight.double(), net[2].bias.double(), stride=2))
    ref = torch.relu(torch.nn.functional.linear(x.flatten(1), net[5].weight.double(), net[5].bias.double()))
    out = trunk(obs)
    torch.testing.assert_close(out.double(), ref, rtol=1e-5, atol=1e-5)
    out.sum().backward()
    assert net[0].weight.grad.shape == (16, 4, 8, 8)
    # channels-last weights (non-C-contiguous arrays) survive the project's safetensors round trip
    tensors, meta = pack_training_state({"trunk": trunk}, {})
    save_arrays(tmp_path / "t.safetensors", tensors)
    fresh = MnihTrunk()
    unpack_training_state(load_arrays(tmp_path / "t.safetensors"), meta, {"trunk": fresh}, {})
    torch.testing.assert_close(fresh(obs), out, rtol=0, atol=0)
