r"""What the GAN page measures and draws, beside the model: the lesson's quantities.

- D* = p_r / (p_r + p_g), the best discriminator for a fixed generator;
- mode coverage and the fraction of high-quality samples on the Gaussian mixtures
  (a sample is high-quality within 3 standard deviations of a mode's centre, as in the
  unrolled-GAN and VEEGAN papers);
- the discriminator over the plane, the generator's mapping of the z-plane and the
  gradient that pushes each fake point;
- presets: settings that work, one that collapses, and its fix;
- what one step of the game costs (`step_cost`), checked against playground.budgets first.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from playground import budgets
from playground.data import MODE_STD, BatchSource, Distribution2DBatches, ShuffledBatches, mode_centres, split
from playground.inference import device_of, evaluating
from playground.models.dcgan import DCGAN, DCGANConfig
from playground.models.gan import GAN, PROBABILITY_LOSSES, AdversarialGame, GANConfig, generator_loss
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from playground.user_data import PointBatches
from playground.wording import N_

EXTENT = 3.0  # the plotted plane is [-EXTENT, EXTENT]²
PLANE_POINTS = 300  # real and fake points on the plane each: SVG markers a browser redraws at every refresh
EVALUATION_SAMPLES = 1000  # fakes drawn from a fixed noise batch to count modes
MIN_MODE_SHARE = 0.2  # a mode is covered by ≥ 20 % of its fair share of high-quality samples
LOWER = N_("the widths, the depths, k (D steps per G step) or the batch size")


def optimal_discriminator(p_real: np.ndarray, p_fake: np.ndarray) -> np.ndarray:
    """D*(x) = p_r(x) / (p_r(x) + p_g(x)); ½ where neither density has mass (no evidence either way)."""
    p_real, p_fake = np.asarray(p_real, float), np.asarray(p_fake, float)
    total = p_real + p_fake
    return np.divide(p_real, total, out=np.full_like(total, 0.5), where=total > 0)


def equilibrium_lines(loss: str) -> dict[str, dict[str, float]]:
    """Where each chart's curves settle when p_g = p_r and D = ½ (BCE losses only; none otherwise)."""
    if loss not in PROBABILITY_LOSSES:
        return {"losses": {}, "D outputs": {}}
    generator_value = -math.log(2) if loss == "saturating" else math.log(2)
    return {"losses": {"D: 2·log 2": 2 * math.log(2), f"G: {generator_value:+.2f}": generator_value},
            "D outputs": {"½": 0.5}}


def mode_quality(points: np.ndarray, distribution: str) -> dict[str, float]:
    """Modes covered (a count and a fraction of all) and the high-quality fraction of generated points (N, 2)."""
    centres = mode_centres(distribution)  # (M, 2)
    distances = np.linalg.norm(points[:, None, :] - centres[None], axis=2)  # (N, M)
    nearest, closest = distances.argmin(1), distances.min(1)
    good = closest < 3 * MODE_STD[distribution]
    hits = np.bincount(nearest[good], minlength=len(centres))
    covered = int((hits >= MIN_MODE_SHARE * len(points) / len(centres)).sum())
    return {N_("modes covered"): float(covered), N_("mode coverage"): covered / len(centres),
            N_("high-quality fraction"): float(good.mean())}


def fixed_noise(model: AdversarialGame, n: int, seed: int = 0) -> torch.Tensor:
    """The same z batch (n, noise_dim) at every call: watching it shows how G moves, not the dice."""
    return model.noise(n, torch.Generator().manual_seed(seed))


def evaluator(distribution: str | np.ndarray, seed: int = 0) -> Callable[[GAN], dict[str, float]] | None:
    """For the trainer: mode quality of fakes from one fixed noise batch (None if no modes)."""
    if not isinstance(distribution, str) or distribution not in MODE_STD:
        return None

    def evaluate(model: GAN) -> dict[str, float]:
        fakes = model.generate(fixed_noise(model, EVALUATION_SAMPLES, seed))  # (N, 2)
        return mode_quality(fakes.cpu().numpy(), distribution)

    return evaluate


@torch.no_grad()
def discriminator_grid(model: GAN, resolution: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """D over the plotted plane: ticks (R,) and values (R, R), row i at y = ticks[i]."""
    ticks = torch.linspace(-EXTENT, EXTENT, resolution)
    y, x = torch.meshgrid(ticks, ticks, indexing="ij")  # (R, R) each
    points = torch.stack([x.flatten(), y.flatten()], 1).to(device_of(model))  # (R², 2)
    values = model.discriminate(points).reshape(resolution, resolution)
    return ticks.numpy(), values.cpu().numpy()


@torch.no_grad()
def generator_mapping(model: GAN, lines: int = 9, points: int = 60, z_extent: float = 2.5) -> np.ndarray:
    """A grid of lines in the (z₁, z₂)-plane (other z's 0) pushed through G: (lines', points, 2).

    Where the image lines bunch up G concentrates mass; where they stretch, it spreads it thin.
    With a 1-D z there is a single line.
    """
    noise_dim = model.config.noise_dim
    along = torch.linspace(-z_extent, z_extent, points)
    across = torch.linspace(-z_extent, z_extent, lines) if noise_dim > 1 else torch.zeros(1)
    z = torch.zeros(2 if noise_dim > 1 else 1, len(across), points, noise_dim)  # (direction, line, point, z)
    z[0, :, :, 0] = along
    if noise_dim > 1:
        z[0, :, :, 1] = across[:, None]
        z[1, :, :, 0] = across[:, None]
        z[1, :, :, 1] = along
    z = z.reshape(-1, noise_dim).to(device_of(model))
    return model.generate(z).reshape(-1, points, 2).cpu().numpy()


def generator_gradients(model: GAN, z: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Fake points G(z) (N, 2) and the direction −∂L_G/∂x (N, 2) in which G's update pushes each.

    The arrows follow D's slope: they point where D believes the data is.
    """
    with torch.no_grad():
        fakes = model.generate(z)
    fakes.requires_grad_(True)
    loss = generator_loss(model.config.loss, model.score(fakes)) * len(fakes)  # per point, not averaged away
    (gradient,) = torch.autograd.grad(loss, fakes)
    return fakes.detach().cpu().numpy(), -gradient.cpu().numpy()


@dataclass(frozen=True)
class GANSettings:
    """Everything one 2-D run depends on besides the data: the nets and how they are trained."""

    model: GANConfig = field(default_factory=GANConfig)
    generator_lr: float = 1e-3  # G's learning rate
    discriminator_lr: float = 1e-3  # D's learning rate
    optimizer: str = "adam"  # Adam with β₁ = 0.5, the DCGAN choice; or "sgd", "rmsprop"
    batch_size: int = 256  # real and fake samples per update
    disc_steps_per_gen_step: int = 1  # k: D updates before each G update
    steps: int = 1000  # the budget within which the preset is meant to converge

    def __post_init__(self):
        self.train_config()  # raises ValueError on a bad learning rate, optimiser or batch size

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            batch_size=self.batch_size, optimizer=self.optimizer, adam_betas=(0.5, 0.999),
            player_learning_rates=(("generator", self.generator_lr), ("discriminator", self.discriminator_lr)),
            player_updates=(("discriminator", self.disc_steps_per_gen_step),), eval_every=50,
        )


def step_cost(model: GANConfig, train: TrainConfig) -> budgets.Cost:
    """One step of the game: k D updates (G draws B fakes, D judges B real and B fake points, forward
    and backward), then one G update through D, then the mode evaluation's EVALUATION_SAMPLES fakes."""
    g = budgets.dense([model.noise_dim, *[model.generator_width] * model.generator_depth, 2])
    d = budgets.dense([2, *[model.discriminator_width] * model.discriminator_depth, 1])
    b, k = train.batch_size, train.updates_of("discriminator")
    flops = k * b * (g.flops + 6 * d.flops) + 3 * b * (g.flops + d.flops) + EVALUATION_SAMPLES * g.flops
    return budgets.Cost(g.parameters + d.parameters, 2 * b * (g.activations + d.activations), flops)


def target_batches(distribution: str | np.ndarray, device: torch.device | str = "cpu") -> BatchSource:
    """Batches of the target: fresh samples of a named distribution, or draws from a student's own points."""
    if isinstance(distribution, str):
        return Distribution2DBatches(distribution, device=device)
    return PointBatches(distribution, device=device)


def make_trainer(model: GANConfig, train: TrainConfig, distribution: str | np.ndarray, seed: int = 0,
                 device: torch.device | str = "cpu") -> Trainer:
    """A trainer of a fresh GAN on `distribution` (a name of DISTRIBUTIONS_2D, or points (N, 2) a student drew
    or uploaded), with the mode evaluation where it applies. Too few or bad points raise ValueError;
    OverBudget, before anything is allocated, when a step would cost too much (now or after a change)."""

    def budget(train: TrainConfig, live_settings: dict) -> None:
        budgets.check(step_cost(model, train), LOWER)

    budget(train, {})
    return Trainer(seeded(GAN, model), target_batches(distribution, device), train,
                   evaluate=evaluator(distribution, seed), seed=seed, device=device, budget=budget)


PRESETS = {  # N_: the page shows the names translated
    N_("it works"): GANSettings(),
    N_("mode collapse"): GANSettings(generator_lr=2e-3, discriminator_lr=1e-4),
    N_("fix: k = 5 D steps"): GANSettings(generator_lr=2e-3, discriminator_lr=1e-4, disc_steps_per_gen_step=5),
}


IMAGE_MODELS = {  # MNIST's 28×28 convolutions cost ~12× the 8×8 ones: half the channels keep it live
    "MNIST 28×28": DCGANConfig(image_size=28, width=16),
    "Digits 8×8": DCGANConfig(image_size=8, width=32),
}
IMAGE_TRAINING = TrainConfig(learning_rate=1e-3, batch_size=64, adam_betas=(0.5, 0.999), eval_every=50)


def make_image_trainer(dataset: str, conditional: bool, seed: int = 0, device: torch.device | str = "cpu",
                       start: DCGAN | None = None) -> Trainer:
    """A trainer of a DCGAN (conditional on the digit if asked) on a dataset's training images.

    `start` (e.g. a pretrained model, left untouched) is where training and every reset begin;
    without it, a fresh DCGAN of `IMAGE_MODELS[dataset]`.
    """
    images = split(dataset, seed)
    data = ShuffledBatches(torch.from_numpy(images.x_train), torch.from_numpy(images.y_train), device=device)
    config = replace(IMAGE_MODELS[dataset], num_classes=10 if conditional else 0)
    if start is not None and start.config != config:
        raise ValueError(f"the starting model's config {start.config} is not this page's {config}")
    return Trainer(seeded(DCGAN, config), data, IMAGE_TRAINING, seed=seed, device=device,
                   initial_weights=None if start is None else start.state_dict(),
                   start_name="random" if start is None else N_("pretrained"))


def draw(model: DCGAN, z: torch.Tensor, labels: torch.Tensor | None = None) -> np.ndarray:
    """Images (B, S, S) for noise z (B, noise_dim) in eval mode (batch norm's running statistics)."""
    device = device_of(model)
    with evaluating(model):
        images = model.generate(z.to(device), None if labels is None else labels.to(device))
    return images[:, 0].cpu().numpy()
