"""Claim: visrec's DQN and PPO solve CartPole-v1 (evaluation mean return >= 475) in fewer environment steps
and less wall time than stable-baselines3's DQN and PPO with the RL Zoo's tuned hyperparameters, for the
median seed, and do not collapse after solving (final 100-episode evaluation).

    python benchmarks/rl_cartpole.py [--seeds 0,1,2] [--algos dqn,ppo] [--quick]

stable-baselines3 gets the RL Zoo's tuned CartPole-v1 values (``visrec.rl.presets.zoo``); visrec gets
its own presets (``visrec.rl.presets.preset``: PPO the Zoo's; DQN the Zoo's plus Double DQN, a linearly
decaying learning rate and 3-step returns; both sets are printed). One torch thread, the same
protocol, run side by side in this process, alternating seeds: after the first episode that ends past every
multiple of --eval-every steps, the greedy policy plays --eval-episodes episodes on a separate environment
(evaluation time is excluded from the wall time to solve). At the end, --final-episodes greedy episodes.
The issue's definition of solved is 100 evaluation episodes: ``--eval-episodes 100 --no-evals-after-solve``
(the default, 10, is quicker).
stable-baselines3 is the reference and is used here only.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch

TARGET = 475.0


def _evaluate(predict, env, episodes: int, seed: int) -> float:
    total = []
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        ret, done = 0.0, False
        while not done:
            action = predict(obs)
            obs, r, term, trunc, _ = env.step(action)
            ret, done = ret + float(r), term or trunc
        total.append(ret)
    return float(np.mean(total))


class Tracker:
    """Evaluate at the first episode end past each multiple of ``every``; remember when TARGET is reached."""

    def __init__(self, predict, every, episodes, after_solve=True):
        import gymnasium as gym

        self.after_solve = after_solve
        self.env, self.predict, self.every, self.episodes = gym.make("CartPole-v1"), predict, every, episodes
        self.next, self.eval_seconds, self.solved, self.evals = every, 0.0, None, []
        self.start = time.perf_counter()

    def episode_end(self, steps: int) -> None:
        if steps < self.next or (self.solved is not None and not self.after_solve):
            return
        self.next = (steps // self.every + 1) * self.every
        t0 = time.perf_counter()
        mean = _evaluate(self.predict, self.env, self.episodes, seed=10_000)
        self.eval_seconds += time.perf_counter() - t0
        self.evals.append((steps, mean))
        if self.solved is None and mean >= TARGET:
            self.solved = (steps, time.perf_counter() - self.start - self.eval_seconds)


def run_visrec(algo: str, seed: int, steps: int, args) -> dict:
    from visrec.rl.persist import build_algo
    from visrec.rl.presets import preset

    model = build_algo(algo, "CartPole-v1", "MlpPolicy", seed, preset("CartPole-v1", algo))
    tracker = Tracker(lambda o: model.predict(o, deterministic=True)[0], args.eval_every, args.eval_episodes,
                      args.evals_after_solve)
    model.learn(steps, callback=lambda a, rec: tracker.episode_end(a.num_timesteps))
    wall = time.perf_counter() - tracker.start - tracker.eval_seconds
    final = _evaluate(lambda o: model.predict(o, deterministic=True)[0], tracker.env, args.final_episodes,
                      20_000)
    return {"solved": tracker.solved, "wall": wall, "final": final, "evals": tracker.evals}


def run_sb3(algo: str, seed: int, steps: int, args) -> dict:
    import stable_baselines3 as sb3
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    from visrec.rl.presets import zoo

    hp = zoo("CartPole-v1", algo)
    if algo == "dqn":
        hidden = hp.pop("hidden")
        model = sb3.DQN("MlpPolicy", "CartPole-v1", seed=seed, policy_kwargs={"net_arch": list(hidden)},
                        device="cpu", **hp)
    else:
        n_envs = hp.pop("n_envs")
        lr, clip = hp.pop("learning_rate"), hp.pop("clip_range")
        hp.pop("lr_schedule"), hp.pop("clip_schedule")
        env = make_vec_env("CartPole-v1", n_envs=n_envs, seed=seed)
        model = sb3.PPO("MlpPolicy", env, seed=seed, device="cpu", learning_rate=lambda f: lr * f,
                        clip_range=lambda f: clip * f, **hp)
    tracker = Tracker(lambda o: int(model.predict(o, deterministic=True)[0]), args.eval_every,
                      args.eval_episodes, args.evals_after_solve)

    class Hook(BaseCallback):
        def _on_step(self) -> bool:
            if np.any(self.locals["dones"]):
                tracker.episode_end(self.num_timesteps)
            return True

    model.learn(steps, callback=Hook())
    wall = time.perf_counter() - tracker.start - tracker.eval_seconds
    final = _evaluate(lambda o: int(model.predict(o, deterministic=True)[0]), tracker.env,
                      args.final_episodes, 20_000)
    return {"solved": tracker.solved, "wall": wall, "final": final, "evals": tracker.evals}


def _median(values):
    finite = [v for v in values if v is not None]
    # an unsolved seed counts as infinitely slow
    values = [v if v is not None else float("inf") for v in values]
    return statistics.median(values) if finite else float("inf")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--algos", default="dqn,ppo")
    ap.add_argument("--dqn-steps", type=int, default=50_000)
    ap.add_argument("--ppo-steps", type=int, default=100_000)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--eval-episodes", type=int, default=10)
    ap.add_argument("--final-episodes", type=int, default=100)
    ap.add_argument("--evals-after-solve", action=argparse.BooleanOptionalAction, default=True,
                    help="keep evaluating after solving (the 'min eval after' column); off saves time with "
                         "--eval-episodes 100")
    ap.add_argument("--quick", action="store_true", help="A tiny smoke run (1 seed, a few thousand steps).")
    args = ap.parse_args()
    if args.quick:
        args.seeds, args.dqn_steps, args.ppo_steps = "0", 2000, 2048
        args.eval_every, args.eval_episodes, args.final_episodes = 1000, 2, 3
    torch.set_num_threads(1)
    import stable_baselines3

    print("command:", " ".join([sys.executable, *sys.argv]))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__} (1 thread), "
          f"stable-baselines3 {stable_baselines3.__version__}; load average {os.getloadavg()[0]:.1f}")
    seeds = [int(s) for s in args.seeds.split(",")]
    from visrec.rl.presets import preset, zoo

    for algo in args.algos.split(","):
        print(f"{algo} hyperparameters: visrec {preset('CartPole-v1', algo)}; sb3 {zoo('CartPole-v1', algo)}")
        steps = args.dqn_steps if algo == "dqn" else args.ppo_steps
        rows = {"visrec": [], "sb3": []}
        for seed in seeds:
            for impl, fn in (("visrec", run_visrec), ("sb3", run_sb3)):
                r = fn(algo, seed, steps, args)
                rows[impl].append(r)
                s = r["solved"]
                after = [m for st, m in r["evals"] if s and st >= s[0]]
                solved = "-" if s is None else f"{s[0]} steps / {s[1]:.1f} s"
                low = min(after) if after else float("nan")
                print(f"{algo} {impl:6s} seed {seed}: solved at {solved}; final "
                      f"{args.final_episodes}-episode mean {r['final']:.1f}; min eval after {low:.1f}; "
                      f"train wall {r['wall']:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True)
        med = {impl: (_median([r["solved"] and r["solved"][0] for r in rs]),
                      _median([r["solved"] and r["solved"][1] for r in rs])) for impl, rs in rows.items()}
        print(f"{algo}: median steps to solve visrec {med['visrec'][0]} vs sb3 {med['sb3'][0]} "
              f"(ratio {med['visrec'][0] / med['sb3'][0]:.2f}); median wall to solve visrec "
              f"{med['visrec'][1]:.1f} s vs sb3 {med['sb3'][1]:.1f} s (ratio "
              f"{med['visrec'][1] / med['sb3'][1]:.2f}); final mean visrec "
              f"{np.mean([r['final'] for r in rows['visrec']]):.1f} vs sb3 "
              f"{np.mean([r['final'] for r in rows['sb3']]):.1f}")


if __name__ == "__main__":
    main()
