"""Which DQN settings stop the collapse after solving CartPole-v1? visrec's DQN with the RL Zoo's values
and with variants of them, same seeds and protocol as ``rl_cartpole.py`` (evaluation every --eval-every
steps, a final 100-episode greedy evaluation). This is how ``visrec.rl.presets.DQN_STABLE`` was chosen.

    python benchmarks/rl_cartpole_dqn_variants.py [--seeds 0,1,2] [--variants '{"name": {overrides}}']

Each variant's overrides apply on top of the Zoo's values (``visrec.rl.presets.zoo``); the reference run in
the same process is the Zoo's values themselves (variant ``zoo``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch

from rl_cartpole import TARGET, Tracker, _evaluate

DEFAULT = {
    "zoo": {},
    "lin": {"lr_schedule": "linear"},
    "lin_ddqn": {"lr_schedule": "linear", "double_dqn": True},
    "lin_ddqn_e05": {"lr_schedule": "linear", "double_dqn": True, "exploration_fraction": 0.05},
    "lin_ddqn_n3": {"lr_schedule": "linear", "double_dqn": True, "n_step": 3},
}


def run(overrides: dict, seed: int, steps: int, args) -> dict:
    from visrec.rl.persist import build_algo
    from visrec.rl.presets import zoo

    model = build_algo("dqn", "CartPole-v1", "MlpPolicy", seed, {**zoo("CartPole-v1", "dqn"), **overrides})
    tracker = Tracker(lambda o: model.predict(o, deterministic=True)[0], args.eval_every, args.eval_episodes)
    model.learn(steps, callback=lambda a, rec: tracker.episode_end(a.num_timesteps))
    wall = time.perf_counter() - tracker.start - tracker.eval_seconds
    final = _evaluate(lambda o: model.predict(o, deterministic=True)[0], tracker.env, args.final_episodes, 20_000)
    return {"solved": tracker.solved, "wall": wall, "final": final}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--variants", default=json.dumps(DEFAULT), help="JSON: name -> overrides of the Zoo's values")
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--eval-episodes", type=int, default=10)
    ap.add_argument("--final-episodes", type=int, default=100)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print("command:", " ".join([sys.executable, *sys.argv]))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__} (1 thread); "
          f"load average {os.getloadavg()[0]:.1f}")
    seeds = [int(s) for s in args.seeds.split(",")]
    for name, overrides in json.loads(args.variants).items():
        rows = []
        for seed in seeds:
            r = run(overrides, seed, args.steps, args)
            rows.append(r)
            solved = "-" if r["solved"] is None else f"{r['solved'][0]} steps / {r['solved'][1]:.1f} s"
            print(f"{name} seed {seed}: solved at {solved}; final {args.final_episodes}-episode mean "
                  f"{r['final']:.1f}; train wall {r['wall']:.0f} s (load {os.getloadavg()[0]:.1f})", flush=True)
        steps = [r["solved"][0] if r["solved"] else float("inf") for r in rows]
        kept = sum(r["final"] >= TARGET for r in rows)
        print(f"{name} {overrides}: median steps to solve {statistics.median(steps):.0f}; final mean >= {TARGET:g} "
              f"on {kept} of {len(rows)} seeds", flush=True)


if __name__ == "__main__":
    main()
