"""Offline datasets: shapes, ranges, deterministic splits, batch streams."""

import numpy as np
import pytest
import torch

from playground import data


@pytest.mark.parametrize("name, shape, count", [("MNIST 28×28", (1, 28, 28), 5000), ("Digits 8×8", (1, 8, 8), 1797)])
def test_image_datasets_are_unit_range_images_with_digit_labels(name, shape, count):
    images, labels = data.image_dataset(name)
    assert images.shape == (count, *shape) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1 and images.max() > 0.9
    assert set(np.unique(labels)) == set(range(10))


def test_split_is_deterministic_by_seed_and_disjoint():
    first, again, other = data.split("Digits 8×8", 3), data.split("Digits 8×8", 3), data.split("Digits 8×8", 4)
    assert np.array_equal(first.x_test, again.x_test)
    assert not np.array_equal(first.x_test, other.x_test)
    assert len(first.x_train) + len(first.x_test) == 1797 and len(first.x_test) == 359
    rows = {row.tobytes() for row in first.x_train}
    assert sum(row.tobytes() in rows for row in first.x_test) < 5  # only literal duplicate digits may repeat


def test_unknown_dataset_names_what_is_allowed():
    with pytest.raises(ValueError, match="MNIST"):
        data.image_dataset("CIFAR")
    with pytest.raises(ValueError, match="ring of 8"):
        data.sample_2d("triangle", 10, np.random.default_rng(0))


@pytest.mark.parametrize("name", data.DISTRIBUTIONS_2D)
def test_2d_distributions_are_bounded_and_seeded(name):
    points, labels = data.sample_2d(name, 500, np.random.default_rng(0))
    again, _ = data.sample_2d(name, 500, np.random.default_rng(0))
    assert points.shape == (500, 2) and labels.shape == (500,)
    assert np.abs(points).max() < 3 and np.array_equal(points, again)


def test_gaussian_mixture_points_sit_near_their_mode():
    points, labels = data.sample_2d("ring of 8", 1000, np.random.default_rng(0))
    distance = np.linalg.norm(points - data.mode_centres("ring of 8")[labels], axis=1)
    assert np.median(distance) < 3 * data.MODE_STD["ring of 8"]


def test_3d_cloud_is_centred_and_nearly_planar():
    cloud = data.cloud_3d(800, seed=0)
    spreads = np.linalg.svd(cloud, compute_uv=False)
    assert cloud.shape == (800, 3) and np.allclose(cloud.mean(0), 0, atol=1e-5)
    assert spreads[2] < 0.2 * spreads[1]  # the weak direction has 0.15 of the middle one


def test_shuffled_batches_cover_an_epoch_then_reshuffle():
    batches, generator = data.ShuffledBatches(torch.arange(10)), torch.Generator().manual_seed(0)
    seen = torch.cat([batches.sample(5, generator)[0], batches.sample(5, generator)[0]])
    assert sorted(seen.tolist()) == list(range(10)) and batches.epoch == 0
    assert len(batches.sample(4, generator)[0]) == 4 and batches.epoch == 1


def test_shuffled_batches_replay_after_restart_with_a_generator_in_the_same_state():
    batches = data.ShuffledBatches(torch.arange(10))
    first = batches.sample(4, torch.Generator().manual_seed(1))[0]
    batches.sample(4, torch.Generator().manual_seed(9))
    batches.restart()
    assert torch.equal(batches.sample(4, torch.Generator().manual_seed(1))[0], first) and batches.epoch == 0


def test_distribution_batches_are_fresh_every_time():
    batches, generator = data.Distribution2DBatches("two moons"), torch.Generator().manual_seed(0)
    first, second = batches.sample(64, generator)[0], batches.sample(64, generator)[0]
    assert first.shape == (64, 2) and not torch.equal(first, second)
