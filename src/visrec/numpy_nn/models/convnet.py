"""Convolutional networks of Lecture 5 (L5552-5558): [(CONV-RELU)*N - POOL?]*M - (FC-RELU)*K - SOFTMAX.

Both are :class:`~visrec.numpy_nn.graph.Sequential` stacks of the layer objects. Convolutions have F x F
filters (F = ``filter_size``), stride 1, zero padding ``(F - 1) // 2`` (size kept, L5219); pools are 2x2 max
pools with stride 2. Inputs are ``(N, C, H, W)``.
"""

from __future__ import annotations

from visrec.numpy_nn.models.base import Model
from visrec.utils.validation import check_float, check_int


class ConvNet(Model):
    """The slide's pattern as a config.

    Parameters
    ----------
    input_dim : (C, H, W)
    num_classes : int, K
    conv_blocks : list of lists of int; block m holds the filter counts of its N convolutions, each
        followed by ReLU (and spatial batch norm before it when ``batchnorm``); a block ends in a 2x2
        pool when ``pool`` is true. ``[[32, 32], [64]]`` is conv32-relu-conv32-relu-pool-conv64-relu-pool.
    fc_dims : list of int, the K hidden affine-ReLU layers before the output affine
    filter_size : odd int
    batchnorm : bool, spatial batch norm after each conv (and batch norm after each hidden affine)
    dropout_keep : keep probability of inverted dropout after each hidden affine (None: none)
    init : "he" | "xavier" | "small" (with ``weight_scale``)
    """

    name = "convnet"

    def __init__(
        self,
        input_dim=(3, 32, 32),
        num_classes: int = 10,
        conv_blocks=((32,), (64,)),
        fc_dims=(256,),
        filter_size: int = 3,
        pool: bool = True,
        batchnorm: bool = False,
        dropout_keep: float | None = None,
        init: str = "he",
        weight_scale: float = 1e-2,
        reg: float = 0.0,
        dtype: str = "float64",
        seed: int | None = 0,
    ):
        super().__init__(reg, dtype, seed)
        C, H, W = (check_int("input_dim[i]", v, low=1, owner="ConvNet") for v in input_dim)
        F = check_int("filter_size", filter_size, low=1, owner="ConvNet")
        if F % 2 == 0:
            raise ValueError(f"filter_size must be odd so padding (F-1)/2 keeps the size; got {F}.")
        conv_blocks = [[check_int("filters", f, low=1, owner="ConvNet") for f in blk] for blk in conv_blocks]
        fc_dims = [check_int("fc_dims[i]", d, low=1, owner="ConvNet") for d in fc_dims]
        if dropout_keep is not None:
            dropout_keep = check_float("dropout_keep", dropout_keep, low=0.0, high=1.0, closed="right")
        self._kwargs = dict(
            input_dim=[C, H, W],
            num_classes=num_classes,
            conv_blocks=conv_blocks,
            fc_dims=fc_dims,
            filter_size=F,
            pool=bool(pool),
            batchnorm=bool(batchnorm),
            dropout_keep=dropout_keep,
            init=init,
            weight_scale=weight_scale,
            reg=reg,
            dtype=str(self.dtype),
            seed=seed,
        )
        i = 0
        for block in conv_blocks:
            for filters in block:
                i += 1
                self._add_conv(i, C, filters, F, init, weight_scale)
                if batchnorm:
                    self._add_norm(i, "spatial_batchnorm", filters)
                self._add_activation("relu")
                C = filters
            if pool:
                if H < 2 or W < 2 or H % 2 or W % 2:
                    raise ValueError(
                        f"A 2x2 pool needs an even map of at least 2x2; the map is {H}x{W} after conv {i}. "
                        "Use fewer pooling blocks, pool=False, or an input size divisible by 2**blocks."
                    )
                self._add_pool()
                H, W = H // 2, W // 2
        dims = [C * H * W, *fc_dims]
        for d_in, d_out in zip(dims[:-1], dims[1:], strict=True):
            i += 1
            self._add_affine(i, d_in, d_out, init, weight_scale)
            if batchnorm:
                self._add_norm(i, "batchnorm", d_out)
            self._add_activation("relu")
            if dropout_keep is not None and dropout_keep < 1.0:
                self._add_dropout(dropout_keep)
        i += 1
        self._add_affine(i, dims[-1], num_classes, "xavier" if init == "he" else init, weight_scale)
        self._finish()


class ThreeLayerConvNet(Model):
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax (the classic three-layer convnet).

    Parameters
    ----------
    input_dim : (C, H, W)
    num_filters : int, K filters of size F x F (F = filter_size), stride 1, padding (F - 1) // 2
    hidden_dim : int, width of the hidden affine layer
    weight_scale : float, std of the Gaussian initial weights (init="small"); init="he" ignores it
    """

    name = "threelayer_convnet"

    def __init__(
        self,
        input_dim=(3, 32, 32),
        num_filters: int = 32,
        filter_size: int = 7,
        hidden_dim: int = 100,
        num_classes: int = 10,
        weight_scale: float = 1e-3,
        init: str = "small",
        reg: float = 0.0,
        dtype: str = "float64",
        seed: int | None = 0,
    ):
        super().__init__(reg, dtype, seed)
        C, H, W = (check_int("input_dim[i]", v, low=1, owner="ThreeLayerConvNet") for v in input_dim)
        F = check_int("filter_size", filter_size, low=1, owner="ThreeLayerConvNet")
        if F % 2 == 0:
            raise ValueError(f"filter_size must be odd so padding (F-1)/2 keeps the size; got {F}.")
        self._kwargs = dict(
            input_dim=[C, H, W],
            num_filters=num_filters,
            filter_size=F,
            hidden_dim=hidden_dim,
            num_classes=num_classes,
            weight_scale=weight_scale,
            init=init,
            reg=reg,
            dtype=str(self.dtype),
            seed=seed,
        )
        self._add_conv(1, C, num_filters, F, init, weight_scale)
        self._add_activation("relu")
        self._add_pool()
        self._add_affine(2, num_filters * (H // 2) * (W // 2), hidden_dim, init, weight_scale)
        self._add_activation("relu")
        self._add_affine(3, hidden_dim, num_classes, "xavier" if init == "he" else init, weight_scale)
        self._finish()
