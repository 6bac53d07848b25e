"""The autoencoder family and its lessons: shapes, regularisers, the PCA equivalence, probes, pre-training."""

import numpy as np
import pytest
import torch

from playground import autoencoder_lessons as lessons
from playground.checkpoints import from_bytes, to_bytes
from playground.data import cloud_3d, split
from playground.models.autoencoder import Autoencoder, AutoencoderConfig, contractive_penalty
from playground.pretrain import load_pretrained
from playground.trainer import TrainConfig

CPU = torch.device("cpu")
POINTS = dict(input_shape=(3,), output="identity")


@pytest.fixture(scope="module")
def digits():
    return split("Digits 8×8", 0)


def trained(config: AutoencoderConfig, digits, steps: int, seed: int = 0):
    trainer = lessons.make_trainer(config, digits.x_train, digits.x_test,
                                   TrainConfig(learning_rate=3e-3, batch_size=64, eval_every=steps), seed, CPU)
    trainer.step(steps)
    return trainer


@pytest.mark.parametrize("latent_dim", [1, 2, 64])
@pytest.mark.parametrize("architecture, input_shape, output", [
    ("dense", (1, 28, 28), "sigmoid"), ("conv", (1, 28, 28), "sigmoid"), ("conv", (1, 8, 8), "sigmoid"),
    ("linear", (1, 8, 8), "identity"), ("dense", (3,), "identity"), ("linear", (3,), "identity"),
])
def test_every_variant_maps_to_k_numbers_and_back_to_its_shape(architecture, input_shape, output, latent_dim):
    config = AutoencoderConfig(input_shape=input_shape, architecture=architecture, latent_dim=latent_dim, output=output,
                               noise="gaussian", sparsity_weight=1e-3, contractive_weight=1e-3)
    model = Autoencoder(config)
    x = torch.rand(4, *input_shape)
    assert model.encode(x).shape == (4, latent_dim)
    assert model(x).shape == x.shape
    loss, metrics = model.loss((x,), torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss) and {"train loss", "sparsity penalty", "contractive penalty"} <= set(metrics)


@pytest.mark.parametrize("changes, message", [
    (dict(latent_dim=0), "latent_dim"), (dict(latent_dim=65), "latent_dim"), (dict(architecture="rbm"), "architecture"),
    (dict(architecture="linear"), "output='identity'"), (dict(architecture="conv", input_shape=(3,)), "divisible"),
    (dict(architecture="conv", input_shape=(1, 10, 10)), "divisible"), (dict(noise="salt"), "noise"),
    (dict(noise_level=1.5), "noise"), (dict(sparsity_weight=-1.0), "≥ 0"), (dict(activation="gelu"), "activation"),
])
def test_config_says_what_is_allowed(changes, message):
    with pytest.raises(ValueError, match=message):
        AutoencoderConfig(**changes)


def test_corruptions_add_noise_of_the_chosen_level_or_mask_that_fraction():
    x = torch.full((200, 1, 8, 8), 0.5)
    generator = torch.Generator().manual_seed(0)
    def corrupted(**noise):
        return Autoencoder(AutoencoderConfig(input_shape=(1, 8, 8), **noise)).corrupt(x, generator)

    gaussian, masked = corrupted(noise="gaussian", noise_level=0.2), corrupted(noise="masking", noise_level=0.3)
    assert (gaussian - x).std().item() == pytest.approx(0.2, rel=0.05)
    assert (masked == 0).float().mean().item() == pytest.approx(0.3, abs=0.02)
    assert torch.equal(Autoencoder(AutoencoderConfig(input_shape=(1, 8, 8))).corrupt(x, torch.Generator().manual_seed(0)), x)


def test_contractive_estimate_matches_the_exact_jacobian_norm():
    model = Autoencoder(AutoencoderConfig(**POINTS, hidden_sizes=(16,), latent_dim=2, activation="tanh"))
    x = torch.randn(1, 3)
    exact = torch.autograd.functional.jacobian(lambda v: model.encode(v), x).pow(2).sum()
    many = x.repeat(20000, 1).requires_grad_(True)  # one probe per copy: the mean over 20,000 probes
    torch.manual_seed(0)
    assert contractive_penalty(model.encode(many), many, torch.Generator().manual_seed(0)).item() == pytest.approx(exact.item(), rel=0.05)


def test_loss_falls_on_a_fixed_seed(digits):
    trainer = trained(AutoencoderConfig(input_shape=(1, 8, 8), hidden_sizes=(32,), latent_dim=8), digits, 200)
    _, test_losses = trainer.history.series("test loss")
    assert test_losses[-1] < 0.6 * test_losses[0]
    assert trainer.history.last("train loss") < trainer.history.values["train loss"][0]


def test_sparse_and_contractive_penalties_are_positive_and_shrink_what_they_penalise(digits):
    base = dict(input_shape=(1, 8, 8), hidden_sizes=(32,), latent_dim=8)
    plain = trained(AutoencoderConfig(**base), digits, 150).model
    sparse = trained(AutoencoderConfig(**base, sparsity_weight=0.05), digits, 150)
    contractive = trained(AutoencoderConfig(**base, contractive_weight=0.5), digits, 150)
    assert sparse.history.last("sparsity penalty") > 0 and contractive.history.last("contractive penalty") > 0
    x = torch.from_numpy(digits.x_test[:64])
    assert not torch.allclose(plain.encode(x), sparse.model.encode(x), atol=1e-2)
    assert sparse.model.encode(x).abs().sum(1).mean() < 0.7 * plain.encode(x).abs().sum(1).mean()

    def jacobian_norm(model):
        return torch.autograd.functional.jacobian(lambda v: model.encode(v).sum(0), x[:16]).pow(2).sum() / 16

    assert not torch.allclose(plain.encode(x), contractive.model.encode(x), atol=1e-2)
    assert jacobian_norm(contractive.model) < 0.7 * jacobian_norm(plain)


def test_linear_autoencoder_finds_pcas_plane_on_the_3d_cloud():
    points = cloud_3d(600, seed=0)
    config = AutoencoderConfig(**POINTS, architecture="linear", latent_dim=2)
    train = TrainConfig(learning_rate=1e-2, batch_size=64, eval_every=100)
    trainer = lessons.make_trainer(config, points, cloud_3d(200, seed=1), train, 0, CPU)
    trainer.step(400)
    _, angles = trainer.history.series(lessons.ANGLE)
    assert angles[-1] < 5.0 < angles[0]
    assert angles[-1] == pytest.approx(lessons.principal_angle(trainer.model, lessons.pca_plane(points, 2)[1]))


def test_greedy_pretraining_trains_each_layer_pair_and_helps_the_stack(digits):
    config = AutoencoderConfig(input_shape=(1, 8, 8), hidden_sizes=(32,), latent_dim=8)
    model = Autoencoder(config)
    before = lessons.reconstruction_errors(model, digits.x_test).mean()
    losses = lessons.greedy_pretrain(model, digits.x_train, 150, TrainConfig(learning_rate=3e-3, batch_size=64))
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert lessons.reconstruction_errors(model, digits.x_test).mean() < 0.7 * before
    with pytest.raises(ValueError, match="greedy"):
        Autoencoder(AutoencoderConfig(input_shape=(1, 8, 8), architecture="conv")).layer_pairs()


@pytest.mark.parametrize("latent_dim", [1, 2, 5])
@pytest.mark.parametrize("method", lessons.LATENT_MAP_METHODS)
def test_latent_map_is_two_dimensional_for_any_code_size(latent_dim, method):
    codes = np.random.default_rng(0).standard_normal((60, latent_dim)).astype(np.float32)
    points = lessons.latent_map(codes, method)
    assert points.shape == (60, 2)
    if latent_dim <= 2:
        np.testing.assert_array_equal(points[:, 0], codes[:, 0])


@pytest.mark.parametrize("latent_dim", [1, 2, 5])
def test_the_latent_pad_walks_the_plane_the_pca_map_draws(latent_dim):
    codes = np.random.default_rng(0).standard_normal((60, latent_dim)).astype(np.float32) + 3
    origin, axes = lessons.latent_plane(codes)
    assert origin.shape == (latent_dim,) and axes.shape == (2, latent_dim)
    mapped = lessons.on_plane(codes, origin, axes)
    np.testing.assert_allclose(mapped[:, 0], lessons.latent_map(codes, "PCA")[:, 0], atol=1e-4)  # x: always
    if latent_dim > 1:
        np.testing.assert_allclose(mapped, lessons.latent_map(codes, "PCA"), atol=1e-4)
    pad = np.array([[0.5, -1.0], [2.0, 0.0]])  # points of the pad decode z = origin + x·axes[0] + y·axes[1]
    on_pad = lessons.on_plane(origin + pad @ axes, origin, axes)
    np.testing.assert_allclose(on_pad if latent_dim > 1 else on_pad[:, 0], pad if latent_dim > 1 else pad[:, 0],
                               atol=1e-5)


def test_pretrained_ae_reconstructs_and_its_codes_carry_the_digit():
    model = load_pretrained("ae_mnist")
    mnist = split("MNIST 28×28", 0)
    assert model.config.latent_dim == 2
    errors = lessons.reconstruction_errors(model, mnist.x_test)
    assert errors.mean() < 0.05
    assert errors[lessons.worst_reconstructed(errors, 5)].min() >= np.quantile(errors, 0.99)
    accuracy = lessons.few_label_accuracy(lessons.codes(model, mnist.x_train), lessons.codes(model, mnist.x_test),
                                          mnist, labels=100)
    assert accuracy > 0.25  # from two numbers per image and 100 labels; chance is 0.1


def test_checkpoint_round_trip_keeps_tuples_and_outputs():
    model = Autoencoder(AutoencoderConfig(input_shape=(1, 8, 8), architecture="conv", latent_dim=3))
    copy = from_bytes(to_bytes(model), Autoencoder, AutoencoderConfig)
    assert copy.config == model.config
    x = torch.rand(2, 1, 8, 8)
    torch.testing.assert_close(copy(x), model.eval()(x))
