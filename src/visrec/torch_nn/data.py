"""From ImageDataset arrays to batches on the device.

Two ways to feed the model, yielding the same batches for the same seed and epoch:

- :class:`TensorBatches`: the whole uint8 split lives on the device as one tensor; a batch is an index
  into it. No copies, no workers: the fast path for small images (CIFAR, MNIST, digits).
- :func:`make_loader`: the Lecture 8 way, a ``torch.utils.data.DataLoader`` over :class:`ArrayDataset` with
  worker processes prefetching batches (``num_workers``, persistent workers, ``pin_memory`` on CUDA).

Both shuffle with ``DistributedSampler``'s rule (``randperm`` seeded with ``seed + epoch``, padded to a
multiple of the world size, rank r takes every world-th index from r), so a seeded run sees the same order
after a resume, and one process sees the union of what N processes see.
Batches are uint8 (N, C, H, W); :class:`visrec.torch_nn.augment.BatchPipeline` turns them into floats.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

__all__ = ["ArrayDataset", "TensorBatches", "make_loader", "channel_stats", "epoch_indices"]


def channel_stats(images: np.ndarray, chunk: int = 4096) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of uint8 images (N, H, W, C), in [0, 1] units (float64 accumulation)."""
    c = images.shape[-1]
    s1, s2, count = np.zeros(c), np.zeros(c), 0
    for i in range(0, len(images), chunk):
        block = images[i : i + chunk].reshape(-1, c).astype(np.float64) / 255.0  # (n*H*W, C)
        s1 += block.sum(0)
        s2 += (block**2).sum(0)
        count += len(block)
    mean = s1 / count
    std = np.sqrt(np.maximum(s2 / count - mean**2, 0.0))
    return mean.tolist(), np.maximum(std, 1e-3).tolist()


def epoch_indices(
    n: int, epoch: int, seed: int, shuffle: bool, rank: int = 0, world: int = 1
) -> torch.Tensor:
    """This rank's sample order for one epoch, exactly as ``DistributedSampler`` computes it."""
    if shuffle:
        g = torch.Generator()
        g.manual_seed(seed + epoch)
        order = torch.randperm(n, generator=g)
    else:
        order = torch.arange(n)
    if world > 1:
        total = -(-n // world) * world
        if total > n:  # pad by repeating the start, as DistributedSampler does
            order = torch.cat([order, order[: total - n]])
        order = order[rank:total:world]
    return order


class ArrayDataset(Dataset):
    """A map-style Dataset over arrays: item i is (image uint8 (C, H, W), label int64)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        self.images = images
        self.labels = labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        image = torch.from_numpy(np.ascontiguousarray(self.images[i].transpose(2, 0, 1)))  # (C, H, W)
        return image, int(self.labels[i])


def make_loader(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    shuffle: bool,
    seed: int = 0,
    workers: int = 0,
    rank: int = 0,
    world: int = 1,
    pin_memory: bool = False,
    drop_last: bool = False,
) -> DataLoader:
    """A DataLoader with worker prefetch; call ``loader.sampler.set_epoch(epoch)`` before each epoch."""
    dataset = ArrayDataset(images, labels)
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=shuffle, seed=seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=workers,
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
        pin_memory=pin_memory,
        drop_last=drop_last,
    )


class TensorBatches:
    """Batches of a split held on the device as one uint8 tensor (N, C, H, W).

    Parameters
    ----------
    images : ndarray of shape (N, H, W, C), uint8
    labels : ndarray of shape (N,), int64
    batch_size, shuffle, seed, rank, world : as for a DataLoader with a DistributedSampler
    device : where the tensors live
    """

    def __init__(
        self,
        images,
        labels,
        batch_size,
        shuffle,
        seed=0,
        rank=0,
        world=1,
        device="cpu",
        drop_last: bool = False,
        alt_flip: bool = False,
    ):
        self.x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).contiguous().to(device)
        self.y = torch.as_tensor(labels, dtype=torch.int64).to(device)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.rank, self.world, self.drop_last = rank, world, drop_last
        self.epoch = 0
        # alternating flips (airbench): image i is mirrored in the epochs where (phase_i + epoch) is odd, so
        # every image is seen both ways in every two epochs, with a seeded random phase
        self.flip_phase = None
        if alt_flip:
            gen = torch.Generator().manual_seed(seed + 7)
            self.flip_phase = torch.randint(0, 2, (len(self.x),), generator=gen).to(device)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        n = -(-len(self.x) // self.world)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        order = epoch_indices(len(self.x), self.epoch, self.seed, self.shuffle, self.rank, self.world)
        order = order.to(self.x.device)
        for i in range(len(self)):
            idx = order[i * self.batch_size : (i + 1) * self.batch_size]
            x = self.x[idx]  # (n, C, H, W) uint8
            if self.flip_phase is not None:
                flip = ((self.flip_phase[idx] + self.epoch) % 2).bool()
                x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            yield x, self.y[idx]
