"""Autoencoders: copy the input through a narrow code, so that the code must find the patterns.

An encoder maps x to a code h = f(x) with fewer numbers than x; a decoder maps it back,
x̂ = g(h); training minimises the reconstruction error ‖x − x̂‖². Three architectures:

- dense, stacked and symmetric (Hinton & Salakhutdinov, 2006): 784 → 128 → 32 → k → 32 → 128 → 784;
- convolutional (Masci et al., 2011): strided convolutions down, transposed convolutions up;
- linear, with no activation anywhere: it spans the same subspace as PCA (Baldi & Hornik, 1989).

Regularisers, which combine freely:

- denoising (Vincent et al., 2008): encode x̃ = x + ε (or x with pixels masked to 0), reconstruct the clean x;
- sparse: add λ‖h‖₁, so that few code units fire for each input;
- contractive (Rifai et al., 2011): add λ‖J_f(x)‖²_F, so that the code barely moves when x moves.
"""

import math
from dataclasses import dataclass
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

from playground.budgets import MAX_HIDDEN_LAYERS
from playground.wording import N_, _

ARCHITECTURES = ("dense", "conv", "linear")
ACTIVATIONS = {"relu": nn.ReLU, "elu": nn.ELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
OUTPUTS = {"sigmoid": nn.Sigmoid, "identity": nn.Identity}
NOISES = (N_("none"), N_("gaussian"), N_("masking"))
MAX_LATENT_DIM = 64


@dataclass(frozen=True)
class AutoencoderConfig:
    input_shape: tuple[int, ...] = (1, 28, 28)  # (C, H, W) for images, (D,) for points
    architecture: str = "dense"  # one of ARCHITECTURES
    latent_dim: int = 2  # k, the width of the bottleneck
    hidden_sizes: tuple[int, ...] = (128, 32)  # dense encoder widths; the decoder mirrors them
    channels: tuple[int, ...] = (16, 32)  # conv encoder channels; each layer halves H and W
    activation: str = "relu"  # one of ACTIVATIONS (the linear AE has none)
    output: str = "sigmoid"  # "sigmoid" for pixels in [0, 1], "identity" for unbounded data
    noise: str = "none"  # denoising corruption, one of NOISES
    noise_level: float = 0.3  # std of the Gaussian noise, or the probability of masking a pixel
    sparsity_weight: float = 0.0  # λ of the L1 penalty on the code
    contractive_weight: float = 0.0  # λ of the squared Frobenius norm of the encoder Jacobian

    def __post_init__(self):
        if self.architecture not in ARCHITECTURES:
            raise ValueError(_("architecture must be one of {choices}, not {architecture}").format(
                choices=ARCHITECTURES, architecture=repr(self.architecture)))
        if not 1 <= self.latent_dim <= MAX_LATENT_DIM:
            raise ValueError(_("latent_dim must be between 1 and {maximum}, not {latent_dim}").format(
                maximum=MAX_LATENT_DIM, latent_dim=self.latent_dim))
        if len(self.input_shape) not in (1, 3) or min(self.input_shape) < 1:
            raise ValueError(_("input_shape must be (C, H, W) or (D,) with positive sizes, not {shape}").format(
                shape=self.input_shape))
        if min(self.hidden_sizes, default=1) < 1 or min(self.channels, default=1) < 1:
            raise ValueError(_("hidden_sizes and channels must be positive"))
        if max(len(self.hidden_sizes), len(self.channels)) > MAX_HIDDEN_LAYERS:
            raise ValueError(_("hidden_sizes and channels may list at most {count} layers").format(
                count=MAX_HIDDEN_LAYERS))
        if self.activation not in ACTIVATIONS or self.output not in OUTPUTS:
            raise ValueError(_("activation must be one of {activations} and output one of {outputs}").format(
                activations=tuple(ACTIVATIONS), outputs=tuple(OUTPUTS)))
        if self.architecture == "linear" and self.output != "identity":
            raise ValueError(_("a linear autoencoder has no activation anywhere: set output='identity'"))
        if self.architecture == "conv":
            scale = 2 ** len(self.channels)
            if len(self.input_shape) != 3 or not self.channels or any(s % scale for s in self.input_shape[1:]):
                message = _("the conv autoencoder needs (C, H, W) images with H and W divisible by {scale}")
                raise ValueError(message.format(scale=scale))
        if self.noise not in NOISES or not 0 <= self.noise_level <= 1:
            raise ValueError(_("noise must be one of {noises} with noise_level in [0, 1]").format(noises=NOISES))
        if self.sparsity_weight < 0 or self.contractive_weight < 0:
            raise ValueError(_("sparsity_weight and contractive_weight must be ≥ 0"))


def block(layer: nn.Module, activation: type[nn.Module]) -> nn.Sequential:
    return nn.Sequential(layer, activation())


def dense_halves(config: AutoencoderConfig) -> tuple[nn.Sequential, nn.Sequential]:
    """Encoder D → hidden… → k and its mirror k → …hidden → D; the linear AE has no hidden layer."""
    linear = config.architecture == "linear"
    widths = [math.prod(config.input_shape), *(() if linear else config.hidden_sizes), config.latent_dim]
    act = nn.Identity if linear else ACTIVATIONS[config.activation]
    last = len(widths) - 2
    down = [block(nn.Linear(a, b), nn.Identity if i == last else act) for i, (a, b) in enumerate(pairwise(widths))]
    up = [block(nn.Linear(a, b), OUTPUTS[config.output] if i == last else act)
          for i, (a, b) in enumerate(pairwise(widths[::-1]))]
    return nn.Sequential(nn.Flatten(), *down), nn.Sequential(*up, nn.Unflatten(1, config.input_shape))


def conv_halves(config: AutoencoderConfig) -> tuple[nn.Sequential, nn.Sequential]:
    """Stride-2 convolutions halve H and W; transposed convolutions (output_padding=1) double them back."""
    act = ACTIVATIONS[config.activation]
    channels = (config.input_shape[0], *config.channels)
    grid = (channels[-1], *(s >> len(config.channels) for s in config.input_shape[1:]))  # (C_last, H/2ⁿ, W/2ⁿ)
    down = [block(nn.Conv2d(a, b, 3, stride=2, padding=1), act) for a, b in pairwise(channels)]
    last = len(config.channels) - 1
    up = [block(nn.ConvTranspose2d(b, a, 3, stride=2, padding=1, output_padding=1),
                OUTPUTS[config.output] if i == last else act)
          for i, (b, a) in enumerate(pairwise(channels[::-1]))]
    encoder = nn.Sequential(*down, nn.Flatten(), nn.Linear(math.prod(grid), config.latent_dim))
    decoder = nn.Sequential(block(nn.Linear(config.latent_dim, math.prod(grid)), act), nn.Unflatten(1, grid), *up)
    return encoder, decoder


def contractive_penalty(code: torch.Tensor, inputs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """‖J_f(x)‖²_F averaged over the batch, estimated with one Gaussian probe v per sample.

    E_v ‖vᵀJ‖² = tr(J Jᵀ) = ‖J‖²_F, so one vector-Jacobian product (one extra backward pass)
    gives an unbiased estimate, where the exact norm would need k of them.
    `inputs` must require grad and `code` must have been computed from it.
    """
    probe = torch.randn(code.shape, generator=generator, device=generator.device).to(code)  # (B, k)
    (vjp,) = torch.autograd.grad(code, inputs, grad_outputs=probe, create_graph=True)  # (B, *input_shape)
    return vjp.pow(2).flatten(1).sum(1).mean()


class Autoencoder(nn.Module):
    """x → encoder → h (B, k) → decoder → x̂, with the regularisers of its config in `loss`."""

    live_settings = ("noise", "noise_level", "sparsity_weight", "contractive_weight")  # Trainer.configure

    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        self.config = config
        halves = conv_halves if config.architecture == "conv" else dense_halves
        self.encoder, self.decoder = halves(config)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)  # (B, k)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.decoder(code)  # (B, *input_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def corrupt(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The denoising AE's input x̃: x + σε with ε ~ N(0, I), or x with each pixel zeroed with probability p."""
        if self.config.noise == "none":
            return x
        gaussian = self.config.noise == "gaussian"
        draw = (torch.randn if gaussian else torch.rand)(x.shape, generator=generator, device=generator.device).to(x)
        return x + self.config.noise_level * draw if gaussian else x * (draw >= self.config.noise_level)

    def reconstruction_error(self, x: torch.Tensor) -> torch.Tensor:
        """Mean squared error of each sample's reconstruction from its clean input, shape (B,)."""
        return (self(x) - x).pow(2).flatten(1).mean(1)

    def layer_pairs(self) -> list[tuple[nn.Module, nn.Module]]:
        """(encoder layer i, its mirror decoder layer) for greedy layer-wise pre-training, outermost first."""
        if self.config.architecture == "conv":
            raise ValueError("greedy layer-wise pre-training is for the dense and linear autoencoders")
        return list(zip(self.encoder[1:], reversed(self.decoder[:-1])))

    def loss(
        self, batch: tuple[torch.Tensor, ...], generator: torch.Generator
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """MSE of the clean x's reconstruction from x̃, plus λ‖h‖₁ and λ‖J_f(x̃)‖²_F when their λ > 0."""
        x = batch[0]  # (B, *input_shape)
        noisy = self.corrupt(x, generator).detach().requires_grad_(self.config.contractive_weight > 0)
        code = self.encode(noisy)  # (B, k)
        reconstruction = F.mse_loss(self.decode(code), x)
        total, metrics = reconstruction, {N_("train loss"): reconstruction}
        if self.config.sparsity_weight > 0:
            sparsity = code.abs().sum(1).mean()
            total = total + self.config.sparsity_weight * sparsity
            metrics[N_("sparsity penalty")] = sparsity
        if self.config.contractive_weight > 0:
            contraction = contractive_penalty(code, noisy, generator)
            total = total + self.config.contractive_weight * contraction
            metrics[N_("contractive penalty")] = contraction
        return total, metrics
