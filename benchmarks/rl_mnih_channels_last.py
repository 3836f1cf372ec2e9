"""Claim: the Mnih trunk's channels-last layout (``visrec.rl.common.policies.MnihTrunk``) makes its forward +
backward pass faster on this CPU than the default NCHW layout, and a PPO update on Pong with it.

    python benchmarks/rl_mnih_channels_last.py [--batch 256] [--repeats 7]

Reference in the same process: the same trunk, same weights, converted back to the default layout and fed
NCHW input (what the trunk did before). Median of ``--repeats`` timings after a warm-up, one torch thread.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch

from _machine import header


def time_fwd_bwd(net, obs, layout, repeats: int) -> float:
    times = []
    for i in range(repeats + 1):
        net.zero_grad(set_to_none=True)
        t = time.perf_counter()
        x = obs.contiguous(memory_format=layout).float() / 255.0
        net(x).sum().backward()
        if i:  # the first is a warm-up
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(1)
    header()
    print(f"torch {torch.__version__}, 1 thread")
    from visrec.rl.common.policies import MnihTrunk

    torch.manual_seed(0)
    trunk = MnihTrunk()
    plain = copy.deepcopy(trunk.net).to(memory_format=torch.contiguous_format)
    obs = torch.randint(0, 256, (args.batch, 4, 84, 84), dtype=torch.uint8)
    for rnd in range(2):  # alternate, so drift in the machine's speed hits both
        ours = time_fwd_bwd(trunk.net, obs, torch.channels_last, args.repeats)
        ref = time_fwd_bwd(plain, obs, torch.contiguous_format, args.repeats)
        print(f"round {rnd + 1}: trunk forward + backward, batch {args.batch}: channels-last {1e3 * ours:.1f} ms, "
              f"NCHW reference {1e3 * ref:.1f} ms, speed-up {ref / ours:.2f}x")
    try:
        import ale_py  # noqa: F401
    except ImportError:
        print("ale-py not installed: the PPO update on Pong is skipped")
        return
    from visrec.rl.persist import build_algo
    from visrec.rl.presets import preset

    hp = preset("ALE/Pong-v5", "ppo", atari=True)
    algo = build_algo("ppo", "ALE/Pong-v5", "CnnPolicy", 0, hp)
    algo.learn(1024)  # one rollout of 8 x 128 steps, so the update has data
    t = time.perf_counter()
    algo._update()
    ours = time.perf_counter() - t
    algo.policy.to(memory_format=torch.contiguous_format)
    feats = [m for m in algo.policy.modules() if isinstance(m, MnihTrunk)]
    for f in feats:  # the reference: NCHW input to NCHW weights
        f.forward = (lambda net: lambda o: net(o.float() / 255.0))(f.net)
    t = time.perf_counter()
    algo._update()
    ref = time.perf_counter() - t
    algo.close()
    print(f"PPO update on Pong (4 epochs x 1,024 samples): channels-last {ours:.2f} s, NCHW reference {ref:.2f} s, "
          f"speed-up {ref / ours:.2f}x")


if __name__ == "__main__":
    main()
