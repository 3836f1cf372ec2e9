"""`visrec rl ...` and `visrec ram ...`: reinforcement learning (Lecture 14).

    visrec rl train gridworld --algo qlearn
    visrec rl train CartPole-v1 --algo dqn --seed 1 --out runs/dqn-cartpole
    visrec rl train CartPole-v1 --algo ppo --hp n_envs=8,learning_rate=1e-3
    visrec rl train ALE/Pong-v5 --algo dqn --max-minutes 60
    visrec rl train --resume runs/dqn-cartpole            # continue from the last checkpoint
    visrec rl evaluate runs/dqn-cartpole --episodes 100 --json
    visrec rl play runs/dqn-cartpole --gif cartpole.gif
    visrec rl gridworld --out runs/gridworld              # value iteration, V* and policy figures
    visrec ram train --epochs 30 --out runs/ram
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from visrec.cli.common import (
    ConfigOpt,
    MaxMinutesOpt,
    OutOpt,
    OverwriteOpt,
    ProgressOpt,
    ResumeOpt,
    SeedOpt,
    ThreadsOpt,
    config_from_cli,
    done,
)


def parse_hyperparameters(text: str | None) -> dict | None:
    """'learning_rate=1e-3,hidden=[64,64],double_dqn=true' -> dict (values read as JSON, else strings)."""
    if not text:
        return None
    out = {}
    for item in _split_top_level(text):
        if "=" not in item:
            raise ValueError(f"--hp expects key=value pairs separated by commas; got {item!r}.")
        key, value = (s.strip() for s in item.split("=", 1))
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _split_top_level(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[(" and 1 or 0
        depth -= ch in "])" and 1 or 0
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in [*parts, cur] if p.strip()]


def register(app: typer.Typer) -> None:
    rl = typer.Typer(help="Reinforcement learning (Lecture 14): gridworld, DQN, policy gradients, PPO.",
                     no_args_is_help=True)
    ram = typer.Typer(help="Recurrent Attention Model on MNIST digits (Lecture 14).", no_args_is_help=True)
    app.add_typer(rl, name="rl")
    app.add_typer(ram, name="ram")

    @rl.command("train")
    def train_cmd(
        env: str = typer.Argument(None, help="gridworld, CartPole-v1, ALE/Pong-v5, any gymnasium id."),
        algo: str = typer.Option(None, "--algo", help="qlearn | dqn | reinforce | a2c | ppo (default dqn)."),
        policy: str = typer.Option(None, "--policy", help="auto | MlpPolicy | CnnPolicy | tabular."),
        steps: int = typer.Option(None, "--steps", help="Environment steps (default: the preset's)."),
        hp: str = typer.Option(None, "--hp", help="e.g. learning_rate=1e-3,double_dqn=true."),
        no_preset: bool = typer.Option(None, "--no-preset", help="Ignore the tuned preset."),
        eval_every: int = typer.Option(None, "--eval-every", help="Evaluate every N env steps (0 = off)."),
        eval_episodes: int = typer.Option(None, "--eval-episodes", help="Episodes per evaluation (10)."),
        final_episodes: int = typer.Option(None, "--final-episodes", help="Final evaluation episodes (100)."),
        target_return: float = typer.Option(None, "--target-return", help="Record when eval reaches it."),
        checkpoint_every: int = typer.Option(None, "--checkpoint-every", help="Steps between checkpoints."),
        seed: int = SeedOpt, out: Path = OutOpt, overwrite: bool = OverwriteOpt, resume: Path = ResumeOpt,
        config: Path = ConfigOpt, max_minutes: float = MaxMinutesOpt, threads: int = ThreadsOpt,
        progress: bool = ProgressOpt,
    ) -> None:
        """Train an agent; writes a run directory (history.jsonl, learning curves, checkpoints, model).

        Examples: `visrec rl train gridworld --algo qlearn`; `visrec rl train CartPole-v1 --algo ppo --seed 1`;
        `visrec rl train ALE/Pong-v5 --algo dqn --max-minutes 60`; `visrec rl train --resume RUN`.
        Hyperparameters default to the tuned preset for ENV and --algo (visrec.rl.presets).
        """
        from visrec.rl.train import RLTrainConfig, train_rl

        if resume is not None and config is None:
            config = resume / "config.json"  # a resumed run keeps its own settings
        if env is None and resume is None and config is None:
            raise ValueError("Give ENV (e.g. CartPole-v1), or --resume RUN to continue a run.")
        cfg = config_from_cli(
            RLTrainConfig, config, env=env, algo=algo, policy=policy, total_timesteps=steps,
            hyperparameters=parse_hyperparameters(hp),
            use_preset=None if no_preset is None else not no_preset,
            eval_every=eval_every, eval_episodes=eval_episodes, final_eval_episodes=final_episodes,
            target_return=target_return, checkpoint_every=checkpoint_every, seed=seed, out=out,
            overwrite=overwrite, resume=resume, max_minutes=max_minutes, threads=threads, progress=progress)
        metrics = train_rl(cfg)
        m = metrics
        typer.echo(f"{cfg.algo} on {cfg.env}: {m['env_steps']} steps, {m['episodes']} episodes, final mean "
                   f"return {m['final_mean_return']:.2f} +- {m['final_std_return']:.2f} over "
                   f"{m['final_eval_episodes']} episodes ({m['train_seconds']:.1f} s)")
        done(Path(metrics["run_dir"]))

    @rl.command("evaluate")
    def evaluate_cmd(
        run: Path = typer.Argument(..., help="A run directory written by `visrec rl train`."),
        episodes: int = typer.Option(100, "--episodes", help="Episodes to average over."),
        seed: int = typer.Option(20_000, "--seed", help="Episode i is reset with seed + i."),
        stochastic: bool = typer.Option(False, "--stochastic", help="Sample actions instead of the argmax."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Mean and std of the return of a trained policy.

        Example: `visrec rl evaluate runs/rl-train-<time> --episodes 100 --json`.
        """
        from visrec.rl.common.evaluation import evaluate_policy
        from visrec.rl.persist import load_algo

        algo = load_algo(run)
        res = evaluate_policy(algo, n_episodes=episodes, deterministic=not stochastic, seed=seed)
        res = {"run": str(run), "env": algo.env_name, "algo": algo.algo_name, "episodes": episodes, **res}
        if as_json:
            typer.echo(json.dumps(res))
        else:
            typer.echo(f"{algo.algo_name} on {algo.env_name}: mean return {res['mean_return']:.2f} +- "
                       f"{res['std_return']:.2f} over {episodes} episodes")

    @rl.command("play")
    def play_cmd(
        run: Path = typer.Argument(..., help="A run directory written by `visrec rl train`."),
        gif: Path = typer.Option(None, "--gif", help="Write the episode as an animated GIF."),
        max_steps: int = typer.Option(1000, "--max-steps", help="Stop the episode after this many steps."),
        seed: int = typer.Option(0, "--seed", help="Reset seed of the episode."),
    ) -> None:
        """Play one episode with the trained (greedy) policy.

        Example: `visrec rl play runs/rl-train-<time> --gif episode.gif`.
        """
        from visrec.rl.persist import load_algo
        from visrec.rl.play import play_episode

        res = play_episode(load_algo(run), gif, max_steps=max_steps, seed=seed)
        typer.echo(f"return {res['return']:.1f} in {res['length']} steps" + (f"; wrote {gif}" if gif else ""))

    @rl.command("gridworld")
    def gridworld_cmd(
        rows: int = typer.Option(4, "--rows"), cols: int = typer.Option(4, "--cols"),
        gamma: float = typer.Option(1.0, "--gamma", help="Discount (1 is fine: every policy ends)."),
        out: Path = typer.Option(Path("runs/gridworld"), "--out", help="Folder for the figures."),
    ) -> None:
        """Value iteration on the lecture's Grid World: V*, the optimal policy, the random policy's V.

        Example: `visrec rl gridworld --rows 4 --cols 4 --out runs/gridworld`.
        """
        from visrec.rl.envs import GridWorld
        from visrec.rl.tabular import (
            bellman_optimality_residual,
            plot_random_vs_optimal,
            policy_evaluation,
            random_policy,
            value_iteration,
        )

        env = GridWorld(rows, cols)
        V, pi = value_iteration(env.P, env.R, gamma=gamma)
        rand = random_policy(env.n_states, 4)
        Vr = policy_evaluation(env.P, env.R, rand, gamma=gamma)
        out.mkdir(parents=True, exist_ok=True)
        path = plot_random_vs_optimal(env, Vr, rand, V, pi, out / "random_vs_optimal.png")
        typer.echo("V*:\n" + "\n".join(" ".join(f"{v:6.1f}" for v in row) for row in V.reshape(rows, cols)))
        typer.echo(f"Bellman optimality residual: {bellman_optimality_residual(env.P, env.R, V, gamma):.2e}")
        typer.echo(f"wrote {path}")

    @ram.command("train")
    def ram_train_cmd(
        data: str = typer.Option(None, "--data", help="MNIST IDX folder (../shared/data/mnist-t10k)."),
        epochs: int = typer.Option(None, "--epochs", help="Epochs (default 30)."),
        glimpses: int = typer.Option(None, "--glimpses", help="Glimpses per digit (default 6)."),
        scales: int = typer.Option(None, "--scales", help="Patches per glimpse, each 2x larger (default 2)."),
        patch: int = typer.Option(None, "--patch", help="Glimpse patch side in pixels (default 8)."),
        lr: float = typer.Option(None, "--lr", help="Adam learning rate (default 1e-3)."),
        batch_size: int = typer.Option(None, "--batch-size", help="Minibatch (default 64)."),
        train_size: int = typer.Option(None, "--train-size", help="Training digits of the split (8000)."),
        test_size: int = typer.Option(None, "--test-size", help="Held-out test digits (1000)."),
        seed: int = SeedOpt, out: Path = OutOpt, overwrite: bool = OverwriteOpt, resume: Path = ResumeOpt,
        config: Path = ConfigOpt, max_minutes: float = MaxMinutesOpt, threads: int = ThreadsOpt,
        progress: bool = ProgressOpt,
    ) -> None:
        """Train the Recurrent Attention Model; prints the held-out accuracy, writes glimpse-path figures.

        Example: `visrec ram train --epochs 30 --out runs/ram` (t10k split 8,000 / 1,000 / 1,000, seed 0).
        """
        from visrec.rl.ram.train import RAMConfig, train_ram

        if resume is not None and config is None:
            config = resume / "config.json"
        cfg = config_from_cli(RAMConfig, config, data=data, epochs=epochs, glimpses=glimpses, scales=scales,
                              patch=patch, lr=lr, batch_size=batch_size, train_size=train_size,
                              test_size=test_size, seed=seed, out=out, overwrite=overwrite, resume=resume,
                              max_minutes=max_minutes, threads=threads, progress=progress)
        m = train_ram(cfg)
        typer.echo(f"RAM: test accuracy {m['test_acc']:.4f} on {m['test_size']} held-out digits with "
                   f"{m['glimpses']} glimpses")
        done(Path(m["run_dir"]))
