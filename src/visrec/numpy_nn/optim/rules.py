"""Update rules of Lecture 7 as pure functions: ``next_w, state = rule(w, dw, state, **hyper)``.

Each rule takes the parameter ``w``, its gradient ``dw`` (same shape), and a ``state`` dict holding the
rule's per-parameter memory (an empty dict on the first call). It returns the updated parameter (a new
array) and the updated state. Hyperparameters are keyword arguments, so the same state can be stepped
with a learning rate that a schedule changes between epochs.

The formulas are the slides' (L7495-7879), written as in the slides:

=========  =====================================================================================
sgd        x -= lr * dx
momentum   v = rho * v - lr * dx;  x += v                                     (L7534)
nesterov   old_v = v;  v = rho * v - lr * dx;  x += -rho * old_v + (1 + rho) * v   (L7663)
adagrad    g2 += dx * dx;  x -= lr * dx / (sqrt(g2) + eps)                     (L7685, eps 1e-7)
rmsprop    g2 = decay * g2 + (1 - decay) * dx * dx;  x -= lr * dx / (sqrt(g2) + eps)   (L7778)
adam       m, v moments; m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t), t from 1;
           x -= lr * m_hat / (sqrt(v_hat) + eps)                               (L7831-7879)
adamw      adam plus decoupled weight decay x -= lr * weight_decay * x (Loshchilov & Hutter 2019)
=========  =====================================================================================

Relation to ``torch.optim`` (tested in ``tests/numpy_nn/test_optim_parity.py``):

* momentum: torch keeps ``buf = rho * buf + dx`` and does ``x -= lr * buf``; with a constant learning
  rate ``v = -lr * buf``, so the trajectories are identical.
* nesterov: the slide's variable ``x`` is the *look-ahead* point ``x~ = x + rho * v`` of Nesterov's
  original form (``v' = rho v - lr grad(x + rho v)``, ``x' = x + v'``); the gradient is taken at the
  stored variable. Expanding the slide's update gives ``x~' = x~ - lr dx + rho v'``, which is exactly
  torch's ``nesterov=True`` step ``p -= lr * (dx + rho * buf')`` with ``v = -lr * buf``. So torch's
  parameters equal the slide's ``x~`` step for step, and ``x~_t - rho v_t`` is the original sequence.
* adagrad / rmsprop: torch puts eps outside the square root like the slides; with equal eps (and torch's
  ``alpha`` = our ``decay_rate``) they coincide.
* adam: eps defaults to 1e-8 (torch, Kingma & Ba); the slides write 1e-7. Pass ``eps=1e-7`` for the
  slides' version. At t = 1, m_hat = dx and v_hat = dx^2, so the first step is lr * dx / (|dx| + eps),
  about lr * sign(dx) whatever the gradient's scale.
"""

from __future__ import annotations

import numpy as np


def sgd(w, dw, state, lr=1e-2):
    """Vanilla stochastic gradient descent: ``w - lr * dw``. ``state`` is returned unchanged."""
    return w - lr * dw, state


def momentum(w, dw, state, lr=1e-2, rho=0.9):
    """SGD + momentum (L7534): ``v = rho * v - lr * dw; w += v``. State: ``v`` (the velocity)."""
    v = state.get("v")
    v = -lr * dw if v is None else rho * v - lr * dw
    return w + v, {**state, "v": v}


def nesterov(w, dw, state, lr=1e-2, rho=0.9):
    """Nesterov momentum in the slides' change of variable (L7663); ``dw`` is taken at ``w`` itself."""
    old_v = state.get("v", np.zeros_like(w))
    v = rho * old_v - lr * dw
    return w - rho * old_v + (1 + rho) * v, {**state, "v": v}


def adagrad(w, dw, state, lr=1e-2, eps=1e-7):
    """AdaGrad (L7685): per-element step scaled by the root of the summed squared gradients."""
    g2 = state.get("grad_squared", np.zeros_like(w)) + dw * dw
    return w - lr * dw / (np.sqrt(g2) + eps), {**state, "grad_squared": g2}


def rmsprop(w, dw, state, lr=1e-2, decay_rate=0.99, eps=1e-8):
    """RMSProp (L7778): AdaGrad with a leaky (exponential moving) average of squared gradients."""
    g2 = state.get("grad_squared", np.zeros_like(w))
    g2 = decay_rate * g2 + (1 - decay_rate) * dw * dw
    return w - lr * dw / (np.sqrt(g2) + eps), {**state, "grad_squared": g2}


def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with bias correction, t counted from 1 (L7831-7879; Kingma & Ba, ICLR 2015)."""
    t = int(state.get("t", 0)) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {**state, "m": m, "v": v, "t": t}


def adamw(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    """AdamW: decay the weights by ``lr * weight_decay`` (decoupled from the gradient), then an Adam step."""
    return adam(w * (1 - lr * weight_decay), dw, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


RULES = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
}
