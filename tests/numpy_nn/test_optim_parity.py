"""Each update rule against torch.optim on the same gradient sequence, in float64."""

import numpy as np
import pytest

from visrec.numpy_nn.optim import Optimizer, adam, clip_grad_norm, nesterov

torch = pytest.importorskip("torch")


def _grads(steps=12, shape=(3, 4), seed=0):
    r = np.random.default_rng(seed)
    return [r.standard_normal(shape) * 10 ** r.uniform(-2, 1) for _ in range(steps)]


def _torch_traj(w0, grads, make):
    p = torch.nn.Parameter(torch.tensor(w0.copy(), dtype=torch.float64))
    opt = make([p])
    out = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def _ours_traj(w0, grads, rule, **hyper):
    params = {"w": w0.copy()}
    opt = Optimizer(rule, **hyper)
    out = []
    for g in grads:
        opt.step(params, {"w": g})
        out.append(params["w"].copy())
    return out


CASES = [
    ("sgd", {"lr": 0.05}, lambda ps: torch.optim.SGD(ps, lr=0.05)),
    ("momentum", {"lr": 0.05, "rho": 0.9}, lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
    # the slide's Nesterov variable is the look-ahead point, which is what torch's nesterov=True tracks
    ("nesterov", {"lr": 0.05, "rho": 0.9},
     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True)),
    ("adagrad", {"lr": 0.1, "eps": 1e-7}, lambda ps: torch.optim.Adagrad(ps, lr=0.1, eps=1e-7)),
    ("rmsprop", {"lr": 0.01, "decay_rate": 0.99, "eps": 1e-8},
     lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.99, eps=1e-8)),
    ("adam", {"lr": 1e-2}, lambda ps: torch.optim.Adam(ps, lr=1e-2)),
    ("adam", {"lr": 1e-2, "beta1": 0.5, "beta2": 0.9, "eps": 1e-7},
     lambda ps: torch.optim.Adam(ps, lr=1e-2, betas=(0.5, 0.9), eps=1e-7)),
    ("adamw", {"lr": 1e-2, "weight_decay": 0.1}, lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=0.1)),
]  # fmt: skip


@pytest.mark.parametrize("rule, hyper, make", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_torch(rule, hyper, make):
    grads = _grads()
    w0 = np.random.default_rng(1).standard_normal((3, 4))
    ours = _ours_traj(w0, grads, rule, **hyper)
    ref = _torch_traj(w0, grads, make)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_nesterov_slide_variable_is_lookahead_of_original_form():
    """Original Nesterov: v' = rho v - lr grad(x + rho v), x' = x + v'. The slide's x~ equals x + rho v."""
    A = np.diag([1.0, 10.0])
    grad = lambda z: A @ z
    lr, rho = 0.05, 0.9
    x, v = np.array([1.0, 1.0]), np.zeros(2)
    xt, state = x.copy(), {}
    for _ in range(30):
        v = rho * v - lr * grad(x + rho * v)
        x = x + v
        xt, state = nesterov(xt, grad(xt), state, lr=lr, rho=rho)
        np.testing.assert_allclose(xt, x + rho * v, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e4])
def test_adam_first_step_is_lr_sign(scale):
    """At t=1, m_hat = g and v_hat = g^2: the step is lr * g / (|g| + eps) ~ lr * sign(g) at any scale."""
    g = np.array([3.0, -0.5, 2.0]) * scale
    w, _ = adam(np.zeros(3), g, {}, lr=1e-3)
    np.testing.assert_allclose(w, -1e-3 * np.sign(g), rtol=1e-4)
    np.testing.assert_allclose(w, -1e-3 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_clip_grad_norm_matches_torch():
    r = np.random.default_rng(0)
    grads = {"a": r.standard_normal((4, 5)), "b": r.standard_normal(7)}
    ps = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads.values()]
    for p, g in zip(ps, grads.values(), strict=True):
        p.grad = torch.tensor(g)
    ref_norm = torch.nn.utils.clip_grad_norm_(ps, max_norm=1.5)
    norm = clip_grad_norm(grads, 1.5)
    assert norm == pytest.approx(float(ref_norm), rel=1e-12)
    for p, g in zip(ps, grads.values(), strict=True):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-12)
    small = {"a": np.array([0.1, 0.1])}
    clip_grad_norm(small, 1.0)
    np.testing.assert_array_equal(small["a"], [0.1, 0.1])  # under the threshold: untouched


def test_optimizer_errors_and_state_roundtrip():
    with pytest.raises(ValueError, match="'rule' parameter"):
        Optimizer("lion")
    with pytest.raises(TypeError, match="unknown"):
        Optimizer("sgd", rho=0.9)
    params = {"w": np.ones(3)}
    opt = Optimizer("adam", lr=0.1)
    opt.step(params, {"w": np.array([1.0, 2.0, 3.0])})
    arrays, scalars = opt.state_arrays()
    assert set(arrays) == {"w/m", "w/v"} and scalars == {"w/t": 1}
    opt2 = Optimizer("adam", lr=0.1)
    opt2.load_state_arrays(arrays, scalars)
    p1, p2 = {"w": params["w"].copy()}, {"w": params["w"].copy()}
    opt.step(p1, {"w": np.ones(3)})
    opt2.step(p2, {"w": np.ones(3)})
    np.testing.assert_array_equal(p1["w"], p2["w"])
