"""`--init-backbone`: a stride_cnn classifier trained by `visrec train` starts a tiny detector's backbone."""

from __future__ import annotations

import json

import pytest
import torch

from visrec.detection.config import DetectConfig
from visrec.detection.models import create_detector
from visrec.detection.train import init_backbone, train
from visrec.torch_nn.checkpoint import save_tensors
from visrec.torch_nn.registry import create_model
from visrec.utils.errors import ParameterError


def _classifier_file(tmp_path, name="stride_cnn"):
    torch.manual_seed(1)
    clf = create_model(name, num_classes=10)
    path = tmp_path / f"{name}.safetensors"
    save_tensors(path, clf.state_dict())
    return clf, path


def test_stride_cnn_stages_are_the_tiny_backbone_body():
    clf = create_model("stride_cnn", num_classes=10)
    det = create_detector("fasterrcnn_tiny", num_classes=2)
    stages = {k: v.shape for k, v in clf.state_dict().items() if k.startswith("stages.")}
    body = {k: v.shape for k, v in det.backbone.state_dict().items() if k.startswith("stages.")}
    assert stages == body and len(stages) == 4 * 12  # 4 stages x (2 convs + 2 BNs of 5 tensors)
    assert clf(torch.randn(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize("detector", ["fasterrcnn_tiny", "retinanet_tiny"])
def test_init_backbone_copies_the_stages_and_leaves_the_rest(tmp_path, detector):
    clf, path = _classifier_file(tmp_path)
    torch.manual_seed(2)
    det = create_detector(detector, num_classes=2)
    before = {k: v.clone() for k, v in det.state_dict().items()}
    report = init_backbone(det, str(path))
    after = det.state_dict()
    want = clf.state_dict()
    assert len(report["loaded"]) == 48 and sorted(report["skipped"]) == ["fc.bias", "fc.weight"]
    for k in want:
        if k.startswith("stages."):
            assert torch.equal(after[f"backbone.{k}"], want[k])
    changed = {k for k in after if not torch.equal(after[k], before[k])}
    assert changed and all(k.startswith("backbone.stages.") for k in changed)  # the pyramid and heads stay


def test_init_backbone_reaches_a_training_run(tmp_path):
    clf, path = _classifier_file(tmp_path)
    cfg = DetectConfig(data="shapes", num_images=4, epochs=1, batch_size=2, out=str(tmp_path / "run"),
                       progress=False, init_backbone=str(path))
    run, _ = train(cfg)
    meta = json.loads((run / "model.json").read_text())
    assert meta["init_backbone"] == {"source": str(path), "tensors_loaded": 48}
    assert json.loads((run / "config.json").read_text())["config"]["init_backbone"] == str(path)


def test_init_backbone_errors_name_the_flag(tmp_path):
    det = create_detector("fasterrcnn_tiny", num_classes=2)
    with pytest.raises(ParameterError, match="--init-backbone .*no such run directory"):
        init_backbone(det, str(tmp_path / "missing"))
    _, lenet = _classifier_file(tmp_path, "lenet5")
    with pytest.raises(ParameterError, match="--init-backbone .*another architecture"):
        init_backbone(det, str(lenet))
    with pytest.raises(ParameterError, match="--init-backbone"):
        train(DetectConfig(data="shapes", num_images=4, out=str(tmp_path / "run"), init_backbone=str(lenet)))
    assert not (tmp_path / "run").exists()  # refused before a run folder was made


def test_init_backbone_fills_a_resnet_fpn_body_from_a_resnet_classifier(tmp_path):
    """The ResNet-FPN detectors' body is torchvision's ResNet minus avgpool/fc: a `visrec train --model
    resnet50` run fills every one of its tensors, and the FPN and heads keep their own initialization."""
    torch.manual_seed(1)
    clf = create_model("resnet50", num_classes=10)
    path = tmp_path / "resnet50.safetensors"
    save_tensors(path, clf.state_dict())
    det = create_detector("fasterrcnn_resnet50_fpn", num_classes=2)
    before = {k: v.clone() for k, v in det.state_dict().items()}
    report = init_backbone(det, str(path))
    assert sorted(report["skipped"]) == ["fc.bias", "fc.weight"] and not report["missing"]
    after, want = det.state_dict(), clf.state_dict()
    body = {k for k in after if k.startswith("backbone.body.")}
    assert body and all(torch.equal(after[k], want[k.removeprefix("backbone.body.")]) for k in body)
    changed = {k for k in after if not torch.equal(after[k], before[k])}
    convs = {k for k in body if after[k].dim() == 4}  # (BatchNorm starts at 1 / 0 in both models)
    assert changed == convs and len(convs) == 53  # the pyramid, the RPN and the box head stay
