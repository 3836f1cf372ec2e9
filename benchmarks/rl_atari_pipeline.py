"""Claim: visrec's Atari pipeline (grayscale, downsample, crop, 4-frame stack, uint8 frame replay) runs at
least as many environment frames per second as stable-baselines3's Atari wrappers + replay buffer, in less
memory; and an agent learns Pong within an hour on this CPU (mean return clearly above random's about -20.7).

    python benchmarks/rl_atari_pipeline.py [--steps 5000] [--capacity 100000] [--quick]
    python benchmarks/rl_atari_pipeline.py --pong-minutes 50 --pong-algo ppo --pong-threads 1   # + the curve

Same emulator work on both sides: PongNoFrameskip-v4, 4 repeated frames per action (max of the last two),
84x84 frames, 4 stacked, random actions; every 4 agent steps a minibatch of 32 is sampled from the replay
memory (as DQN does). Both pipelines run alternately in this process, 3 rounds; frames/s = 4 x steps / s.
stable-baselines3 is the reference and is used here only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch


def visrec_pipeline(steps: int, capacity: int):
    from visrec.rl.common.env_factory import make_env
    from visrec.rl.common.replay import FrameReplayBuffer

    env = make_env("PongNoFrameskip-v4", atari_kwargs={"frame_skip": 4})
    buf = FrameReplayBuffer(capacity, env.observation_space.shape, seed=0)
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    t0 = time.perf_counter()
    for t in range(steps):
        action = int(rng.integers(env.action_space.n))
        nxt, r, term, trunc, _ = env.step(action)
        buf.add(obs, action, r, nxt, term, episode_end=term or trunc)
        obs = env.reset()[0] if term or trunc else nxt
        if t % 4 == 3 and t > 64:
            buf.sample(32)
    return 4 * steps / (time.perf_counter() - t0), buf.nbytes


def sb3_pipeline(steps: int, capacity: int):
    import gymnasium as gym
    from stable_baselines3.common.atari_wrappers import AtariWrapper
    from stable_baselines3.common.buffers import ReplayBuffer
    from stable_baselines3.common.vec_env import DummyVecEnv, VecFrameStack

    def make():
        return AtariWrapper(gym.make("PongNoFrameskip-v4"), noop_max=0, frame_skip=4,
                            terminal_on_life_loss=False, clip_reward=False)

    env = VecFrameStack(DummyVecEnv([make]), 4)
    env.seed(0)
    buf = ReplayBuffer(capacity, env.observation_space, env.action_space, device="cpu",
                       optimize_memory_usage=True, handle_timeout_termination=False)
    rng = np.random.default_rng(0)
    obs = env.reset()
    t0 = time.perf_counter()
    for t in range(steps):
        action = np.array([int(rng.integers(env.action_space.n))])
        nxt, r, done, infos = env.step(action)
        buf.add(obs, nxt, action, r, done, infos)
        obs = nxt
        if t % 4 == 3 and t > 64:
            buf.sample(32)
    nbytes = sum(a.nbytes for a in (buf.observations, buf.actions, buf.rewards, buf.dones))
    return 4 * steps / (time.perf_counter() - t0), nbytes


def random_pong(episodes: int) -> np.ndarray:
    """Returns of the uniform random policy on the same preprocessed Pong (the reference run)."""
    from visrec.rl.common.env_factory import make_env

    env, rng, out = make_env("ALE/Pong-v5", seed=123), np.random.default_rng(123), []
    for i in range(episodes):
        env.reset(seed=1000 + i)
        total, done = 0.0, False
        while not done:
            _, r, term, trunc, _ = env.step(int(rng.integers(env.action_space.n)))
            total, done = total + float(r), term or trunc
        out.append(total)
    env.close()
    return np.asarray(out)


def plot_pong(steps: list[int], returns: list[float], path: Path, title: str) -> None:
    """Episode returns against agent steps, with the mean of the last 10 episodes and random's -20.7."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rolling = [float(np.mean(returns[max(0, i - 9): i + 1])) for i in range(len(returns))]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(steps, returns, ".", alpha=0.35, label="episode return")
    ax.plot(steps, rolling, label="mean of the last 10 episodes")
    ax.axhline(-20.7, color="grey", ls="--", label="random policy (-20.7)")
    ax.set(xlabel="agent steps (x4 frames)", ylabel="return", title=title)
    ax.legend(loc="upper left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def pong(minutes: float, threads: int, algo_name: str, explore_steps: int, out: str,
         horizon: int = 5_000_000, vec_env: str = "sync", overrides: dict | None = None,
         random_episodes: int = 30) -> None:
    """``algo_name`` (dqn or ppo) with the Atari preset on Pong, stopped after ``minutes``.

    ``learn`` is given a horizon it never reaches (the time limit stops it first). DQN: epsilon anneals over
    ``explore_steps`` (the fraction is of the learn call, as in SB3). PPO: the preset's linear lr and clip
    schedules would anneal over the horizon, so they are made constant; ``vec_env="async"`` steps its 8
    environments in worker processes (the other core). ``overrides`` replace preset values.
    """
    from visrec.rl.persist import build_algo
    from visrec.rl.presets import preset

    torch.set_num_threads(threads)
    hp = preset("ALE/Pong-v5", algo_name, atari=True)
    if algo_name == "dqn":
        hp["exploration_fraction"] = explore_steps / horizon
    else:
        hp["lr_schedule"], hp["clip_schedule"] = "constant", "constant"
        hp["vec_env"] = vec_env
    hp.update(overrides or {})
    print(f"pong: {algo_name} {hp}, {threads} torch thread(s), load average {os.getloadavg()[0]:.1f}", flush=True)
    algo = build_algo(algo_name, "ALE/Pong-v5", "CnnPolicy", 0, hp)
    returns, steps, start = [], [], time.perf_counter()

    def on_episode(a, rec):
        returns.append(rec["episode_return"])
        steps.append(a.num_timesteps)
        minutes_so_far = (time.perf_counter() - start) / 60
        print(f"  pong episode {len(returns)}: return {rec['episode_return']:.0f} at {a.num_timesteps} "
              f"steps, {minutes_so_far:.1f} min", flush=True)
        return time.perf_counter() - start < minutes * 60

    algo.learn(horizon, callback=on_episode)
    algo.close()
    for n in (10, 100):
        last = np.asarray(returns[-n:], float)
        se = last.std(ddof=1) / np.sqrt(len(last)) if len(last) > 1 else float("nan")
        print(f"pong: {len(returns)} episodes, {algo.num_timesteps} agent steps in {minutes:g} min; mean return "
              f"of the last {len(last)} episodes {last.mean():.2f} +- {se:.2f} (standard error)")
    ref = random_pong(random_episodes)
    se = ref.std(ddof=1) / np.sqrt(len(ref)) if len(ref) > 1 else float("nan")
    print(f"reference: the uniform random policy over {len(ref)} episodes in this process: {ref.mean():.2f} +- "
          f"{se:.2f}")
    path = Path(out) / "plots" / "pong_learning_curve.png"
    plot_pong(steps, returns, path, f"{algo_name.upper()} on Pong, {minutes:g} minutes, {threads} thread(s)")
    print(f"plot: {path}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=5000, help="Agent steps per round (x4 frames).")
    ap.add_argument("--capacity", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pong-minutes", type=float, default=0.0, help="Also train DQN on Pong (0 = skip).")
    ap.add_argument("--pong-threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default="runs/bench-atari", help="Where plots/pong_learning_curve.png goes.")
    ap.add_argument("--pong-algo", choices=("dqn", "ppo"), default="dqn")
    ap.add_argument("--pong-explore-steps", type=int, default=100_000,
                    help="Agent steps over which epsilon anneals from 1 to its final value.")
    ap.add_argument("--pong-vec-env", choices=("sync", "async"), default="sync",
                    help="PPO: step the environments in this process or in worker processes.")
    ap.add_argument("--pong-hp", default="{}", help='JSON overrides of the preset, e.g. \'{"n_epochs": 3}\'')
    ap.add_argument("--random-episodes", type=int, default=30, help="Episodes of the random-policy reference.")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.steps, args.capacity, args.rounds = 300, 2000, 1
    torch.set_num_threads(1)
    import stable_baselines3

    print("command:", " ".join([sys.executable, *sys.argv]))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"stable-baselines3 {stable_baselines3.__version__}; load average {os.getloadavg()[0]:.1f}")
    ours, ref = [], []
    for k in range(args.rounds):
        fps, mem_ours = visrec_pipeline(args.steps, args.capacity)
        ours.append(fps)
        fps, mem_ref = sb3_pipeline(args.steps, args.capacity)
        ref.append(fps)
        print(f"round {k + 1}: visrec {ours[-1]:.0f} frames/s, sb3 {ref[-1]:.0f} frames/s "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"median frames/s: visrec {np.median(ours):.0f} vs sb3 {np.median(ref):.0f} "
          f"(ratio {np.median(ours) / np.median(ref):.2f}); replay memory for {args.capacity} transitions: "
          f"visrec {mem_ours / 2**20:.0f} MiB vs sb3 {mem_ref / 2**20:.0f} MiB "
          f"(ratio {mem_ours / mem_ref:.2f})")
    if args.pong_minutes > 0:
        pong(args.pong_minutes, args.pong_threads, args.pong_algo, args.pong_explore_steps, args.out,
             vec_env=args.pong_vec_env, overrides=json.loads(args.pong_hp), random_episodes=args.random_episodes)


if __name__ == "__main__":
    main()
