"""Unpooling and transpose convolution: the Lecture 11 vectors, and agreement with torch's layers."""

import torch
import torch.nn.functional as F

from visrec.detection import ops

X = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])


def test_nearest_and_bed_of_nails_vectors():
    assert ops.nearest_unpool(X)[0, 0].tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    nails = [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]
    assert ops.bed_of_nails_unpool(X)[0, 0].tolist() == nails
    torch.testing.assert_close(ops.nearest_unpool(X), F.interpolate(X, scale_factor=2, mode="nearest"))


def test_max_unpooling_vector():
    pooled_in = torch.tensor([[[[1.0, 2, 6, 3], [3, 5, 2, 1], [1, 2, 2, 1], [7, 3, 4, 8]]]])
    values, indices = ops.max_pool_with_indices(pooled_in, 2)
    assert values[0, 0].tolist() == [[5, 6], [7, 8]]
    ref_values, ref_indices = F.max_pool2d(pooled_in, 2, return_indices=True)
    assert torch.equal(values, ref_values) and torch.equal(indices, ref_indices)
    out = ops.max_unpool(X, indices, (4, 4))
    assert out[0, 0].tolist() == [[0, 0, 2, 0], [0, 1, 0, 0], [0, 0, 0, 0], [3, 0, 0, 4]]
    torch.testing.assert_close(out, F.max_unpool2d(X, indices, 2))


def test_conv_as_matrix_multiply_vectors():
    """Kernel [x, y, z], input [a, b, c, d]: the four products of the lecture, numerically."""
    x, y, z = 2.0, 3.0, 5.0
    a, b, c, d = 7.0, 11.0, 13.0, 17.0
    kernel, signal = torch.tensor([x, y, z]), torch.tensor([a, b, c, d])
    conv = lambda s, stride, pad: F.conv1d(s.view(1, 1, -1), kernel.view(1, 1, -1), stride=stride,  # noqa: E731
                                           padding=pad).flatten()
    m1 = ops.conv1d_matrix(kernel, 4, stride=1, padding=1)
    expected = [a * y + b * z, a * x + b * y + c * z, b * x + c * y + d * z, c * x + d * y]
    assert (m1 @ signal).tolist() == expected
    torch.testing.assert_close(m1 @ signal, conv(signal, 1, 1))
    # transpose, stride 1 (no padding): M^T of the unpadded 4 -> 6 product
    m_full = ops.conv1d_matrix(kernel, 6, stride=1, padding=0)  # (4, 6)
    expected = [a * x, a * y + b * x, a * z + b * y + c * x, b * z + c * y + d * x, c * z + d * y, d * z]
    assert (m_full.T @ signal).tolist() == expected
    torch.testing.assert_close(m_full.T @ signal, F.conv_transpose1d(signal.view(1, 1, -1),
                                                                     kernel.view(1, 1, -1)).flatten())
    m2 = ops.conv1d_matrix(kernel, 4, stride=2, padding=1)
    assert (m2 @ signal).tolist() == [a * y + b * z, b * x + c * y + d * z]
    torch.testing.assert_close(m2 @ signal, conv(signal, 2, 1))
    m3 = ops.conv1d_matrix(kernel, 6, stride=2, padding=0)  # (2, 6): transpose maps [a, b] to 6 values
    two = torch.tensor([a, b])
    assert (m3.T @ two).tolist() == [a * x, a * y, a * z + b * x, b * y, b * z, 0.0]
    torch.testing.assert_close((m3.T @ two)[:5], F.conv_transpose1d(two.view(1, 1, -1), kernel.view(1, 1, -1),
                                                                    stride=2).flatten())


def test_transpose_conv_3x3_stride2_pad1_maps_2x2_to_4x4():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 2, 2, dtype=torch.float64)
    w = torch.randn(3, 4, 3, 3, dtype=torch.float64)
    out = ops.conv_transpose2d_reference(x, w, stride=2, padding=1, output_padding=1)
    assert out.shape == (2, 4, 4, 4)
    torch.testing.assert_close(out, F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1))
    torch.testing.assert_close(ops.conv_transpose2d_reference(x, w, stride=2, padding=1),
                               F.conv_transpose2d(x, w, stride=2, padding=1))  # 3x3 without output_padding
