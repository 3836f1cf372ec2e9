"""Forward/backward layer pairs of the NumPy engine (the gate API of Lecture 4).

Every layer is ``out, cache = <name>_forward(...)`` and ``grads = <name>_backward(dout, cache)``; losses
return ``(loss, dscores)`` in one call. See docs/numpy_engine_layers.md for the full list and shapes.
"""

from visrec.numpy_nn.layers.activations import (
    elu_backward,
    elu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    prelu_backward,
    prelu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from visrec.numpy_nn.layers.affine import (
    affine_backward,
    affine_forward,
)
from visrec.numpy_nn.layers.batchnorm import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)
from visrec.numpy_nn.layers.conv import (
    conv_backward_fast,
    conv_backward_im2col,
    conv_backward_naive,
    conv_forward_fast,
    conv_forward_im2col,
    conv_forward_naive,
)
from visrec.numpy_nn.layers.dropout import (
    dropout_backward,
    dropout_forward,
)
from visrec.numpy_nn.layers.flatten import (
    flatten_backward,
    flatten_forward,
)
from visrec.numpy_nn.layers.im2col import (
    col2im,
    im2col,
    pad_spatial,
    windows,
)
from visrec.numpy_nn.layers.losses import (
    l2_loss,
    softmax_loss,
    svm_loss,
)
from visrec.numpy_nn.layers.maxout import (
    maxout_backward,
    maxout_forward,
)
from visrec.numpy_nn.layers.norms import (
    groupnorm_backward,
    groupnorm_forward,
    instancenorm_backward,
    instancenorm_forward,
    layernorm_backward,
    layernorm_forward,
)
from visrec.numpy_nn.layers.pool import (
    avg_pool_backward,
    avg_pool_backward_fast,
    avg_pool_backward_naive,
    avg_pool_forward,
    avg_pool_forward_fast,
    avg_pool_forward_naive,
    max_pool_backward_fast,
    max_pool_backward_naive,
    max_pool_forward_fast,
    max_pool_forward_naive,
)

__all__ = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "leaky_relu_forward",
    "leaky_relu_backward",
    "prelu_forward",
    "prelu_backward",
    "elu_forward",
    "elu_backward",
    "softmax_loss",
    "svm_loss",
    "l2_loss",
    "dropout_forward",
    "dropout_backward",
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "spatial_batchnorm_forward",
    "spatial_batchnorm_backward",
    "layernorm_forward",
    "layernorm_backward",
    "instancenorm_forward",
    "instancenorm_backward",
    "groupnorm_forward",
    "groupnorm_backward",
    "conv_forward_naive",
    "conv_backward_naive",
    "conv_forward_fast",
    "conv_backward_fast",
    "conv_forward_im2col",
    "conv_backward_im2col",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
    "max_pool_forward_fast",
    "max_pool_backward_fast",
    "avg_pool_forward_naive",
    "avg_pool_backward_naive",
    "avg_pool_forward_fast",
    "avg_pool_backward_fast",
    "avg_pool_forward",
    "avg_pool_backward",
    "maxout_forward",
    "maxout_backward",
    "flatten_forward",
    "flatten_backward",
    "pad_spatial",
    "windows",
    "im2col",
    "col2im",
]
