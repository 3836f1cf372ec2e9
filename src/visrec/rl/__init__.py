"""Reinforcement learning (Lecture 14): MDPs and dynamic programming, tabular and deep Q-learning,
policy gradients, actor-critic, PPO, and the Recurrent Attention Model.

Algorithms are shaped like stable-baselines3's: ``DQN("MlpPolicy", "CartPole-v1").learn(50_000)``, then
``predict(obs, deterministic=True) -> (action, None)``. Hyperparameters live in one dataclass per algorithm
(``DQNConfig`` ...) with the paper's defaults; shared machinery is in ``visrec.rl.common``.
"""

from visrec.rl.a2c import A2C, A2CConfig
from visrec.rl.common.env_factory import make_env, make_vec_env
from visrec.rl.common.evaluation import evaluate_policy
from visrec.rl.common.replay import FrameReplayBuffer, ReplayBuffer
from visrec.rl.dqn import DQN, DQNConfig
from visrec.rl.envs import GridWorld
from visrec.rl.ppo import PPO, PPOConfig
from visrec.rl.reinforce import REINFORCE, REINFORCEConfig
from visrec.rl.tabular import QLearning, QLearningConfig, policy_iteration, value_iteration

__all__ = [
    "DQN", "DQNConfig", "REINFORCE", "REINFORCEConfig", "A2C", "A2CConfig", "PPO", "PPOConfig",
    "QLearning", "QLearningConfig", "value_iteration", "policy_iteration", "GridWorld",
    "make_env", "make_vec_env", "evaluate_policy", "ReplayBuffer", "FrameReplayBuffer",
]
