"""The airbench details of the record recipe: lookahead, the BatchNorm learning-rate multiple, Dirac init and
frozen BatchNorm scales. Each is checked against its definition, computed independently here."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from visrec.torch_nn.lookahead import Lookahead
from visrec.torch_nn.models.fast_cifar import FastCifarNet
from visrec.torch_nn.optim import build_optimizer, schedule_progress, set_lr
from visrec.torch_nn.train_config import TrainConfig
from visrec.torch_nn.trainer import train
from visrec.utils.errors import ParameterError


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 4 * 4, 2))


def test_lookahead_sync_is_a_pull_back_to_the_slow_weights():
    net = _net()
    la = Lookahead(net, every=5)
    slow = {k: v.clone() for k, v in net.state_dict().items() if v.is_floating_point()}
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    fast = {k: v.clone() for k, v in net.state_dict().items() if v.is_floating_point()}
    la.sync(net, progress=0.5)
    d = 0.95**5 * 0.5**3
    for k, v in net.state_dict().items():
        if k in slow:
            torch.testing.assert_close(v, d * slow[k] + (1 - d) * fast[k])
            assert torch.equal(la.slow[k], v)  # fast reset to slow
    assert la.decay(0.0) == 0.0 and la.decay(1.0) == pytest.approx(0.95**5) and la.decay(2.0) == la.decay(1.0)


def test_lookahead_after_a_sync_is_rebuilt_exactly_from_the_weights():
    """The trainer syncs at every epoch's end, so a resumed run's new Lookahead equals the one it replaces."""
    net = _net()
    la = Lookahead(net, every=3)
    with torch.no_grad():
        net[0].weight.mul_(2.0)
    la.sync(net, progress=0.9)
    rebuilt = Lookahead(net, every=3)
    assert la.slow.keys() == rebuilt.slow.keys()
    assert all(torch.equal(la.slow[k], rebuilt.slow[k]) for k in la.slow)
    assert "1.num_batches_tracked" not in la.slow  # integer buffers are not averaged
    with pytest.raises(ValueError, match="every >= 1"):
        Lookahead(net, every=0)


def test_schedule_progress_is_the_larger_of_steps_and_time():
    cfg = TrainConfig(epochs=10)
    assert schedule_progress(50, 10, cfg) == 0.5
    assert schedule_progress(50, 10, cfg, time_fraction=0.8) == 0.8
    assert schedule_progress(500, 10, cfg) == 1.0


def test_norm_lr_scale_puts_normalization_parameters_in_their_own_group():
    net = _net()
    cfg = TrainConfig(lr=0.1, weight_decay=1e-3, optimizer="nesterov", norm_lr_scale=64.0)
    opt = build_optimizer(net, cfg)
    norm = next(g for g in opt.param_groups if any(p is net[1].weight for p in g["params"]))
    assert {id(p) for p in norm["params"]} == {id(net[1].weight), id(net[1].bias)}
    assert norm["base_lr"] == pytest.approx(6.4) and norm["weight_decay"] == 0.0
    set_lr(opt, 0.5)
    assert norm["lr"] == pytest.approx(3.2) and opt.param_groups[0]["lr"] == pytest.approx(0.05)
    assert sum(len(g["params"]) for g in opt.param_groups) == len(list(net.parameters())) and len(opt.param_groups) == 3
    # the default keeps release 0.1's two groups, so old checkpoints' optimizer states still load
    assert len(build_optimizer(net, TrainConfig(lr=0.1)).param_groups) == 2
    with pytest.raises(ParameterError, match="norm_lr_scale"):
        TrainConfig(norm_lr_scale=0.0)


def test_dirac_init_passes_the_input_through_the_first_channels():
    net = FastCifarNet(widths=(32, 48, 64), conv_init="dirac")
    conv = net.layers[0].conv2  # (32, 32, 3, 3)
    x = torch.randn(2, 32, 5, 5)
    torch.testing.assert_close(conv(x), x)
    grown = net.layers[1].conv1  # (48, 32, 3, 3): identity on the first 32 outputs, PyTorch's default after
    y = grown(x)
    torch.testing.assert_close(y[:, :32], x)
    bound = 1 / (32 * 9) ** 0.5  # kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    rest = grown.weight[32:]
    assert rest.abs().max() <= bound and rest.std() > 0.4 * bound
    with pytest.raises(ParameterError, match="conv_init"):
        FastCifarNet(conv_init="xavier")


def test_frozen_batchnorm_scales_stay_at_one_and_keep_their_keys():
    net = FastCifarNet(widths=(8, 8, 8), bn_weight=False)
    assert set(net.state_dict()) == set(FastCifarNet(widths=(8, 8, 8)).state_dict())
    opt = build_optimizer(net, TrainConfig(lr=0.5, optimizer="nesterov", norm_lr_scale=64.0))
    trained = {id(p) for g in opt.param_groups for p in g["params"]}
    assert all(id(m.weight) not in trained for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    loss = net(torch.randn(4, 3, 32, 32)).logsumexp(1).sum()
    loss.backward()
    opt.step()
    assert all(torch.equal(m.weight, torch.ones_like(m.weight)) for m in net.modules() if isinstance(m, nn.BatchNorm2d))


def test_a_short_run_with_the_airbench_options(tmp_path):
    cfg = TrainConfig(model="fast_cifar", model_kwargs={"widths": [8, 8, 8], "conv_init": "dirac", "bn_weight": False},
                      data="digits", epochs=2, batch_size=64, lr=0.05, optimizer="nesterov", lookahead=3,
                      norm_lr_scale=16.0, out=str(tmp_path / "r"), progress=False, limit=300)
    run = train(cfg)
    saved = json.loads((run / "config.json").read_text())["config"]
    assert saved["lookahead"] == 3 and saved["norm_lr_scale"] == 16.0
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    assert len(history) == 2 and all(torch.isfinite(torch.tensor(r["train_loss"])) for r in history)


def test_reflect_crop_is_a_translation_of_the_mirrored_image():
    from visrec.torch_nn.augment import random_crop

    x = torch.rand(40, 3, 6, 7)
    y = random_crop(x, 2, torch.Generator().manual_seed(0), mode="reflect")
    xp = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="reflect")
    seen = set()
    for i in range(len(x)):
        hits = [(dy, dx) for dy in range(5) for dx in range(5) if torch.equal(y[i], xp[i, :, dy : dy + 6, dx : dx + 7])]
        assert hits, i
        seen.update(hits)
    assert len(seen) > 10  # many offsets drawn, each image copied whole from one of them
    with pytest.raises(ParameterError, match="crop_mode"):
        TrainConfig(crop_mode="wrap")


def test_the_frozen_stem_skips_its_convolution_backward_and_agrees_with_the_module():
    net = FastCifarNet(widths=(8, 8, 8))
    net.init_whitening(torch.randn(64, 3, 32, 32))
    with torch.no_grad():
        net.whiten.bias.uniform_(-1, 1)
    x = torch.randn(4, 3, 32, 32)
    fast = net.whiten(x)
    reference = nn.Conv2d.forward(net.whiten, x)  # nn.Conv2d with its bias
    torch.testing.assert_close(fast, reference, rtol=1e-5, atol=1e-5)
    assert type(fast.grad_fn).__name__.startswith("Add")  # the convolution itself has no backward node
    (g_fast,) = torch.autograd.grad(fast.square().sum(), net.whiten.bias)
    (g_ref,) = torch.autograd.grad(reference.square().sum(), net.whiten.bias)
    torch.testing.assert_close(g_fast, g_ref, rtol=1e-4, atol=1e-4)
    net.whiten.weight.requires_grad_(True)  # unfrozen (fine-tuning): the module's own path
    assert type(net.whiten(x).grad_fn).__name__.startswith("Convolution")


def test_resuming_with_another_norm_lr_scale_is_a_clear_error():
    from visrec.torch_nn.checkpoint import optimizer_from_tensors, optimizer_to_tensors

    net = _net()
    two = build_optimizer(net, TrainConfig(lr=0.1))
    tensors, structure = optimizer_to_tensors(two)
    three = build_optimizer(net, TrainConfig(lr=0.1, norm_lr_scale=64.0))
    with pytest.raises(ParameterError, match="--norm-lr-scale"):
        optimizer_from_tensors(three, tensors, structure)


def test_bn_momentum_reaches_every_batchnorm():
    norms = [m for m in FastCifarNet(widths=(8, 8, 8), bn_momentum=0.1).modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 6 and all(m.momentum == 0.1 for m in norms)


def _whiten_run(tmp_path, name, **over):
    cfg = dict(model="fast_cifar", model_kwargs={"widths": [8, 8, 8]}, data="digits", epochs=2, batch_size=64,
               lr=0.05, optimizer="nesterov", lr_schedule="constant", out=str(tmp_path / name), progress=False,
               limit=300, threads=1)
    return train(TrainConfig.from_dict({**cfg, **over}))


def _bias(run):
    from visrec.torch_nn.checkpoint import load_tensors

    return load_tensors(run / "checkpoints" / "last.safetensors")["model/whiten.bias"]


def test_whiten_bias_trains_in_the_first_epochs_only_and_resumes_frozen(tmp_path):
    one = _bias(_whiten_run(tmp_path, "one", epochs=1))  # at a constant lr, epoch 1 is the same in every run
    assert one.abs().max() > 0  # it trained (init_whitening starts it at zero)
    frozen = _whiten_run(tmp_path, "frozen", whiten_bias_epochs=1)
    assert torch.equal(_bias(frozen), one)  # epoch 2 left it alone
    assert not torch.equal(_bias(_whiten_run(tmp_path, "always")), one)  # the default trains it in epoch 2 too
    part = _whiten_run(tmp_path, "part", epochs=1, whiten_bias_epochs=1)
    resumed = train(TrainConfig.from_dict({"resume": str(part), "epochs": 2}))  # starts in epoch 2: frozen
    assert torch.equal(_bias(resumed), one)
    assert json.loads((frozen / "config.json").read_text())["config"]["whiten_bias_epochs"] == 1


def test_whiten_bias_epochs_needs_a_whitening_stem(tmp_path):
    with pytest.raises(ParameterError, match="--whiten-bias-epochs 3: the model 'lenet5' has no whitening stem"):
        train(TrainConfig(model="lenet5", data="digits", epochs=1, whiten_bias_epochs=3, out=str(tmp_path / "r"),
                          progress=False, limit=100))
    assert not (tmp_path / "r").exists()
    with pytest.raises(ParameterError, match="whiten_bias_epochs"):
        TrainConfig(whiten_bias_epochs=-1)


def test_decayed_norm_parameters_shrink_as_fast_as_the_weights():
    """airbench's decoupled decay: with norm_lr_scale s, the norm group's decay is wd / s, so lr * wd per step."""
    net = _net()
    cfg = TrainConfig(lr=0.1, weight_decay=1e-3, optimizer="sgd", norm_lr_scale=64.0, no_decay_norm_bias=False)
    opt = build_optimizer(net, cfg)
    set_lr(opt, 1.0)
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    for p in net.parameters():
        p.grad = torch.zeros_like(p)  # only the decay moves them
    opt.step()
    for n, p in net.named_parameters():
        torch.testing.assert_close(p.detach(), before[n] * (1 - 0.1 * 1e-3), msg=n)
