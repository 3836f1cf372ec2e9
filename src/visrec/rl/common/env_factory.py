"""Make environments by name: the lecture's Grid World, every gymnasium env, and ALE's Atari games.

>>> env = make_env("gridworld")
>>> env.observation_space
Discrete(16)
>>> make_env("CartPol-v1")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
visrec.utils.errors.ParameterError: Unknown environment 'CartPol-v1'. Did you mean 'CartPole-v1' or ...
"""

from __future__ import annotations

import difflib
import functools
import signal

import gymnasium as gym

from visrec.rl.common.atari import AtariPreprocessing
from visrec.rl.common.errors import ParameterError

__all__ = ["make_env", "make_vec_env", "is_atari", "known_env_names", "check_discrete_actions"]

_ALE_REGISTERED = False


def _register_ale() -> None:
    """Register ALE's games with gymnasium (the ale-py wheel carries the ROMs; nothing is downloaded)."""
    global _ALE_REGISTERED
    if not _ALE_REGISTERED:
        try:
            import ale_py
        except ImportError:  # pragma: no cover - the rl extra installs it
            return
        gym.register_envs(ale_py)
        _ALE_REGISTERED = True


def known_env_names() -> list[str]:
    _register_ale()
    return ["gridworld", *sorted(gym.registry.keys())]


def is_atari(name: str) -> bool:
    _register_ale()
    spec = gym.registry.get(name)
    return spec is not None and "ale_py" in str(spec.entry_point)


def _unknown(name: str) -> ParameterError:
    names = known_env_names()
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    lower = {n.lower(): n for n in names}
    if name.lower() in lower and lower[name.lower()] not in close:
        close.insert(0, lower[name.lower()])
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ParameterError(
        f"Unknown environment {name!r}.{hint} ENV is 'gridworld' or a gymnasium id such as 'CartPole-v1' "
        "or 'ALE/Pong-v5' (list them with gymnasium.pprint_registry())."
    )


def make_env(name: str, seed: int | None = None, render_mode: str | None = None, atari_kwargs=None,
             **kwargs) -> gym.Env:
    """A single environment; Atari games come preprocessed (observations uint8 (4, 84, 84)).

    ``kwargs`` go to the environment's constructor (e.g. ``rows=3`` for gridworld).
    """
    if name.lower() == "gridworld":
        from visrec.rl.envs.gridworld import GridWorld

        grid = GridWorld(render_mode=render_mode, **kwargs)
        env = gym.wrappers.TimeLimit(grid, grid.max_steps)
    elif is_atari(name):
        env = gym.make(name, obs_type="grayscale", render_mode=render_mode, **kwargs)
        env = AtariPreprocessing(env, **(atari_kwargs or {}))
    else:
        _register_ale()
        if name not in gym.registry:
            raise _unknown(name)
        env = gym.make(name, render_mode=render_mode, **kwargs)
    if seed is not None:
        env.action_space.seed(seed)
    return env


def make_vec_env(name: str, n_envs: int, seed: int = 0, asynchronous: bool = False,
                 **kwargs) -> gym.vector.VectorEnv:
    """``n_envs`` copies, seeds seed+i: in this process (SyncVectorEnv: right for small environments), or
    with ``asynchronous`` one worker process each (AsyncVectorEnv, observations in shared memory: for
    environments whose step costs more than the inter-process round trip, such as Atari on several cores).
    Both step the same episodes for the same seeds."""
    make_env(name, **kwargs).close()  # validates the name once, with the close-match message

    mode = gym.vector.AutoresetMode.SAME_STEP
    if asynchronous:
        fns = [functools.partial(_worker_env, name, seed + i, kwargs) for i in range(n_envs)]
        return gym.vector.AsyncVectorEnv(fns, shared_memory=True, autoreset_mode=mode)
    fns = [functools.partial(make_env, name, seed + i, **kwargs) for i in range(n_envs)]
    return gym.vector.SyncVectorEnv(fns, autoreset_mode=mode)


def _worker_env(name: str, seed: int, kwargs: dict) -> gym.Env:
    """Built inside an AsyncVectorEnv worker: Ctrl-C is left to the main process, which stops the run
    cleanly (a checkpoint, then exit) and closes the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return make_env(name, seed, **kwargs)


def check_discrete_actions(env, algo: str) -> int:
    """The number of actions of a Discrete action space, or a clear error naming the algorithm."""
    space = getattr(env, "single_action_space", env.action_space)
    if not isinstance(space, gym.spaces.Discrete):
        raise ParameterError(
            f"{algo} needs a discrete action space (one Q-value or logit per action); the environment has "
            f"{space}. Use an environment with Discrete actions (e.g. CartPole-v1) or discretize the actions."
        )
    return int(space.n)
