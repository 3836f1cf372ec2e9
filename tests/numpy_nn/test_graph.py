"""Computational graph (Lecture 4): the slides' worked examples, branch gradients, Sequential models."""

import numpy as np
import pytest
import torch

from visrec.numpy_nn.gradcheck import check_model_gradients, numeric_gradient, rel_error
from visrec.numpy_nn.graph import (
    AddConstGate,
    AddGate,
    ComputationalGraph,
    ExpGate,
    MatVecGate,
    MaxGate,
    MultiplyGate,
    PairGate,
    ReciprocalGate,
    ScaleGate,
    Sequential,
    SigmoidGate,
    SquaredNormGate,
)
from visrec.numpy_nn.layers import (
    Affine,
    BatchNorm,
    Conv2d,
    Dropout,
    Flatten,
    MaxPool2d,
    ReLU,
    relu_backward,
    relu_forward,
)


def test_f_equals_x_plus_y_times_z_matches_the_slides():
    # L3050-3063: x=-2, y=5, z=-4 -> q=3, f=-12, df/dz=3, df/dq=-4, df/dx=df/dy=-4.
    g = ComputationalGraph().add(AddGate(), ("x", "y"), "q").add(MultiplyGate(), ("q", "z"), "f")
    assert g.forward({"x": -2.0, "y": 5.0, "z": -4.0}) == -12.0
    assert g.values["q"] == 3.0
    grads = g.backward()
    assert grads == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert g.grads["q"] == -4.0


def _sigmoid_neuron_staged():
    # f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) built from the slide's primitive gates (L3300-3338),
    # nodes deliberately added out of order: the graph sorts them topologically.
    g = ComputationalGraph()
    g.add(ReciprocalGate(), ("den",), "f")
    g.add(AddConstGate(1.0), ("e",), "den")
    g.add(ExpGate(), ("neg",), "e")
    g.add(ScaleGate(-1.0), ("s",), "neg")
    g.add(AddGate(), ("s01", "w2"), "s")
    g.add(AddGate(), ("m0", "m1"), "s01")
    g.add(MultiplyGate(), ("w0", "x0"), "m0")
    g.add(MultiplyGate(), ("w1", "x1"), "m1")
    return g


def test_sigmoid_neuron_staged_gates_equal_one_sigmoid_gate_and_the_numeric_gradient():
    vals = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    staged = _sigmoid_neuron_staged()
    f = staged.forward(vals)
    grads = staged.backward()
    # The same function with one sigmoid gate: sigma' = (1 - sigma) sigma (L3712); representation not unique.
    compact = ComputationalGraph()
    compact.add(MultiplyGate(), ("w0", "x0"), "m0").add(MultiplyGate(), ("w1", "x1"), "m1")
    compact.add(AddGate(), ("m0", "m1"), "s01").add(AddGate(), ("s01", "w2"), "s").add(
        SigmoidGate(), ("s",), "f"
    )
    assert compact.forward(vals) == pytest.approx(f, rel=1e-15)
    grads_c = compact.backward()
    names = list(vals)
    vec = np.array([vals[k] for k in names])

    def fun(v):
        return 1 / (1 + np.exp(-(v[0] * v[1] + v[2] * v[3] + v[4])))

    numeric = numeric_gradient(fun, vec.copy())
    for i, k in enumerate(names):
        assert grads[k] == pytest.approx(grads_c[k], rel=1e-12)
        assert grads[k] == pytest.approx(numeric[i], rel=1e-8)
    assert grads["w0"] == pytest.approx((1 - f) * f * vals["x0"], rel=1e-12)


def test_squared_norm_of_Wx_gradients_match_the_slides_formulas_and_torch():
    # L3869-4041: f = ||W x||^2, grad_W = 2 q x^T, grad_x = 2 W^T q. W from the slides; the slide's x is
    # only in a figure, so x is drawn at random here.
    W = np.array([[0.1, 0.5], [-0.3, 0.8]])
    x = np.random.default_rng(0).standard_normal(2)
    g = ComputationalGraph().add(MatVecGate(), ("W", "x"), "q").add(SquaredNormGate(), ("q",), "f")
    f = g.forward({"W": W, "x": x})
    grads = g.backward()
    q = W @ x
    np.testing.assert_allclose(grads["W"], 2 * np.outer(q, x))
    np.testing.assert_allclose(grads["x"], 2 * W.T @ q)
    assert grads["W"].shape == W.shape and grads["x"].shape == x.shape  # gradient has the variable's shape
    Wt, xt = torch.tensor(W, requires_grad=True), torch.tensor(x, requires_grad=True)
    ft = ((Wt @ xt) ** 2).sum()
    ft.backward()
    assert f == pytest.approx(ft.item(), rel=1e-14)
    np.testing.assert_allclose(grads["W"], Wt.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(grads["x"], xt.grad.numpy(), rtol=1e-14)


def test_gradients_add_where_one_input_feeds_two_branches():
    # f = x*y + max(x, z): x feeds two gates, so df/dx = y + [x > z]   (L3733-3778)
    g = ComputationalGraph()
    g.add(MultiplyGate(), ("x", "y"), "a").add(MaxGate(), ("x", "z"), "b").add(AddGate(), ("a", "b"), "f")
    g.forward({"x": 3.0, "y": -2.0, "z": 1.0})
    assert g.backward() == {"x": -2.0 + 1.0, "y": 3.0, "z": 0.0}
    g.forward({"x": 3.0, "y": -2.0, "z": 5.0})  # max routes to z now
    assert g.backward() == {"x": -2.0, "y": 3.0, "z": 1.0}


def test_pair_gates_run_layers_inside_a_graph_and_backward_takes_an_upstream_gradient():
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    g = ComputationalGraph().add(PairGate(relu_forward, relu_backward), ("x",), "h")
    g.add(AddGate(), ("h", "x"), "out")  # out = relu(x) + x: branch again
    np.testing.assert_array_equal(g.forward({"x": x}), np.maximum(x, 0) + x)
    dx = g.backward(np.ones_like(x))["x"]
    np.testing.assert_array_equal(dx, (x > 0) + 1.0)


def test_graph_errors_cycles_missing_inputs_duplicate_outputs():
    g = ComputationalGraph().add(AddGate(), ("a", "b"), "c").add(AddGate(), ("c", "d"), "b2")
    with pytest.raises(ValueError, match="were not given"):
        g.forward({"a": 1.0})
    with pytest.raises(ValueError, match="already produced"):
        g.add(AddGate(), ("a", "a"), "c")
    cyc = ComputationalGraph().add(AddGate(), ("u", "v"), "w").add(ScaleGate(2.0), ("w",), "v")
    with pytest.raises(ValueError, match="cycle"):
        cyc.nodes_topologically_sorted()


def _small_net(seed=0):
    rng = np.random.default_rng(seed)
    return Sequential(
        Conv2d(2, 3, 3, rng=rng),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Affine(12, 6, rng=rng),
        BatchNorm(6),
        ReLU(),
        Affine(6, 4, init="xavier", rng=rng),
        reg=0.1,
    )


def test_sequential_model_gradients_match_numeric():
    model = _small_net()
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((5, 2, 4, 4)), rng.integers(0, 4, 5)
    errors = check_model_gradients(model, X, y)
    assert set(errors) == set(model.params)
    # The bias just before BatchNorm has an exactly zero gradient (the mean subtraction cancels it), so its
    # relative error compares two round-off values; check it absolutely instead.
    _, grads = model.loss(X, y)
    np.testing.assert_allclose(grads["4.b"], 0.0, atol=1e-12)
    del errors["4.b"]
    assert max(errors.values()) < 1e-5, errors  # ReLU / max-pool kinks are > h away with seeded inputs


def test_sequential_params_are_live_and_test_mode_gives_scores():
    model = _small_net()
    key = "4.w"
    model.params[key] = np.zeros_like(model.params[key])
    assert np.all(model.layers[4].params["w"] == 0)
    X = np.random.default_rng(2).standard_normal((3, 2, 4, 4))
    scores = model.loss(X)
    assert scores.shape == (3, 4)
    assert len(model.params) == 8 and "0.w" in model.params


def test_sequential_dropout_matches_the_layer_pairs():
    model = Sequential(Dropout(0.5, seed=0), Affine(4, 3, rng=0))
    X = np.ones((2, 4))
    np.testing.assert_allclose(model.forward(X, "test"), X @ model.params["1.w"])
    out = model.forward(X, "train")
    dx = model.backward(np.ones_like(out))
    mask = model.layers[0]._cache[1]
    np.testing.assert_allclose(dx, mask * (np.ones((2, 3)) @ model.params["1.w"].T))
    assert rel_error(out, (X * mask) @ model.params["1.w"]) < 1e-12
