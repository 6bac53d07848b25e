r"""Denoising diffusion (Ho et al. 2020, "Denoising Diffusion Probabilistic Models").

The forward process adds a little Gaussian noise at each of T steps, q(x_t|x_{t−1}) =
N(√(1−β_t) x_{t−1}, β_t I), until nothing of the data is left. Its steps compose in closed form:

    q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I),   ᾱ_t = Π_{s≤t} (1 − β_s)
    i.e. x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε,       ε ~ N(0, I)

so training needs no chain: pick t at random, noise x_0 in one go, and teach a network
ε_θ(x_t, t) to say which noise was added (the "simple" loss of Ho et al., eq. 14):

    L = E_{x_0, t, ε} ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖²

Knowing ε is knowing the score: ∇ log q(x_t) ≈ −ε_θ(x_t, t) / √(1 − ᾱ_t), so sampling walks
back from pure noise (playground.diffusion_lessons has DDPM and DDIM). The schedule of β
decides how fast the data drowns: "linear" is Ho et al.'s β from 10⁻⁴ to 0.02 (meant for
T = 1000: with a small T, x_T keeps much of x_0), "cosine" is Nichol & Dhariwal's (2021)
ᾱ_t = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2), which reaches noise for any T.

Classifier-free guidance (Ho & Salimans 2021): the network also reads a label y, replaced
by the "no label" token ∅ in a fraction p of training batches, so one network is both
conditional and unconditional. Sampling then extrapolates away from the unconditional guess:

    ε̃ = (1 + w) ε_θ(x_t, t, y) − w ε_θ(x_t, t, ∅)

w = 0 is the plain conditional model; larger w trades variety for class fidelity.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

SCHEDULES = ("linear", "cosine")
LINEAR_BETAS = (1e-4, 0.02)  # β_1 and β_T of Ho et al.'s linear schedule, whatever T is
COSINE_OFFSET = 0.008  # s of the cosine schedule: keeps β_1 from being vanishingly small
MAX_BETA = 0.999  # the cosine schedule's β is clipped here, so that the last step is not infinite
MAX_STEPS = 1000  # the largest T on offer: a DDPM sample costs T network evaluations


@dataclass(frozen=True)
class DiffusionConfig:
    data_dim: int = 2  # numbers per sample: 2 for points, 64 for a flattened 8×8 digit
    num_classes: int = 0  # 0: unconditional; 10: conditioned on the digit, with ∅ as an eleventh label
    hidden: int = 128  # width of every hidden layer
    depth: int = 3  # residual blocks between the input and output layers
    time_features: int = 32  # sinusoidal features of t (even)
    steps: int = 50  # T, the number of noising steps
    schedule: str = "cosine"  # one of SCHEDULES
    label_dropout: float = 0.1  # p: share of labels replaced by ∅ while training (classifier-free guidance)
    guidance_scale: float = 0.0  # w: 0 samples the plain conditional model, larger w follows the label harder

    def __post_init__(self):
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, not {self.schedule!r}")
        if not 1 <= self.steps <= MAX_STEPS:
            raise ValueError(f"steps (T) must be between 1 and {MAX_STEPS}, not {self.steps}")
        if min(self.data_dim, self.hidden, self.depth) < 1 or self.num_classes < 0:
            raise ValueError("data_dim, hidden and depth must be at least 1, num_classes at least 0")
        if self.time_features < 2 or self.time_features % 2:
            raise ValueError(f"time_features must be an even number ≥ 2, not {self.time_features}")
        if not 0 <= self.label_dropout < 1 or not self.guidance_scale >= 0:
            raise ValueError("label_dropout must be in [0, 1) and guidance_scale non-negative")


def alpha_bars(schedule: str, steps: int) -> torch.Tensor:
    """ᾱ_t for t = 0..T, shape (T + 1,) in float64: ᾱ_0 = 1 (clean data), falling towards 0.

    Computed from the config every time it is needed (microseconds), never stored as a buffer.
    """
    t = torch.arange(steps + 1, dtype=torch.float64)
    if schedule == "linear":
        betas = torch.cat([torch.zeros(1, dtype=torch.float64), torch.linspace(*LINEAR_BETAS, steps, dtype=torch.float64)])
        return torch.cumprod(1 - betas, 0)
    if schedule != "cosine":
        raise ValueError(f"schedule must be one of {SCHEDULES}, not {schedule!r}")
    f = torch.cos((t / steps + COSINE_OFFSET) / (1 + COSINE_OFFSET) * math.pi / 2) ** 2
    betas = (1 - f[1:] / f[:-1]).clamp(max=MAX_BETA)  # (T,): β_t = 1 − ᾱ_t / ᾱ_{t−1}, clipped
    return torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(1 - betas, 0)])


def noisy(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε: a sample of q(x_t | x_0) for each row. x0, noise (B, D); t (B,)."""
    a = alpha_bar.to(x0)[t].unsqueeze(1)  # (B, 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def epsilon_loss(noise: torch.Tensor, predicted: torch.Tensor) -> torch.Tensor:
    """‖ε − ε_θ‖², averaged over samples and coordinates (so 1.0 for a network that always says 0)."""
    return (noise - predicted).pow(2).mean()


def sinusoidal(t: torch.Tensor, features: int) -> torch.Tensor:
    """(B,) step numbers -> (B, features): sines and cosines at periods from 2π to 10⁴·2π (Transformer style)."""
    half = features // 2
    frequencies = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)  # (F/2,)
    angles = t.float().unsqueeze(1) * frequencies  # (B, F/2)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class Diffusion(nn.Module):
    """ε_θ(x_t, t, y): an MLP whose hidden state hears t (and y) at every residual block."""

    live_settings = ("guidance_scale", "label_dropout")  # sampling's w and training's p change mid-run

    def __init__(self, config: DiffusionConfig):
        super().__init__()
        self.config = config
        hidden = config.hidden
        self.input = nn.Linear(config.data_dim, hidden)
        self.time = nn.Sequential(nn.Linear(config.time_features, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.label = nn.Embedding(config.num_classes + 1, hidden) if config.num_classes else None  # last row: ∅
        self.blocks = nn.ModuleList(nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden)) for _ in range(config.depth))
        self.output = nn.Sequential(nn.SiLU(), nn.Linear(hidden, config.data_dim))

    def alpha_bar(self) -> torch.Tensor:
        """ᾱ_0..ᾱ_T of this model's schedule, (T + 1,) float64 on the CPU."""
        return alpha_bars(self.config.schedule, self.config.steps)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """x_t (B, D), t (B,) and labels (B,) (None or the value num_classes: ∅) -> predicted ε (B, D)."""
        condition = self.time(sinusoidal(t, self.config.time_features))  # (B, H)
        if self.label is not None:
            condition = condition + self.label(self.unlabelled(len(x), x.device) if labels is None else labels)
        h = self.input(x)  # (B, H)
        for block in self.blocks:
            h = h + block(h + condition)
        return self.output(h)

    def unlabelled(self, n: int, device: torch.device) -> torch.Tensor:
        """n copies of ∅, the label a conditional model reads as "any class"."""
        return torch.full((n,), self.config.num_classes, dtype=torch.long, device=device)

    def guided_epsilon(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None,
                       guidance_scale: float | None = None) -> torch.Tensor:
        """ε̃ = (1 + w) ε(x, t, y) − w ε(x, t, ∅), both halves in one batch; plain ε when w = 0 or y is None.

        w is `guidance_scale`, or the config's when None (a sweep over w leaves the config alone).
        """
        w = self.config.guidance_scale if guidance_scale is None else guidance_scale
        if labels is None or self.label is None or w == 0:
            return self(x, t, labels if self.label is not None else None)
        both = self(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, self.unlabelled(len(x), x.device)]))
        conditional, unconditional = both.chunk(2)  # (B, D) each
        return (1 + w) * conditional - w * unconditional

    def loss(self, batch: tuple[torch.Tensor, ...], generator: torch.Generator) -> tuple[torch.Tensor, dict]:
        """The ε-loss at t ~ U{1..T}; labels (if any) dropped to ∅ with probability p. Batch: x_0 (B, D)[, y (B,)]."""
        x0 = batch[0]
        draw = dict(generator=generator, device=generator.device)
        t = torch.randint(1, self.config.steps + 1, (len(x0),), **draw).to(x0.device)  # (B,)
        noise = torch.randn(x0.shape, **draw).to(x0)  # (B, D)
        labels = None
        if self.label is not None:
            dropped = (torch.rand(len(x0), **draw) < self.config.label_dropout).to(x0.device)  # (B,)
            labels = torch.where(dropped, self.config.num_classes, batch[1])
        loss = epsilon_loss(noise, self(noisy(x0, t, noise, self.alpha_bar()), t, labels))
        return loss, {"loss": loss}
