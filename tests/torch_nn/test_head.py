"""ClassifierHead: each layout against the same computation written out with torch.nn.functional; the
last layer registered at a model's historic path (state-dict keys, copies, pickles); reset; legacy keys."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from visrec.torch_nn import create_model, list_models, load_weights, model_entry, save_weights
from visrec.torch_nn.blocks import ClassifierHead


def test_linear_head_is_pool_flatten_dropout_linear():
    torch.manual_seed(0)
    head = ClassifierHead(6, 4, pool="avg", drop_rate=0.5)
    x = torch.randn(3, 6, 5, 5)
    fc = head.layer
    torch.manual_seed(1)
    got = head.train()(x)
    torch.manual_seed(1)
    pooled = F.dropout(x.mean((2, 3)), 0.5, training=True)  # dropout AFTER pooling
    torch.testing.assert_close(got, F.linear(pooled, fc.weight, fc.bias))
    head.eval()
    torch.testing.assert_close(head(x, pre_logits=True), x.mean((2, 3)))
    maxed = ClassifierHead(6, 4, pool="max", bias=False)
    assert maxed.layer.bias is None
    torch.testing.assert_close(maxed(x), x.amax((2, 3)) @ maxed.layer.weight.T)
    flat = ClassifierHead(6 * 5 * 5, 4, pool="none")  # VGG-CIFAR style: flatten the map
    torch.testing.assert_close(flat(x), flat.layer(x.flatten(1)))


def test_conv_head_is_dropout_conv_act_pool():
    torch.manual_seed(0)
    head = ClassifierHead(6, 4, pool="avg", conv=True, act_layer=nn.ReLU).eval()
    x = torch.randn(3, 6, 5, 5)
    conv = head.layer
    assert isinstance(conv, nn.Conv2d) and conv.weight.shape == (4, 6, 1, 1)
    torch.testing.assert_close(head(x), F.relu(F.conv2d(x, conv.weight, conv.bias)).mean((2, 3)))
    torch.testing.assert_close(head(x, pre_logits=True), x.mean((2, 3)))


def test_bad_options_and_no_classes():
    with pytest.raises(ValueError, match="pool must be one of"):
        ClassifierHead(4, 2, pool="sum")
    with pytest.raises(ValueError, match="act_layer is for conv heads"):
        ClassifierHead(4, 2, act_layer=nn.ReLU)
    with pytest.raises(ValueError, match="drop_rate"):
        ClassifierHead(4, 2, drop_rate=1.0)
    head = ClassifierHead(4, 0)
    assert isinstance(head.layer, nn.Identity) and head(torch.ones(2, 4, 3, 3)).shape == (2, 4)


def test_reset_keeps_dtype_and_applies_init():
    calls = []
    head = ClassifierHead(4, 2, init=lambda layer: calls.append(layer.out_features)).double()
    head.reset(7)
    assert head.layer.weight.dtype == torch.float64 and head.layer.out_features == 7 == head.num_classes
    assert calls == [2, 7]


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Conv2d(3, 4, 3)
        self.head = ClassifierHead(4, 5)
        self.head.attach(self, "fc")

    def forward(self, x):
        return self.head(self.body(x))


def test_attached_layer_keeps_its_key_and_survives_copies_and_pickles():
    torch.manual_seed(0)
    net = _Net()
    assert [k for k in net.state_dict() if "fc" in k] == ["fc.weight", "fc.bias"]  # no head.fc.* twin
    assert net.fc is net.head.layer and len(list(net.parameters())) == 4
    x = torch.randn(2, 3, 6, 6)
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert clone.head.layer is clone.fc and clone.fc is not net.fc  # the copy drives its own layer
        torch.testing.assert_close(clone(x), net(x))
        with torch.no_grad():
            clone.fc.weight.zero_(), clone.fc.bias.fill_(1.0)
        assert torch.equal(clone(x), torch.ones(2, 5)) and not torch.equal(net(x), torch.ones(2, 5))
    net.head.reset(3)
    assert net.fc.out_features == 3 and net(x).shape == (2, 3)


def test_every_classifier_uses_the_shared_head():
    one_per_family = {model_entry(n).family: n for n in sorted(list_models(), reverse=True)}  # smallest names
    for name in one_per_family.values():
        with torch.device("meta"):
            model = create_model(name, num_classes=3)
        assert isinstance(model.head, ClassifierHead), name
        assert model.get_classifier() is model.head.layer, name
        assert model.num_features == model.head.in_features, name
        for cls in type(model).__mro__[:-1]:  # written once, in ClassifierBase
            if cls.__name__ not in ("ClassifierBase", "FastCifarNet"):
                assert "forward_head" not in vars(cls) and "get_classifier" not in vars(cls), (name, cls)


def test_fast_cifar_loads_state_dicts_saved_before_the_shared_head(tmp_path):
    torch.manual_seed(0)
    model = create_model("fast_cifar").eval()
    old = {("head.weight" if k == "head.fc.weight" else k): v for k, v in model.state_dict().items()}
    assert "head.weight" in old
    fresh = create_model("fast_cifar").eval()
    fresh.load_state_dict(old)  # strict
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(fresh(x), model(x))
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in old.items()}, str(tmp_path / "old.safetensors"))
    again = create_model("fast_cifar").eval()
    assert load_weights(again, tmp_path / "old.safetensors").ok
    torch.testing.assert_close(again(x), model(x))
    assert load_weights(create_model("fast_cifar"), save_weights(model, tmp_path / "new.safetensors")).ok


def test_shallow_replicas_use_their_own_last_layer():
    """nn.DataParallel's replicate() copies every module shallowly; each replica must call its own fc."""
    torch.manual_seed(0)
    model = create_model("tiny_cnn", num_classes=3).eval()
    modules = list(model.modules())
    replicas = [m._replicate_for_data_parallel() for m in modules]
    index = {id(m): i for i, m in enumerate(modules)}
    for m, rep in zip(modules, replicas, strict=True):
        rep._parameters, rep._buffers = dict(m._parameters), dict(m._buffers)  # DP broadcasts these
        for key, child in m._modules.items():
            rep._modules[key] = None if child is None else replicas[index[id(child)]]
    replica = replicas[0]
    replica.fc = torch.nn.Linear(replica.num_features, 3)  # the replica's own layer (as DP's broadcast gives)
    with torch.no_grad():
        replica.fc.weight.zero_(), replica.fc.bias.fill_(2.0)
        x = torch.randn(2, 3, 16, 16)
        assert torch.equal(replica(x), torch.full((2, 3), 2.0)) and not torch.equal(model(x), replica(x))
