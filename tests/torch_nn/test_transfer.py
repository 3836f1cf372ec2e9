"""Transfer learning: --init-from copies matching weights; --finetune freezes what it should."""

from __future__ import annotations

import pytest
import torch

from visrec.torch_nn.checkpoint import save_tensors
from visrec.torch_nn.registry import create_model
from visrec.torch_nn.transfer import apply_finetune, init_from, last_stage


def _step(model):
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    x, y = torch.randn(8, 3, 16, 16), torch.randint(0, 4, (8,))
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()


@pytest.mark.parametrize("mode", ["head", "last", "all"])
def test_finetune_freezes_the_body(mode):
    torch.manual_seed(0)
    model = create_model("tiny_cnn", num_classes=4)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainable = apply_finetune(model, mode)
    _step(model)
    after = model.state_dict()
    head = {f"fc.{n}" for n, _ in model.get_classifier().named_parameters()}
    assert head <= set(trainable)
    changed = {k for k, p in model.named_parameters() if not torch.equal(before[k], after[k])}
    assert head <= changed
    if mode == "head":
        assert changed == head
    elif mode == "last":
        stage = {id(p) for p in last_stage(model).parameters()}
        assert changed == head | {n for n, p in model.named_parameters() if id(p) in stage}
        assert changed != set(dict(model.named_parameters()))
    else:
        assert changed == set(dict(model.named_parameters()))


def test_init_from_copies_matching_tensors_and_keeps_a_new_head(tmp_path):
    torch.manual_seed(0)
    source = create_model("tiny_cnn", num_classes=10)
    save_tensors(tmp_path / "w.safetensors", source.state_dict())
    target = create_model("tiny_cnn", num_classes=3)
    report = init_from(target, tmp_path / "w.safetensors")
    assert set(report["skipped"]) == {"fc.weight", "fc.bias"}
    for k in report["loaded"]:
        assert torch.equal(target.state_dict()[k], source.state_dict()[k])
    assert target.fc.weight.shape == (3, 32)
    with pytest.raises(ValueError, match="none of its"):
        init_from(create_model("lenet5", num_classes=3), tmp_path / "w.safetensors")


def test_train_with_init_from_and_head_finetune(tmp_path):
    from visrec.torch_nn.checkpoint import load_tensors
    from visrec.torch_nn.trainer import train

    torch.set_num_threads(1)
    base = {"model": "tiny_cnn", "data": "digits", "epochs": 1, "progress": False}
    first = train({**base, "out": str(tmp_path / "a")})
    second = train({**base, "out": str(tmp_path / "b"), "init_from": str(first), "finetune": "head"})
    a, b = load_tensors(first / "model.safetensors"), load_tensors(second / "model.safetensors")
    assert torch.equal(a["features.0.weight"], b["features.0.weight"])  # frozen conv
    assert not torch.equal(a["fc.weight"], b["fc.weight"])  # trained head
