"""Small classifiers for the explain tests: module, in-place and functional ReLUs, and a digits model
trained in a few seconds (nothing downloaded)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from visrec.explain import ExplainModel
from visrec.torch_nn import create_model


class SmallConvNet(nn.Module):
    """conv-relu-conv-relu-pool-fc, with ``forward_features`` / ``forward_head``; ``relu`` picks module,
    in-place module or functional ReLUs (same parameters in all three)."""

    def __init__(self, relu: str = "module", in_chans: int = 3, num_classes: int = 5):
        super().__init__()
        self.relu_kind = relu
        self.conv1 = nn.Conv2d(in_chans, 6, 3, padding=1)
        self.act1 = nn.ReLU(inplace=relu == "inplace")
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.act2 = nn.ReLU(inplace=relu == "inplace")
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 4 * 4, num_classes)
        self.num_classes, self.input_size = num_classes, (in_chans, 8, 8)

    def _act(self, module, x):
        return F.relu(x) if self.relu_kind == "functional" else module(x)

    def forward_features(self, x):
        x = self._act(self.act1, self.conv1(x))
        return self.pool(self._act(self.act2, self.conv2(x)))  # (N, 8, 4, 4)

    def forward_head(self, f, pre_logits: bool = False):
        f = torch.flatten(f, 1)
        return f if pre_logits else self.fc(f)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


def twins(seed: int = 0, in_chans: int = 3):
    """The same weights as module / in-place / functional nets, each wrapped in an ExplainModel (float64)."""
    torch.manual_seed(seed)
    base = SmallConvNet("module", in_chans)
    out = {}
    for kind in ("module", "inplace", "functional"):
        net = SmallConvNet(kind, in_chans)
        net.load_state_dict(base.state_dict())
        out[kind] = ExplainModel(net, mean=(0.4,) * in_chans, std=(0.3,) * in_chans).double().eval()
    return out


def train_digits_model(epochs: int = 8, seed: int = 0):
    """A TinyCNN on scikit-learn's 8x8 digits (~1,800 images): returns (ExplainModel, x (N,1,8,8), y)."""
    from visrec.data.digits import load_digits

    ds = load_digits()
    x = torch.from_numpy(ds.images).permute(0, 3, 1, 2).float() / 255.0
    y = torch.from_numpy(ds.labels)
    torch.manual_seed(seed)
    net = create_model("tiny_cnn", num_classes=10, in_chans=1, img_size=8)
    model = ExplainModel(net, mean=(0.3,), std=(0.4,), class_names=ds.class_names)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    n_train = 1500
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n_train)
        for i in range(0, n_train, 100):
            idx = perm[i : i + 100]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    return model, x[n_train:], y[n_train:]


def shapes_dataset(n: int, seed: int, size: int = 16):
    """Noise images with one bright 5x5 shape at a random place: class 0 = plus, class 1 = hollow square.

    Returns x (N, 1, size, size) in [0, 1], y (N,), boxes (N, 4) as (top, left, bottom, right) exclusive.
    """
    g = torch.Generator().manual_seed(seed)
    plus = torch.zeros(5, 5)
    plus[2, :] = 1
    plus[:, 2] = 1
    square = torch.ones(5, 5)
    square[1:4, 1:4] = 0
    x = torch.rand(n, 1, size, size, generator=g) * 0.3
    y = torch.randint(0, 2, (n,), generator=g)
    boxes = torch.zeros(n, 4, dtype=torch.long)
    for i in range(n):
        r, c = (int(v) for v in torch.randint(0, size - 5 + 1, (2,), generator=g))
        shape = plus if y[i] == 0 else square
        x[i, 0, r : r + 5, c : c + 5] = torch.maximum(x[i, 0, r : r + 5, c : c + 5], shape)
        boxes[i] = torch.tensor([r, c, r + 5, c + 5])
    return x, y, boxes


def train_shapes_model(epochs: int = 15, seed: int = 0):
    """A TinyCNN (global-average-pooled head) that must find the shape to classify it."""
    x, y, _ = shapes_dataset(800, seed)
    torch.manual_seed(seed)
    net = create_model("tiny_cnn", num_classes=2, in_chans=1, img_size=16)
    model = ExplainModel(net, mean=(0.2,), std=(0.3,), class_names=["plus", "square"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 100):
            idx = perm[i : i + 100]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()
