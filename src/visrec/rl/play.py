"""Play one episode with a trained policy and save it as a GIF (``visrec rl play RUN --gif out.gif``).

Frames come from the environment's ``render_mode="rgb_array"``. CartPole's own renderer needs pygame; when
it is missing, a small NumPy drawing of the cart and pole from the state vector is used instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.rl.common.env_factory import make_env
from visrec.rl.common.errors import ParameterError

__all__ = ["play_episode", "draw_cartpole"]


def draw_cartpole(state, width: int = 300, height: int = 200) -> np.ndarray:
    """An RGB frame (H, W, 3) uint8 of CartPole's state (x, x_dot, theta, theta_dot)."""
    x, _, theta, _ = (float(v) for v in state)
    img = np.full((height, width, 3), 255, dtype=np.uint8)
    ground = int(height * 0.75)
    img[ground, :] = 0
    cx = int(width / 2 + x / 2.4 * width / 2)
    img[ground - 10:ground, max(cx - 20, 0):min(cx + 20, width)] = (60, 60, 60)
    length = height * 0.45
    for t in np.linspace(0, 1, 200):  # the pole, hinged on the cart
        px = int(cx + t * length * np.sin(theta))
        py = int(ground - 10 - t * length * np.cos(theta))
        if 0 <= px < width and 0 <= py < height:
            img[max(py - 2, 0):py + 2, max(px - 2, 0):px + 2] = (200, 120, 40)
    return img


def play_episode(algo, gif: str | Path | None = None, max_steps: int = 1000, fps: int = 30,
                 seed: int = 0) -> dict:
    """Run one deterministic episode; write the frames to ``gif`` if given. Returns return and length."""
    try:
        env = make_env(algo.env_name, render_mode="rgb_array")
        obs, _ = env.reset(seed=seed)
        renderer = env.render
        renderer()
    except Exception as exc:  # pygame (classic control's renderer) is an optional dependency
        if "CartPole" not in algo.env_name:
            raise ParameterError(f"{algo.env_name} cannot render frames here ({exc}); play needs "
                                 "render_mode='rgb_array'.") from None
        env = make_env(algo.env_name)
        obs, _ = env.reset(seed=seed)

        def renderer():
            return draw_cartpole(env.unwrapped.state)
    frames, total, steps, done = [renderer()], 0.0, 0, False
    while not done and steps < max_steps:
        action, _ = algo.predict(obs, deterministic=True)
        obs, reward, terminated, truncated, _ = env.step(action)
        total, steps, done = total + float(reward), steps + 1, terminated or truncated
        if gif is not None:
            frames.append(renderer())
    if gif is not None:
        from PIL import Image

        images = [Image.fromarray(np.asarray(f, dtype=np.uint8)) for f in frames]
        images[0].save(gif, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
    return {"return": total, "length": steps, "frames": len(frames), "gif": str(gif) if gif else None}
