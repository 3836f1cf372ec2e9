"""Fast style transfer (Johnson, Alahi & Fei-Fei 2016) with instance norm (Ulyanov et al. 2016) and
conditional instance norm (Dumoulin, Shlens & Kudlur 2017).

A feed-forward :class:`TransformNet` (downsampling convs, residual blocks, upsampling convs) is trained on
the same perceptual losses as :func:`~.transfer.style_transfer`, then stylizes an image in one forward pass.
With ``num_styles > 1`` every norm layer is a :class:`ConditionalInstanceNorm`: one (gamma, beta) pair per
style, so one network paints several styles, and a convex mix of the pairs blends them.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import nn

from visrec.explain._errors import ParameterError
from visrec.explain.generate.style.features import FeatureExtractor, default_layers
from visrec.explain.generate.style.losses import content_loss, style_loss, tv_loss
from visrec.explain.generate.style.transfer import style_targets

__all__ = ["ConditionalInstanceNorm", "TransformNet", "train_fast_style", "load_fast_style"]


class ConditionalInstanceNorm(nn.Module):
    """Instance norm (per image and channel over H, W) followed by the affine map of the chosen style.

    ``forward(x, style)`` with ``style`` an int, or a (S,) / (N, S) weight vector that mixes the styles'
    gamma and beta (weights are used as given; pass a convex combination to blend).
    """

    def __init__(self, channels: int, num_styles: int = 1):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.gamma = nn.Parameter(torch.ones(num_styles, channels))
        self.beta = nn.Parameter(torch.zeros(num_styles, channels))

    def forward(self, x: torch.Tensor, style=0) -> torch.Tensor:
        s = self.gamma.shape[0]
        if isinstance(style, int):
            if not 0 <= style < s:
                raise ParameterError(
                    f"style index {style} is out of range: this network knows {s} styles (0..{s - 1})."
                )
            w = F.one_hot(torch.tensor(style), s).to(x)
        else:
            w = torch.as_tensor(style, dtype=x.dtype, device=x.device)
            if w.shape[-1] != s:
                raise ParameterError(
                    f"style weights need {s} entries (one per style); got shape {tuple(w.shape)}."
                )
        w = w.reshape(-1, s)  # (1 or N, S)
        gamma, beta = w @ self.gamma, w @ self.beta  # (1 or N, C)
        return self.norm(x) * gamma[:, :, None, None] + beta[:, :, None, None]


class _ConvNorm(nn.Module):
    def __init__(self, cin, cout, k, stride=1, num_styles=1, relu=True, upsample=1):
        super().__init__()
        self.upsample = upsample
        self.conv = nn.Conv2d(cin, cout, k, stride, padding=k // 2, padding_mode="reflect")
        self.norm = ConditionalInstanceNorm(cout, num_styles)
        self.relu = relu

    def forward(self, x, style):
        if self.upsample > 1:
            x = F.interpolate(x, scale_factor=self.upsample, mode="nearest")  # avoids checkerboard artifacts
        x = self.norm(self.conv(x), style)
        return F.relu(x) if self.relu else x


class _Residual(nn.Module):
    def __init__(self, c, num_styles):
        super().__init__()
        self.a = _ConvNorm(c, c, 3, num_styles=num_styles)
        self.b = _ConvNorm(c, c, 3, num_styles=num_styles, relu=False)

    def forward(self, x, style):
        return x + self.b(self.a(x, style), style)


class TransformNet(nn.Module):
    """Johnson et al.'s image transformation network: x (N, C, H, W) in [0, 1] -> stylized, same shape.

    conv9x9(w) - conv3x3/2(2w) - conv3x3/2(4w) - ``blocks`` residual blocks - up x2 conv(2w) - up x2 conv(w) -
    conv9x9(C), instance-normalized (conditional for ``num_styles > 1``), a sigmoid to [0, 1] at the end.
    The paper's width is 32; the default 16 keeps CPU training short. H and W should be multiples of 4.
    """

    def __init__(self, in_chans: int = 3, width: int = 16, blocks: int = 3, num_styles: int = 1):
        super().__init__()
        self.num_styles = num_styles
        w = width
        self.down = nn.ModuleList(
            [
                _ConvNorm(in_chans, w, 9, num_styles=num_styles),
                _ConvNorm(w, 2 * w, 3, 2, num_styles),
                _ConvNorm(2 * w, 4 * w, 3, 2, num_styles),
            ]
        )
        self.res = nn.ModuleList([_Residual(4 * w, num_styles) for _ in range(blocks)])
        self.up = nn.ModuleList(
            [
                _ConvNorm(4 * w, 2 * w, 3, num_styles=num_styles, upsample=2),
                _ConvNorm(2 * w, w, 3, num_styles=num_styles, upsample=2),
            ]
        )
        self.out = nn.Conv2d(w, in_chans, 9, padding=4, padding_mode="reflect")

    def forward(self, x: torch.Tensor, style=0) -> torch.Tensor:
        h = x
        for layer in (*self.down, *self.res, *self.up):
            h = layer(h, style)
        return torch.sigmoid(self.out(h))


def train_fast_style(
    model,
    styles: list[torch.Tensor],
    contents: torch.Tensor,
    steps: int = 200,
    batch_size: int = 4,
    lr: float = 1e-3,
    content_weight: float = 1.0,
    style_weight: float = 1e4,
    tv_weight: float = 1e-4,
    width: int = 16,
    blocks: int = 3,
    style_layers=None,
    content_layer=None,
    seed: int = 0,
    log=None,
):
    """Train a :class:`TransformNet` for ``styles`` (one style: plain instance norm; several: conditional).

    Parameters
    ----------
    model : ExplainModel, the loss network (frozen)
    styles : list of S style images (1, C, h, w) in [0, 1]
    contents : (M, C, H, W) training images in [0, 1], H and W multiples of 4
    steps : optimizer steps; each draws ``batch_size`` content images and one style per image
    log : optional callable(step, loss) for progress

    Returns
    -------
    (TransformNet in eval mode, list of losses, seconds)
    """
    if contents.shape[-1] % 4 or contents.shape[-2] % 4:
        raise ParameterError(
            f"Training images must have H and W divisible by 4; got {tuple(contents.shape)}."
        )
    d_style, d_content = default_layers(model)
    style_layers = list(style_layers or d_style)
    content_layer = content_layer or d_content
    extractor = FeatureExtractor(model, style_layers + [content_layer])
    targets = [style_targets(extractor, [s], style_layers) for s in styles]  # per style, per layer (1, C, C)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = TransformNet(contents.shape[1], width, blocks, num_styles=len(styles)).to(contents.device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    losses, t0 = [], time.perf_counter()
    weights = [style_weight] * len(style_layers)
    for step in range(steps):
        idx = torch.randint(0, len(contents), (batch_size,), generator=gen)
        sty = int(torch.randint(0, len(styles), (1,), generator=gen))
        x = contents[idx]
        y = net(x, sty)
        feats = extractor(y)
        with torch.no_grad():
            content_target = extractor(x)[content_layer]
        grams = [t.expand(len(x), -1, -1) for t in targets[sty]]
        loss = content_loss(content_weight, feats[content_layer], content_target) / len(x)
        loss = loss + style_loss([feats[n] for n in style_layers], grams, weights) / len(x)
        loss = loss + tv_loss(y, tv_weight) / len(x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        if log is not None:
            log(step, losses[-1])
    return net.eval(), losses, time.perf_counter() - t0


def load_fast_style(run_dir, device: str = "cpu") -> TransformNet:
    """The :class:`TransformNet` saved by ``visrec style train-fast`` (model.json kind "fast_style")."""
    from pathlib import Path

    from visrec.runs.arrays import load_model

    tensors, meta = load_model(Path(run_dir), "pt")
    net = TransformNet(3, int(meta["width"]), int(meta["blocks"]), int(meta["num_styles"]))
    net.load_state_dict(tensors)
    return net.eval().to(device)
