"""What the VAE page does with a trained model: decode codes, walk the latent space, sample.

Every function takes a model with `encode(x) -> (μ, log σ²)` and `decode(z) -> images`
(playground.models.vae.VAE) and returns NumPy arrays, so the page only draws them.
What one training step costs (`step_cost`) is checked against playground.budgets first.
"""

from dataclasses import replace

import numpy as np
import torch
from torch import nn

from playground import budgets, interpolation
from playground.data import ShuffledBatches, Split
from playground.inference import device_of, evaluating
from playground.models.vae import CONV_CHANNELS, VAE, VAEConfig, kl_divergence, reconstruction_loss
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from playground.wording import N_

INTERPOLATIONS = (N_("linear"), N_("spherical"))
TEST_IMAGES = 500  # test images scored at each evaluation: enough for a smooth curve, cheap while playing
LOWER = N_("the batch size (the convolutional VAE costs most), or the latent size")


def forward_cost(config: VAEConfig) -> budgets.Cost:
    """One image through encoder, μ and log σ², the decoder and the per-pixel loss (playground.budgets' layers)."""
    pixels, hidden, latent = config.image_size**2, config.hidden, config.latent_dim
    heads = budgets.dense([hidden, 2 * latent]) + budgets.Cost(activations=2 * pixels)  # μ, log σ²; the loss
    if config.architecture == "dense":
        return budgets.dense([pixels, hidden]) + heads + budgets.dense([latent, hidden, pixels])
    (c1, c2), side = CONV_CHANNELS, config.image_size
    half, quarter = (side // 2) ** 2, (side // 4) ** 2
    down = budgets.convolution(1, c1, 4, half, c1 * half) + budgets.convolution(c1, c2, 4, quarter, c2 * quarter)
    up = budgets.convolution(c2, c1, 4, quarter, c1 * half) + budgets.convolution(c1, 1, 4, half, pixels)
    middle = budgets.dense([c2 * quarter, hidden]) + budgets.dense([latent, hidden, c2 * quarter])
    return down + middle + heads + up


def step_cost(config: VAEConfig, batch_size: int) -> budgets.Cost:
    """One training step on `batch_size` images, then the evaluation of TEST_IMAGES that may follow it."""
    return budgets.training_step(forward_cost(config), batch_size, TEST_IMAGES)


def make_trainer(config: VAEConfig, data: Split, train: TrainConfig, seed: int, device: torch.device | str) -> Trainer:
    """A trainer over data.x_train that scores the test images through their mean code μ.

    The test scores use z = μ (no sampling), so the curves do not jitter with ε.
    OverBudget, before anything is allocated, when a step would cost too much (now or after a change).
    """

    def budget(train: TrainConfig, live_settings: dict) -> None:
        budgets.check(step_cost(replace(config, **live_settings), train.batch_size), LOWER)

    budget(train, {})
    test = torch.from_numpy(data.x_test[:TEST_IMAGES]).to(device)

    def evaluate(model: VAE) -> dict[str, float]:
        mu, logvar = model.encode(test)
        reconstruction = reconstruction_loss(model.decoder(mu), test, model.config.reconstruction)  # (B,)
        scores = {N_("test reconstruction"): reconstruction.mean().item()}
        if model.config.variational:
            scores[N_("test kl")] = kl_divergence(mu, logvar).mean().item()
        return scores

    batches = ShuffledBatches(torch.from_numpy(data.x_train), device=device)
    return Trainer(seeded(VAE, config), batches, train, evaluate=evaluate, seed=seed, device=device, budget=budget)


def decode(model: nn.Module, z: np.ndarray) -> np.ndarray:
    """Codes (N, D) or one code (D,) -> images (N, H, W) in [0, 1]. Deterministic: no sampling."""
    codes = torch.as_tensor(np.atleast_2d(z), dtype=torch.float32, device=device_of(model))
    with evaluating(model):
        return model.decode(codes)[:, 0].cpu().numpy()  # (N, H, W)


@torch.no_grad()
def encode(model: nn.Module, images: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 1, H, W) -> μ (N, D) and σ (N, D); σ is 0 for a plain autoencoder."""
    mus, sigmas = [], []
    for start in range(0, len(images), batch_size):
        x = torch.as_tensor(images[start : start + batch_size], device=device_of(model))
        mu, logvar = model.encode(x)
        mus.append(mu.cpu().numpy())
        sigmas.append((0.5 * logvar).exp().cpu().numpy())
    return np.concatenate(mus), np.concatenate(sigmas)


def grid_codes(
    n: int, extent: float, latent_dim: int, dims: tuple[int, int] = (0, 1), base: np.ndarray | None = None
) -> np.ndarray:
    """n×n codes on a square [−extent, extent]² over two latent dims, the rest fixed at `base` (or 0).

    Rows go from the top (largest second coordinate) down, columns left to right,
    so the decoded grid reads like the latent map it is drawn from. Shape (n*n, D).
    """
    if n < 1 or not extent > 0:
        raise ValueError("the grid needs n ≥ 1 and a positive extent")
    ticks = np.linspace(-extent, extent, n, dtype=np.float32)
    codes = np.tile(np.zeros(latent_dim, np.float32) if base is None else base.astype(np.float32), (n * n, 1))
    codes[:, dims[0]] = np.tile(ticks, n)
    codes[:, dims[1]] = np.repeat(ticks[::-1], n)
    return codes


def latent_grid(model: nn.Module, n: int, extent: float, **grid_options) -> np.ndarray:
    """The decoded manifold: images (n*n, H, W) of `grid_codes(n, extent, ...)`."""
    return decode(model, grid_codes(n, extent, model.config.latent_dim, **grid_options))


def lerp(a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    """`steps` codes on the straight line from a to b (both included): (steps, D)."""
    return interpolation.lerp(a, b, np.linspace(0, 1, steps))


def slerp(a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    """`steps` codes along the great arc from a to b (both included): (steps, D)."""
    return interpolation.slerp(a, b, np.linspace(0, 1, steps))


def interpolate(model: nn.Module, a: np.ndarray, b: np.ndarray, steps: int, method: str = "linear") -> np.ndarray:
    """Decoded images (steps, H, W) along the path between codes a and b."""
    if method not in INTERPOLATIONS:
        raise ValueError(f"method must be one of {INTERPOLATIONS}, not {method!r}")
    if steps < 2:
        raise ValueError("an interpolation needs at least 2 steps")
    return decode(model, (lerp if method == "linear" else slerp)(a, b, steps))


def prior_samples(model: nn.Module, n: int, seed: int) -> np.ndarray:
    """n images decoded from z ~ N(0, I), the VAE's generative story: (n, H, W)."""
    z = np.random.default_rng(seed).standard_normal((n, model.config.latent_dim)).astype(np.float32)
    return decode(model, z)
