"""Machinery every RL algorithm shares: replay memories, rollout storage, schedules, evaluation, envs."""
