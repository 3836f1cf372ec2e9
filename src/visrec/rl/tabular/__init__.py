"""Tabular MDPs (Lecture 14): dynamic programming on a known model, and tabular Q-learning."""

from visrec.rl.tabular.dynamic_programming import (
    bellman_optimality_residual,
    policy_evaluation,
    policy_iteration,
    q_from_v,
    random_policy,
    value_iteration,
)
from visrec.rl.tabular.figures import plot_random_vs_optimal, plot_values_and_policy
from visrec.rl.tabular.qlearning import QLearning, QLearningConfig

__all__ = [
    "value_iteration", "policy_iteration", "policy_evaluation", "q_from_v", "bellman_optimality_residual",
    "random_policy", "QLearning", "QLearningConfig", "plot_values_and_policy", "plot_random_vs_optimal",
]
