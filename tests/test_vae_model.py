"""The VAE (playground/models/vae.py), its lessons (playground/vae_lessons.py) and its pretrained files."""

import numpy as np
import pytest
import torch
from torch.distributions import Normal

from playground.checkpoints import from_bytes, to_bytes
from playground.data import split
from playground.models.vae import VAE, VAEConfig, kl_divergence, reconstruction_loss, reparameterise
from playground.pretrain import load_pretrained
from playground.trainer import TrainConfig
from playground.vae_lessons import (
    decode,
    encode,
    grid_codes,
    interpolate,
    latent_grid,
    lerp,
    make_trainer,
    prior_samples,
    slerp,
)

DIGITS = VAEConfig(image_size=8, latent_dim=2, hidden=64)


def test_kl_closed_form_agrees_with_a_monte_carlo_estimate():
    generator = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(3, 4, generator=generator), torch.randn(3, 4, generator=generator)
    posterior, prior = Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)
    torch.manual_seed(0)
    z = posterior.sample((200_000,))  # (S, 3, 4)
    monte_carlo = (posterior.log_prob(z) - prior.log_prob(z)).sum(-1).mean(0)  # E_q[log q − log p], (3,)
    torch.testing.assert_close(kl_divergence(mu, logvar), monte_carlo, rtol=0.02, atol=0.02)
    assert kl_divergence(torch.zeros(1, 4), torch.zeros(1, 4)).item() == 0.0


def test_reparameterised_samples_have_mean_mu_and_std_sigma_and_carry_gradients():
    mu = torch.tensor([[1.0, -2.0]]).repeat(50_000, 1).requires_grad_()
    logvar = torch.log(torch.tensor([[0.25, 4.0]])).repeat(50_000, 1).requires_grad_()
    torch.manual_seed(0)
    z = reparameterise(mu, logvar, torch.Generator().manual_seed(0))
    torch.testing.assert_close(z.mean(0), torch.tensor([1.0, -2.0]), atol=0.03, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([0.5, 2.0]), atol=0.03, rtol=0)
    z.sum().backward()
    assert mu.grad.abs().sum() > 0 and logvar.grad.abs().sum() > 0


def elbo(model: VAE, images: np.ndarray) -> float:
    """The test-set ELBO, −(reconstruction + KL), with one fixed sample of ε."""
    torch.manual_seed(123)
    with torch.no_grad():
        _, metrics = model.eval().loss((torch.from_numpy(images),), torch.Generator().manual_seed(0))
    return -(metrics["reconstruction"] + metrics["kl"]).item()


@pytest.mark.parametrize("architecture", ["dense", "conv"])
def test_the_elbo_improves_on_a_fixed_seed(architecture):
    data = split("Digits 8×8", 0)
    config = VAEConfig(image_size=8, architecture=architecture, hidden=64)
    train = TrainConfig(learning_rate=3e-3, batch_size=64, eval_every=100)
    trainer = make_trainer(config, data, train, seed=0, device="cpu")
    before = elbo(trainer.model, data.x_test)
    trainer.step(200)
    assert elbo(trainer.model, data.x_test) > before + 5  # nats per image
    steps, kls = trainer.history.series("kl")
    assert len(steps) == 200 and trainer.history.series("reconstruction")[0] == steps and min(kls) >= 0
    assert trainer.history.last("test reconstruction") < trainer.history.series("test reconstruction")[1][0]


def test_total_is_reconstruction_plus_beta_times_kl_and_beta_changes_mid_run():
    trainer = make_trainer(DIGITS, split("Digits 8×8", 0), TrainConfig(batch_size=16), seed=0, device="cpu")
    x = torch.rand(16, 1, 8, 8)
    for beta in (1.0, 4.0):
        trainer.configure(kl_weight=beta)
        total, metrics = trainer.model.loss((x,), torch.Generator().manual_seed(0))
        torch.testing.assert_close(total, metrics["reconstruction"] + beta * metrics["kl"])
    assert trainer.model.config.kl_weight == 4.0 and trainer.step_count == 0


def test_decoding_is_deterministic_for_a_given_z():
    model = VAE(DIGITS).train()  # even in training mode: decoding never samples
    z = np.array([[0.3, -1.2], [2.0, 0.5]], np.float32)
    first, second = decode(model, z), decode(model, z)
    assert first.shape == (2, 8, 8) and np.array_equal(first, second)
    assert not np.array_equal(first[0], first[1]) and model.training


def test_the_plain_autoencoder_has_no_kl_and_zero_sigma():
    model = VAE(VAEConfig(image_size=8, variational=False))
    _, metrics = model.loss((torch.rand(4, 1, 8, 8),), torch.Generator().manual_seed(0))
    assert metrics["kl"].item() == 0.0
    mu, sigma = encode(model, np.random.default_rng(0).random((5, 1, 8, 8), dtype=np.float32))
    assert mu.shape == (5, 2) and np.all(sigma == 0)


def test_mse_reconstruction_is_the_summed_squared_error_of_the_probabilities():
    logits, x = torch.randn(3, 1, 8, 8), torch.rand(3, 1, 8, 8)
    expected = (torch.sigmoid(logits) - x).pow(2).flatten(1).sum(1)
    torch.testing.assert_close(reconstruction_loss(logits, x, "mse"), expected)


@pytest.mark.parametrize("size", [8, 28])
def test_conv_vae_keeps_the_image_shape(size):
    model = VAE(VAEConfig(image_size=size, architecture="conv", latent_dim=16, hidden=32))
    x = torch.rand(2, 1, size, size)
    assert model(x).shape == x.shape and model.encode(x)[0].shape == (2, 16)


@pytest.mark.parametrize("changes, message", [
    (dict(latent_dim=1), "latent_dim must be between 2 and 16"), (dict(latent_dim=17), "not 17"),
    (dict(architecture="rnn"), "architecture must be one of"), (dict(reconstruction="l1"), "reconstruction must be"),
    (dict(architecture="conv", image_size=10), "multiple of 4"), (dict(kl_weight=-1.0), "non-negative")])
def test_config_rejects_what_is_not_allowed(changes, message):
    with pytest.raises(ValueError, match=message):
        VAEConfig(**changes)


def test_grid_codes_read_like_the_map_top_left_to_bottom_right():
    codes = grid_codes(3, 2.0, latent_dim=4, dims=(0, 2), base=np.ones(4, np.float32))
    assert codes.shape == (9, 4)
    np.testing.assert_array_equal(codes[0], [-2, 1, 2, 1])  # top left: smallest x, largest y
    np.testing.assert_array_equal(codes[-1], [2, 1, -2, 1])
    assert latent_grid(VAE(DIGITS), 4, 3.0).shape == (16, 8, 8)


def test_lerp_and_slerp_start_and_end_at_the_codes_and_slerp_keeps_the_norm():
    a, b = np.array([3.0, 0.0], np.float32), np.array([0.0, 3.0], np.float32)
    for path in (lerp(a, b, 7), slerp(a, b, 7)):
        assert path.shape == (7, 2)
        np.testing.assert_allclose(path[[0, -1]], [a, b], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(slerp(a, b, 7), axis=1), 3.0, rtol=1e-5)
    assert np.linalg.norm(lerp(a, b, 3)[1]) < 3.0  # the straight line cuts inside the shell
    np.testing.assert_allclose(slerp(a, 2 * a, 3), lerp(a, 2 * a, 3))  # parallel: no arc, the line


def test_interpolation_and_prior_samples_have_the_requested_counts():
    model = VAE(DIGITS)
    a, b = np.zeros(2, np.float32), np.ones(2, np.float32)
    assert interpolate(model, a, b, 9, "spherical").shape == (9, 8, 8)
    assert prior_samples(model, 12, seed=3).shape == (12, 8, 8)
    np.testing.assert_array_equal(prior_samples(model, 4, seed=3), prior_samples(model, 4, seed=3))
    with pytest.raises(ValueError, match="method must be one of"):
        interpolate(model, a, b, 9, "cubic")


def test_checkpoint_round_trip_keeps_the_decoder_and_the_variational_flag():
    for variational in (True, False):
        model = VAE(VAEConfig(image_size=8, variational=variational))
        copy = from_bytes(to_bytes(model), VAE, VAEConfig)
        z = np.ones((1, 2), np.float32)
        assert copy.config == model.config and np.array_equal(decode(copy, z), decode(model, z))


@pytest.mark.parametrize("name, dataset", [("vae_mnist_2d", "MNIST 28×28"), ("vae_digits_2d", "Digits 8×8"),
                                           ("vae_compare_ae_mnist_2d", "MNIST 28×28")])
def test_pretrained_models_reconstruct_better_than_the_mean_image(name, dataset):
    model, data = load_pretrained(name), split(dataset, 0)
    x = torch.from_numpy(data.x_test[:200])
    with torch.no_grad():
        error = (model(x) - x).pow(2).mean().item()
    baseline = (x - torch.from_numpy(data.x_train).mean(0)).pow(2).mean().item()
    assert error < 0.75 * baseline


def test_opposite_codes_have_no_unique_arc_and_follow_the_line():
    a = np.array([1.0, 2.0], np.float32)
    np.testing.assert_allclose(slerp(a, -a, 5), lerp(a, -a, 5))
    assert np.isfinite(slerp(a, -a, 5)).all()
