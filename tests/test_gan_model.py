"""The GAN models and lessons: the game's fixed point, D* against a trained D, modes, images."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal, norm

from playground.data import MODE_STD, Distribution2DBatches, digits8, mode_centres, sample_2d
from playground.gan_lessons import (
    PRESETS,
    GANSettings,
    equilibrium_lines,
    generator_gradients,
    generator_mapping,
    make_trainer,
    mode_quality,
    optimal_discriminator,
)
from playground.models.dcgan import DCGAN, DCGANConfig
from playground.models.gan import GAN, LOSSES, GANConfig, discriminator_loss, generator_loss
from playground.pretrain import load_pretrained
from playground.recipes.gan import recipe_name
from playground.trainer import Trainer


def test_default_preset_covers_the_ring_within_its_budget():
    settings = PRESETS["it works"]
    trainer = make_trainer(settings.model, settings.train_config(), "ring of 8", seed=0)
    trainer.step(settings.steps)
    assert trainer.diverged is None
    assert trainer.history.last("modes covered") == 8
    assert trainer.history.last("high-quality fraction") > 0.7
    assert abs(trainer.history.last("D(x)") - 0.5) < 0.15  # D can no longer tell: D(x) ≈ ½


def test_mode_collapse_preset_collapses():
    trainer = make_trainer(PRESETS["mode collapse"].model, PRESETS["mode collapse"].train_config(), "ring of 8", seed=0)
    trainer.step(300)
    assert trainer.history.last("modes covered") <= 2


@pytest.mark.parametrize("loss", LOSSES)
def test_losses_at_the_equilibrium_match_the_drawn_lines(loss):
    undecided = torch.zeros(1000)  # logit 0: D = ½ on real and fake alike
    lines = equilibrium_lines(loss)["losses"]
    if loss == "hinge":
        assert lines == {} and discriminator_loss(loss, undecided, undecided).item() == pytest.approx(2.0)
        return
    d_line, g_line = lines.values()
    assert discriminator_loss(loss, undecided, undecided).item() == pytest.approx(d_line)
    assert d_line == pytest.approx(2 * math.log(2))
    assert generator_loss(loss, undecided).item() == pytest.approx(g_line)


def test_optimal_discriminator_for_two_gaussians_is_a_logistic():
    x = np.linspace(-4, 4, 81)
    d_star = optimal_discriminator(norm.pdf(x, 0, 1), norm.pdf(x, 1, 1))
    # log p_r − log p_g = ½ − x for N(0, 1) against N(1, 1)
    np.testing.assert_allclose(d_star, 1 / (1 + np.exp(x - 0.5)), rtol=1e-10)
    np.testing.assert_allclose(optimal_discriminator(norm.pdf(x), norm.pdf(x)), 0.5)
    assert optimal_discriminator(np.zeros(3), np.zeros(3)).tolist() == [0.5] * 3


def test_trained_discriminator_approaches_d_star_against_a_fixed_generator():
    """Train D only against G(z) = z ~ N(0, I); D(x) must approach p_ring / (p_ring + p_N(0, I))."""
    model = GAN(GANConfig(noise_dim=2))
    identity = torch.nn.Sequential(torch.nn.Linear(2, 2))
    with torch.no_grad():
        identity[0].weight.copy_(torch.eye(2)), identity[0].bias.zero_()
    model.generator = identity
    trainer = Trainer(lambda _: model, Distribution2DBatches("ring of 8"), GANSettings().train_config(), seed=0)
    trainer.step(1000, only="discriminator")
    points, _ = sample_2d("ring of 8", 500, np.random.default_rng(1))
    points = np.concatenate([points, np.random.default_rng(2).standard_normal((500, 2)).astype(np.float32)])
    variance = MODE_STD["ring of 8"] ** 2
    p_ring = np.mean([multivariate_normal.pdf(points, c, variance) for c in mode_centres("ring of 8")], 0)
    d_star = optimal_discriminator(p_ring, multivariate_normal.pdf(points, np.zeros(2), np.eye(2)))
    with torch.no_grad():
        d_trained = model.discriminate(torch.from_numpy(points)).numpy()
    assert np.abs(d_trained - d_star).mean() < 0.08


def test_train_d_only_leaves_g_alone_and_vice_versa():
    trainer = make_trainer(GANConfig(), GANSettings().train_config(), "two moons", seed=0)
    g_before = [p.clone() for p in trainer.model.generator.parameters()]
    d_before = [p.clone() for p in trainer.model.discriminator.parameters()]
    trainer.step(1, only="discriminator")
    assert all(torch.equal(a, b) for a, b in zip(g_before, trainer.model.generator.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(d_before, trainer.model.discriminator.parameters()))
    d_after = [p.clone() for p in trainer.model.discriminator.parameters()]
    trainer.step(1, only="generator")
    assert all(torch.equal(a, b) for a, b in zip(d_after, trainer.model.discriminator.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(g_before, trainer.model.generator.parameters()))


def test_mode_quality_counts_modes_and_quality():
    real, _ = sample_2d("grid 5×5", 2000, np.random.default_rng(0))
    assert mode_quality(real, "grid 5×5")["modes covered"] == 25
    assert mode_quality(real, "grid 5×5")["high-quality fraction"] > 0.98
    collapsed = np.tile(mode_centres("ring of 8")[:1], (100, 1)) + np.array([[0.0, 1.0]] * 50 + [[0.0, 0.0]] * 50)
    assert mode_quality(collapsed, "ring of 8") == {"modes covered": 1.0, "mode coverage": 0.125,
                                                    "high-quality fraction": 0.5}


def test_generator_gradients_point_uphill_on_d_and_mapping_has_lines():
    torch.manual_seed(0)
    model = GAN(GANConfig())
    z = model.noise(64, torch.Generator().manual_seed(0))
    fakes, push = generator_gradients(model, z)
    assert fakes.shape == push.shape == (64, 2)
    with torch.no_grad():
        before = model.score(torch.from_numpy(fakes))
        after = model.score(torch.from_numpy(fakes + 1e-3 * push / np.linalg.norm(push, axis=1, keepdims=True)))
    assert (after > before).float().mean() > 0.95
    assert generator_mapping(model, lines=5, points=20).shape == (10, 20, 2)
    assert generator_mapping(GAN(GANConfig(noise_dim=1)), lines=5, points=20).shape == (1, 20, 2)


@pytest.mark.parametrize("size", [8, 28])
@pytest.mark.parametrize("classes", [0, 10])
def test_image_model_shapes(size, classes):
    model = DCGAN(DCGANConfig(image_size=size, num_classes=classes))
    labels = torch.arange(6) % 10 if classes else None
    images = model.generate(model.noise(6, torch.Generator().manual_seed(0)), labels)
    assert images.shape == (6, 1, size, size) and 0 <= images.min() and images.max() <= 1
    assert model.score(images, labels).shape == (6,)
    loss, metrics = model.players()[0].loss((torch.rand(6, 1, size, size), torch.arange(6)), torch.Generator().manual_seed(0))
    assert loss.shape == () and set(metrics) == {"D loss", "D(x)", "D(G(z))"}


def test_configs_reject_bad_values():
    with pytest.raises(ValueError, match="image_size"):
        DCGANConfig(image_size=16)
    with pytest.raises(ValueError, match="loss"):
        GANConfig(loss="wasserstein")
    with pytest.raises(ValueError, match="batch_size"):
        GANSettings(batch_size=0)
    with pytest.raises(ValueError, match="labels"):
        DCGAN(DCGANConfig(num_classes=10)).generate(torch.zeros(2, 32))


def test_conditional_generator_draws_the_digit_it_is_asked_for():
    """Same noise, other label: another image; the pretrained cGAN's digits sit nearest their class's mean."""
    model = DCGAN(DCGANConfig(image_size=8, num_classes=10)).eval()
    z = model.noise(4, torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert not torch.allclose(model.generate(z, torch.zeros(4, dtype=torch.long)),
                                  model.generate(z, torch.ones(4, dtype=torch.long)))
    images, digits = digits8()
    class_means = np.stack([images[digits == k].mean(0).ravel() for k in range(10)])  # (10, 64)
    trained = load_pretrained(recipe_name("Digits 8×8", conditional=True))
    labels = torch.arange(10).repeat(20)
    with torch.no_grad():
        drawn = trained.generate(trained.noise(200, torch.Generator().manual_seed(0)), labels).reshape(200, -1)
    nearest = ((drawn.numpy()[:, None] - class_means[None]) ** 2).sum(-1).argmin(1)
    assert (nearest == labels.numpy()).mean() > 0.8  # chance is 0.1


@pytest.mark.parametrize("dataset", ["Digits 8×8", "MNIST 28×28"])
def test_pretrained_image_gans_load_and_draw(dataset):
    model = load_pretrained(recipe_name(dataset, conditional=False))
    with torch.no_grad():
        images = model.generate(model.noise(16, torch.Generator().manual_seed(0)))
    side = model.config.image_size
    assert images.shape == (16, 1, side, side)
    assert images.std(0).mean() > 0.05  # different noise, different digits: not one collapsed image
