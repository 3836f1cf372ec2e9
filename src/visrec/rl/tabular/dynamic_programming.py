"""Dynamic programming on a known MDP: value iteration, policy evaluation, policy iteration.

The MDP is given as arrays ``P`` of shape (S, A, S) with ``P[s, a, s']`` the transition probability and
``R`` of shape (S, A) the expected immediate reward. Lecture 14 writes the Bellman optimality equation as
``Q*(s, a) = E[r + gamma max_a' Q*(s', a')]``; value iteration applies it as an update until it is a fixed
point (which the lecture notes is not scalable: it touches every state and action on each sweep).

>>> from visrec.rl.envs import GridWorld
>>> env = GridWorld(rows=1, cols=3, terminals=[(0, 0)])
>>> V, pi = value_iteration(env.P, env.R, gamma=1.0)
>>> V.round(6).tolist(), pi.tolist()
([0.0, -1.0, -2.0], [0, 1, 1])
"""

from __future__ import annotations

import numpy as np

from visrec.rl.common.errors import ParameterError

__all__ = [
    "q_from_v",
    "value_iteration",
    "policy_evaluation",
    "policy_iteration",
    "bellman_optimality_residual",
    "random_policy",
]


def _check_mdp(P, R, gamma):
    P, R = np.asarray(P, dtype=np.float64), np.asarray(R, dtype=np.float64)
    if P.ndim != 3 or P.shape[0] != P.shape[2] or R.shape != P.shape[:2]:
        raise ParameterError(
            f"Expected P of shape (S, A, S) and R of shape (S, A); got {P.shape}, {R.shape}.")
    if not np.allclose(P.sum(axis=2), 1.0):
        raise ParameterError("Each P[s, a, :] must sum to 1 (a probability distribution over next states).")
    if not 0.0 <= gamma <= 1.0:
        raise ParameterError(f"The discount gamma must lie in [0, 1]; got {gamma}.")
    return P, R


def q_from_v(P, R, V, gamma):
    """One Bellman backup: Q(s, a) = R(s, a) + gamma sum_s' P(s'|s, a) V(s'). Returns (S, A)."""
    return R + gamma * np.einsum("sat,t->sa", P, V)


def value_iteration(P, R, gamma=0.99, tol=1e-10, max_iters=100_000):
    """Optimal state values V* (S,) and a greedy optimal policy (S,) int, by repeated Bellman backups.

    With gamma = 1 the MDP must be proper (every policy reaches a terminal state, e.g. Grid World);
    the iteration then still converges because terminal states are absorbing with zero reward.
    """
    P, R = _check_mdp(P, R, gamma)
    V = np.zeros(P.shape[0])
    for _ in range(max_iters):
        V_new = q_from_v(P, R, V, gamma).max(axis=1)
        if np.max(np.abs(V_new - V)) < tol:
            V = V_new
            break
        V = V_new
    Q = q_from_v(P, R, V, gamma)
    return V, Q.argmax(axis=1)


def policy_evaluation(P, R, policy, gamma=0.99):
    """V^pi (S,) of a policy, solving the linear system (I - gamma P_pi) V = R_pi exactly.

    ``policy`` is either (S,) ints (deterministic) or (S, A) action probabilities. For gamma = 1 the
    absorbing terminal states are pinned to V = 0 so that the system is non-singular.
    """
    P, R = _check_mdp(P, R, gamma)
    S, A = R.shape
    pi = np.asarray(policy)
    if pi.ndim == 1:
        pi = np.eye(A)[pi.astype(int)]
    P_pi = np.einsum("sa,sat->st", pi, P)
    R_pi = (pi * R).sum(axis=1)
    absorbing = np.isclose(np.diag(P_pi), 1.0) & np.isclose(R_pi, 0.0)
    M = np.eye(S) - gamma * P_pi
    M[absorbing] = 0.0
    M[absorbing, absorbing] = 1.0
    rhs = np.where(absorbing, 0.0, R_pi)
    return np.linalg.solve(M, rhs)


def policy_iteration(P, R, gamma=0.99, max_iters=1000):
    """Howard's policy iteration: evaluate exactly, improve greedily, stop when the policy is stable.

    With gamma = 1 the first policy must reach a terminal state from everywhere (else V^pi is infinite), so
    the loop starts from the greedy policy of S + 1 value-iteration sweeps. Returns (V (S,), policy (S,)).
    """
    P, R = _check_mdp(P, R, gamma)
    _, policy = value_iteration(P, R, gamma, tol=1e-3, max_iters=P.shape[0] + 1)
    for _ in range(max_iters):
        V = policy_evaluation(P, R, policy, gamma)
        Q = q_from_v(P, R, V, gamma)
        best = Q.max(axis=1, keepdims=True)
        # keep the current action on ties so that the loop terminates
        keep = np.isclose(Q[np.arange(len(policy)), policy], best[:, 0])
        new = np.where(keep, policy, Q.argmax(axis=1))
        if np.array_equal(new, policy):
            return V, policy
        policy = new
    return V, policy


def bellman_optimality_residual(P, R, V, gamma):
    """max_s |V(s) - max_a [R(s, a) + gamma E V(s')]|: zero exactly when V solves the Bellman equation."""
    P, R = _check_mdp(P, R, gamma)
    return float(np.max(np.abs(np.asarray(V) - q_from_v(P, R, np.asarray(V), gamma).max(axis=1))))


def random_policy(n_states: int, n_actions: int) -> np.ndarray:
    """The uniform random policy of the lecture's figure, as (S, A) probabilities."""
    return np.full((n_states, n_actions), 1.0 / n_actions)
