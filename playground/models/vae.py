"""Variational autoencoder (Kingma & Welling 2014, "Auto-Encoding Variational Bayes").

A plain autoencoder maps each image to one point; nothing asks the points between
training codes to mean anything, so its latent space has gaps. A VAE's encoder gives
each image a Gaussian q(z|x) = N(μ, diag σ²) instead, samples z = μ + σ·ε
(the reparameterisation trick keeps the sample differentiable), and pays the KL
divergence from the prior N(0, I). The loss is the negative evidence lower bound:

    −ELBO = E_q[−log p(x|z)] + KL(q(z|x) ‖ N(0, I))

and β-VAE (Higgins et al. 2017) weighs the KL term by β. The pressure towards the
prior packs codes together and fills the gaps, so every z decodes to a plausible
image: we can interpolate and generate. With `variational=False` the same network is
the plain autoencoder (z = μ, σ = 0, no KL): the comparison that shows why.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from playground.wording import N_

ARCHITECTURES = (N_("dense"), N_("conv"))
RECONSTRUCTIONS = ("bce", "mse")
CONV_CHANNELS = (32, 64)  # channels after the first and second stride-2 convolution


@dataclass(frozen=True)
class VAEConfig:
    image_size: int = 28  # images are (1, image_size, image_size) in [0, 1]
    latent_dim: int = 2  # 2..16; with 2 the whole latent space fits on one map
    architecture: str = "dense"  # one of ARCHITECTURES
    hidden: int = 256  # width of the dense layer on each side of the code
    kl_weight: float = 1.0  # β: 1 is the true ELBO, > 1 a β-VAE, 0 an autoencoder with noise
    reconstruction: str = "bce"  # one of RECONSTRUCTIONS: Bernoulli or Gaussian decoder
    variational: bool = True  # False: a plain autoencoder (z = μ, no KL), for the comparison

    def __post_init__(self):
        if not 2 <= self.latent_dim <= 16:
            raise ValueError(f"latent_dim must be between 2 and 16, not {self.latent_dim}")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, not {self.architecture!r}")
        if self.reconstruction not in RECONSTRUCTIONS:
            raise ValueError(f"reconstruction must be one of {RECONSTRUCTIONS}, not {self.reconstruction!r}")
        if self.image_size < 4 or (self.architecture == "conv" and self.image_size % 4):
            raise ValueError("image_size must be at least 4, and a multiple of 4 for the conv architecture")
        if self.hidden < 1 or not self.kl_weight >= 0:
            raise ValueError("hidden must be positive and kl_weight (β) non-negative")


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) in closed form, one value per sample: (B, D) -> (B,).

        KL = ½ Σ_j (σ_j² + μ_j² − 1 − log σ_j²)

    Zero only when μ = 0 and σ = 1: the price a code pays for leaving the prior.
    """
    return 0.5 * (logvar.exp() + mu.pow(2) - 1 - logvar).sum(dim=1)


def reparameterise(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """z = μ + σ·ε with ε ~ N(0, I): the randomness sits in ε, so gradients reach μ and σ."""
    epsilon = torch.randn(mu.shape, generator=generator, device=generator.device).to(mu)  # (B, D)
    return mu + (0.5 * logvar).exp() * epsilon


def reconstruction_loss(logits: torch.Tensor, x: torch.Tensor, kind: str) -> torch.Tensor:
    """−log p(x|z) per sample, summed over pixels: (B, 1, H, W) -> (B,).

    'bce' is exact for a Bernoulli decoder; 'mse' is a Gaussian decoder's up to a
    constant and a scale, so with it the KL weight is relative to that scale.
    """
    if kind == "bce":
        per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    else:
        per_pixel = F.mse_loss(torch.sigmoid(logits), x, reduction="none")
    return per_pixel.flatten(1).sum(dim=1)


def _encoder_body(config: VAEConfig) -> nn.Sequential:
    """(B, 1, S, S) -> (B, hidden)."""
    if config.architecture == "dense":
        return nn.Sequential(nn.Flatten(), nn.Linear(config.image_size**2, config.hidden), nn.ReLU())
    c1, c2, side = *CONV_CHANNELS, config.image_size // 4
    return nn.Sequential(
        nn.Conv2d(1, c1, 4, stride=2, padding=1), nn.ReLU(),  # (B, c1, S/2, S/2)
        nn.Conv2d(c1, c2, 4, stride=2, padding=1), nn.ReLU(),  # (B, c2, S/4, S/4)
        nn.Flatten(), nn.Linear(c2 * side * side, config.hidden), nn.ReLU(),
    )  # fmt: skip


def _decoder(config: VAEConfig) -> nn.Sequential:
    """(B, latent_dim) -> logits (B, 1, S, S)."""
    size, hidden = config.image_size, config.hidden
    if config.architecture == "dense":
        return nn.Sequential(
            nn.Linear(config.latent_dim, hidden), nn.ReLU(),
            nn.Linear(hidden, size * size), nn.Unflatten(1, (1, size, size)),
        )  # fmt: skip
    c1, c2, side = *CONV_CHANNELS, size // 4
    return nn.Sequential(
        nn.Linear(config.latent_dim, hidden), nn.ReLU(),
        nn.Linear(hidden, c2 * side * side), nn.ReLU(), nn.Unflatten(1, (c2, side, side)),
        nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.ReLU(),  # (B, c1, S/2, S/2)
        nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),  # (B, 1, S, S)
    )  # fmt: skip


class VAE(nn.Module):
    """Encoder → (μ, log σ²) → z → decoder, trained on the (β-weighted) negative ELBO."""

    live_settings = ("kl_weight",)  # β may change while training runs (Trainer.configure)

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        self.encoder = _encoder_body(config)
        self.to_mu = nn.Linear(config.hidden, config.latent_dim)
        self.to_logvar = nn.Linear(config.hidden, config.latent_dim) if config.variational else None
        self.decoder = _decoder(config)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 1, S, S) -> μ, log σ² each (B, D). A plain autoencoder's σ is 0 (log σ² = −∞)."""
        h = self.encoder(x)  # (B, hidden)
        mu = self.to_mu(h)
        if self.to_logvar is None:
            return mu, torch.full_like(mu, -torch.inf)
        return mu, self.to_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, D) -> images (B, 1, S, S) in [0, 1]: the decoder's mean for each code."""
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Deterministic reconstruction through the mean code μ: (B, 1, S, S) -> same."""
        return self.decode(self.encode(x)[0])

    def loss(
        self, batch: tuple[torch.Tensor, ...], generator: torch.Generator
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Batch mean of reconstruction + β·KL; both parts reported separately."""
        x = batch[0]  # (B, 1, S, S)
        mu, logvar = self.encode(x)
        if self.config.variational:
            z, kl = reparameterise(mu, logvar, generator), kl_divergence(mu, logvar).mean()
        else:
            z, kl = mu, torch.zeros((), device=x.device)
        reconstruction = reconstruction_loss(self.decoder(z), x, self.config.reconstruction).mean()
        total = reconstruction + self.config.kl_weight * kl
        return total, {N_("reconstruction"): reconstruction, N_("kl"): kl, N_("total"): total}
