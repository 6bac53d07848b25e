r"""What the diffusion page does with a model: sample it (DDPM, DDIM), watch the chain, measure it.

Sampling runs the forward process backwards. At step t the network's ε̂ gives a guess of the
clean data, x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t, and one DDIM step (Song et al. 2021) moves to an
earlier step s < t:

    x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s − σ²) ε̂ + σ z,    σ = η √((1 − ᾱ_s)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_s)

With s = t − 1 and η = 1 this is DDPM's ancestral step (Ho et al. eq. 11 with σ_t² = β̃_t, the
posterior's variance); with η = 0 no noise is added, so the same x_T gives the same sample and
S ≪ T steps still work. The S steps are the DDIM paper's uniform ones, τ_i = (i − 1)·T/S + 1, so
S = T is exactly DDPM; with fewer steps the noise x_T ~ N(0, I) stands in for x_{τ_S}. As in Ho et al.'s code, x̂_0 is clipped to the data's range: near t = T the
guess divides by √ᾱ_T ≈ 0 and would otherwise throw points far off.

Measures: the maximum mean discrepancy (Gretton et al. 2012) between samples and fresh data for
points; for digits, how often a logistic regression trained on real digits agrees with the class asked for.

The data is a name of DATASETS or a student's own points (N, 2), drawn or uploaded: batches are
drawn from them with replacement, and so is the "fresh data" that samples are measured against.
"""

import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn

from playground.data import BatchSource, Distribution2DBatches, ShuffledBatches, sample_2d, split
from playground.inference import device_of, evaluating
from playground.models.diffusion import Diffusion, DiffusionConfig, alpha_bars, noisy
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from playground.user_data import PointBatches, check_points
from playground.wording import N_, _

POINT_DATASETS = (N_("two moons"), N_("ring of 8"), N_("spiral"), N_("swiss roll"))  # English names: shown through _()
DIGITS = N_("Digits 8×8")
DATASETS = (*POINT_DATASETS, DIGITS)
POINT_RANGE = 3.0  # every 2-D distribution lies within [−3, 3]²; digits are scaled to [−1, 1]
POINT_MODEL = DiffusionConfig()  # 71k parameters: 2 → 128, three residual blocks, T = 50, cosine
DIGIT_MODEL = DiffusionConfig(data_dim=64, num_classes=10, hidden=256, depth=2, guidance_scale=1.0)  # 242k
TRAINING = TrainConfig(learning_rate=1e-3, batch_size=128, eval_every=100)
EVALUATION_STEPS = 10  # the evaluation samples with DDIM-10 (η = 0): cheap enough to run while training
EVALUATION_POINTS = 400
EVALUATION_DIGITS = 100  # ten of each class
MMD_BANDWIDTHS = (0.05, 0.1, 0.2, 0.5, 1.0)  # Gaussian kernel widths for 2-D points, from a moon's width to the plane's
DIGIT_BANDWIDTHS = (2.0, 4.0, 8.0)  # the same for 64-pixel vectors in [−1, 1]
REFERENCE_DIGITS = 180  # test digits (split of seed 0) that samples are compared with; the other 180 score as "real"
MAX_SAMPLING_COST = 1e10  # multiply-adds one sampling request may take (under half a second on one core)

Data = str | np.ndarray  # a name of DATASETS, or a student's own points (N, 2) within ±POINT_RANGE


def is_digits(dataset: Data) -> bool:
    """Whether the data is the digits (an array of points never is: `==` on it would compare element-wise)."""
    return isinstance(dataset, str) and dataset == DIGITS


def default_model(dataset: Data) -> DiffusionConfig:
    """The page's starting network for a dataset (and the pretrained model's); a student's points get the 2-D one."""
    if isinstance(dataset, str) and dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {DATASETS}")
    return DIGIT_MODEL if is_digits(dataset) else POINT_MODEL


def clip_range(dataset: Data) -> float:
    """Where x̂_0 is clipped while sampling: the box that holds the data."""
    return 1.0 if is_digits(dataset) else POINT_RANGE


def own_points(points: np.ndarray) -> np.ndarray:
    """A student's points (N, 2), checked: enough of them, and inside the box [−3, 3]² where samples are clipped
    (a point outside it could never be drawn) and where the built-in distributions lie, at their scale."""
    points = check_points(points)
    if np.abs(points).max() > POINT_RANGE:
        raise ValueError(_("Every coordinate must lie between −{limit} and {limit}, where the diffusion model "
                           "draws its samples.").format(limit=f"{POINT_RANGE:g}"))
    return points


# ---- data ------------------------------------------------------------------------------------------

def digit_vectors(images: np.ndarray) -> np.ndarray:
    """Images (N, [1,] 8, 8) in [0, 1] -> vectors (N, 64) in [−1, 1]: the scale the noise is added at."""
    return (2 * images.reshape(len(images), -1) - 1).astype(np.float32)


def digit_images(vectors: torch.Tensor | np.ndarray) -> np.ndarray:
    """Vectors (N, 64) in [−1, 1] -> images (N, 8, 8) in [0, 1] (clipped)."""
    vectors = vectors.cpu().numpy() if isinstance(vectors, torch.Tensor) else np.asarray(vectors)
    return np.clip((vectors.reshape(len(vectors), 8, 8) + 1) / 2, 0, 1)


def training_data(dataset: Data, seed: int, device: torch.device | str = "cpu") -> BatchSource:
    """Fresh 2-D points for every batch (a student's own: drawn from them), or the training digits (as vectors)
    with their labels."""
    default_model(dataset)
    if not isinstance(dataset, str):
        return PointBatches(own_points(dataset), device=device)
    if dataset != DIGITS:
        return Distribution2DBatches(dataset, device=device)
    digits = split(DIGITS, seed)
    return ShuffledBatches(torch.from_numpy(digit_vectors(digits.x_train)), torch.from_numpy(digits.y_train),
                           device=device)


def real_sample(dataset: Data, n: int, seed: int) -> np.ndarray:
    """n fresh points (n, 2) (a student's: n of them drawn with replacement), or up to n test digits as vectors
    (≤ 360, 64): what samples are compared with."""
    if not isinstance(dataset, str):
        return dataset[np.random.default_rng(seed).integers(len(dataset), size=n)]
    if dataset == DIGITS:
        return digit_vectors(split(DIGITS, seed).x_test[:n])
    return sample_2d(dataset, n, np.random.default_rng(seed))[0]


# ---- training --------------------------------------------------------------------------------------

def evaluator(dataset: Data, seed: int):
    """The quality curve while training: MMD of DDIM-10 points, or digit agreement; fixed noise, so no jitter."""
    if is_digits(dataset):
        labels = torch.arange(10).repeat(EVALUATION_DIGITS // 10)

        def evaluate(model: Diffusion) -> dict[str, float]:
            vectors = sample(model, len(labels), torch.Generator().manual_seed(seed), EVALUATION_STEPS, 0.0,
                             labels, clip_range(dataset))
            return {N_("agreement"): agreement(digit_images(vectors), labels.numpy())}
        return evaluate
    reference = real_sample(dataset, EVALUATION_POINTS, seed + 1)

    def evaluate(model: Diffusion) -> dict[str, float]:
        points = sample(model, EVALUATION_POINTS, torch.Generator().manual_seed(seed), EVALUATION_STEPS, 0.0,
                        None, clip_range(dataset))
        return {"MMD": mmd(points.cpu().numpy(), reference)}
    return evaluate


def make_trainer(dataset: Data, config: DiffusionConfig, train: TrainConfig = TRAINING, seed: int = 0,
                 device: torch.device | str = "cpu", start: Diffusion | None = None) -> Trainer:
    """A trainer of the ε-network on `dataset`; `start` (e.g. the pretrained model, left untouched) is its start.
    A student's points that are too few or off the box raise ValueError."""
    if start is not None and start.config != config:
        raise ValueError(f"the starting model's config {start.config} is not this page's {config}")
    return Trainer(seeded(Diffusion, config), training_data(dataset, seed, device), train,
                   evaluate=evaluator(dataset, seed), seed=seed, device=device,
                   initial_weights=None if start is None else start.state_dict(),
                   start_name="random" if start is None else "pretrained")


# ---- sampling --------------------------------------------------------------------------------------

def timesteps(total: int, steps: int) -> torch.Tensor:
    """The S + 1 steps a sampler visits, from τ_S down to τ_1 = 1 and then 0: (S + 1,) integers."""
    if not 1 <= steps <= total:
        raise ValueError(f"a sampler takes between 1 and T = {total} steps, not {steps}")
    return torch.cat([torch.arange(steps - 1, -1, -1) * total // steps + 1, torch.zeros(1, dtype=torch.long)])


def denoise_step(x: torch.Tensor, epsilon: torch.Tensor, alpha_t: float, alpha_s: float, eta: float,
                 noise: torch.Tensor | None, clip: float | None) -> tuple[torch.Tensor, torch.Tensor]:
    """One DDIM step from x_t to x_s (the module's equation): returns x_s and the guess x̂_0, both (N, D)."""
    x0 = (x - (1 - alpha_t) ** 0.5 * epsilon) / alpha_t**0.5
    if clip is not None:
        x0 = x0.clamp(-clip, clip)
        epsilon = (x - alpha_t**0.5 * x0) / (1 - alpha_t) ** 0.5  # the noise that this x̂_0 implies
    sigma = eta * ((1 - alpha_s) / (1 - alpha_t) * (1 - alpha_t / alpha_s)) ** 0.5
    x_s = alpha_s**0.5 * x0 + max(1 - alpha_s - sigma**2, 0.0) ** 0.5 * epsilon
    return (x_s if noise is None or sigma == 0 else x_s + sigma * noise), x0


@dataclass(frozen=True)
class Chain:
    """A reverse run kept whole: the t of each state, the states and the x̂_0 guessed at each step."""

    t: list[int]  # (S + 1,): τ_S (where the noise x_T ~ N(0, I) starts), …, τ_1 = 1, 0 (the sample)
    states: torch.Tensor  # (S + 1, N, D)
    guesses: torch.Tensor  # (S, N, D): x̂_0 guessed on leaving each state


def reverse_chain(model: Diffusion, n: int, generator: torch.Generator, steps: int | None = None, eta: float = 1.0,
                  labels: torch.Tensor | None = None, clip: float | None = None, keep: bool = True,
                  guidance_scale: float | None = None) -> Chain:
    """From x_T ~ N(0, I) to samples in `steps` (None: T, i.e. DDPM) steps; every draw comes from `generator`.

    `labels` (n,) ask a conditional model for classes, guided by `guidance_scale` (None: the
    model's). Without `keep`, only the first and last states are kept (what `sample` needs).
    """
    total = model.config.steps
    device, taus, alpha = device_of(model), timesteps(total, steps or total).tolist(), model.alpha_bar().tolist()

    def draw() -> torch.Tensor:
        return torch.randn(n, model.config.data_dim, generator=generator, device=generator.device).to(device)

    x, labels = draw(), None if labels is None else labels.to(device)
    states, guesses = [x], []
    with evaluating(model):
        for t, s in zip(taus[:-1], taus[1:]):
            epsilon = model.guided_epsilon(x, torch.full((n,), t, device=device), labels, guidance_scale)
            x, x0 = denoise_step(x, epsilon, alpha[t], alpha[s], eta, draw() if eta > 0 and s > 0 else None, clip)
            if keep:
                states.append(x)
                guesses.append(x0)
    states = states if keep else [states[0], x]
    return Chain(taus if keep else [taus[0], 0], torch.stack(states),
                 torch.stack(guesses) if guesses else torch.empty(0))


def sample(model: Diffusion, n: int, generator: torch.Generator, steps: int | None = None, eta: float = 1.0,
           labels: torch.Tensor | None = None, clip: float | None = None,
           guidance_scale: float | None = None) -> torch.Tensor:
    """n samples (n, D) on the model's device: DDPM when steps is None (or T) and η = 1, DDIM otherwise."""
    return reverse_chain(model, n, generator, steps, eta, labels, clip, False, guidance_scale).states[-1]


def sampling_cost(config: DiffusionConfig, n: int, steps: int) -> float:
    """Multiply-adds of a request: parameters × samples × network calls (twice per step when guided)."""
    with torch.device("meta"):
        parameters = sum(p.numel() for p in Diffusion(config).parameters())
    guided = config.num_classes > 0 and config.guidance_scale > 0
    return parameters * n * steps * (2 if guided else 1)


def max_samples(config: DiffusionConfig, steps: int, limit: int) -> int:
    """The most samples (≤ limit) that `steps` sampler steps may draw within MAX_SAMPLING_COST."""
    return int(max(1, min(limit, MAX_SAMPLING_COST // sampling_cost(config, 1, steps))))


# ---- what the network learned -----------------------------------------------------------------------

@torch.no_grad()
def epsilon_field(model: Diffusion, t: int, resolution: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Grid points (R², 2) over [−3, 3]² and ε̂(x, t) at each; the score there is −ε̂ / √(1 − ᾱ_t)."""
    ticks = torch.linspace(-POINT_RANGE, POINT_RANGE, resolution)
    y, x = torch.meshgrid(ticks, ticks, indexing="ij")
    points = torch.stack([x.flatten(), y.flatten()], 1)  # (R², 2)
    device = device_of(model)
    with evaluating(model):
        epsilon = model(points.to(device), torch.full((len(points),), t, device=device))
    return points.numpy(), epsilon.cpu().numpy()


# ---- the forward process ------------------------------------------------------------------------------

def forward_sample(x0: np.ndarray, t: int, schedule: str, total: int, seed: int) -> np.ndarray:
    """x_t ~ q(x_t | x_0) for each row of x0 (N, D), the noise drawn from `seed`."""
    x0_tensor = torch.from_numpy(np.asarray(x0, dtype=np.float32))
    noise = torch.randn(x0_tensor.shape, generator=torch.Generator().manual_seed(seed))
    steps = torch.full((len(x0_tensor),), t)
    return noisy(x0_tensor, steps, noise, alpha_bars(schedule, total)).numpy()


def signal_to_noise(alpha_bar: torch.Tensor) -> np.ndarray:
    """SNR(t) = ᾱ_t / (1 − ᾱ_t) for t = 1..T: how much of x_t is still data."""
    alpha_bar = alpha_bar[1:].numpy()
    return alpha_bar / (1 - alpha_bar)


def prior_gap(x0: np.ndarray, schedule: str, total: int) -> dict[str, float]:
    """How far q(x_T), where every sampler starts, is from N(0, I), in closed form from the data's moments.

    The share √ᾱ_T of x_0 left in x_T, and the largest gaps in mean and covariance:
    E[x_T] = √ᾱ_T E[x_0] and Cov[x_T] = ᾱ_T Cov[x_0] + (1 − ᾱ_T) I.
    """
    alpha = float(alpha_bars(schedule, total)[-1])
    mean = alpha**0.5 * x0.mean(0)
    covariance = alpha * np.atleast_2d(np.cov(x0, rowvar=False)) + (1 - alpha) * np.eye(x0.shape[1])
    return {"sqrt_alpha_bar_T": alpha**0.5, "mean": float(np.abs(mean).max()),
            "covariance": float(np.abs(covariance - np.eye(len(mean))).max())}


# ---- measures --------------------------------------------------------------------------------------

def mmd(x: np.ndarray, y: np.ndarray, bandwidths: tuple[float, ...] = MMD_BANDWIDTHS) -> float:
    """Maximum mean discrepancy between samples x (N, D) and y (M, D): 0 for identical samples.

    MMD² = E k(x, x') + E k(y, y') − 2 E k(x, y), with k the mean of Gaussian kernels of the given
    widths; the biased (V-statistic) estimate, never negative, so its square root is defined.
    Two fresh samples of one distribution still differ by a floor that shrinks like 1/√N.
    """
    x, y = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)

    def kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        distances = torch.cdist(a, b).pow(2)  # (N, M)
        return sum(torch.exp(-distances / (2 * width**2)).mean() for width in bandwidths) / len(bandwidths)

    return float((kernel(x, x) + kernel(y, y) - 2 * kernel(x, y)).clamp(min=0).sqrt())


@lru_cache(maxsize=1)
def digit_classifier() -> LogisticRegression:
    """A logistic regression on the real training digits (split of seed 0; ~97 % test accuracy), trained once."""
    digits = split(DIGITS, 0)
    return LogisticRegression(max_iter=2000).fit(digits.x_train.reshape(len(digits.x_train), -1), digits.y_train)


def agreement(images: np.ndarray, requested: np.ndarray) -> float:
    """The share of images (N, 8, 8) in [0, 1] that the classifier reads as the class asked for."""
    return float((digit_classifier().predict(images.reshape(len(images), -1)) == requested).mean())


def real_digits() -> np.ndarray:
    """Test digits that are not the MMD's reference, (180, 8, 8): the score real data gets on the same yardstick."""
    return split(DIGITS, 0).x_test[REFERENCE_DIGITS:, 0]


def digit_scores(images: np.ndarray, requested: np.ndarray | None = None) -> dict[str, float]:
    """One yardstick for any generator of digits (N, 8, 8): agreement (if classes were asked for),
    the classifier's confidence, and the MMD to real test digits (pixels in [−1, 1])."""
    probabilities = digit_classifier().predict_proba(images.reshape(len(images), -1))
    reference = real_sample(DIGITS, REFERENCE_DIGITS, 0)
    scores = {"confidence": float(probabilities.max(1).mean()),
              "MMD to real digits": mmd(digit_vectors(images), reference, DIGIT_BANDWIDTHS)}
    if requested is not None:
        scores["agreement"] = agreement(images, requested)
    return scores



def quality(dataset: Data, samples: torch.Tensor, labels: torch.Tensor | None, seed: int) -> float:
    """MMD to fresh points, or agreement with the classes asked for: the sampler curve's measure."""
    if is_digits(dataset):
        return agreement(digit_images(samples), labels.numpy())
    return mmd(samples.cpu().numpy(), real_sample(dataset, len(samples), seed + 1))


def sampler_curve(model: Diffusion, dataset: Data, step_counts: list[int], eta: float, n: int,
                  seed: int) -> dict[str, list[float]]:
    """For each number of steps S: the quality of n samples and the seconds they took (same x_T each time)."""
    labels = torch.arange(n) % 10 if is_digits(dataset) else None
    curve: dict[str, list[float]] = {"steps": [], "quality": [], "seconds": []}
    for steps in step_counts:
        start = time.perf_counter()
        samples = sample(model, n, torch.Generator().manual_seed(seed), steps, eta, labels, clip_range(dataset))
        seconds = time.perf_counter() - start
        curve["steps"].append(steps)
        curve["quality"].append(quality(dataset, samples, labels, seed))
        curve["seconds"].append(seconds)
    return curve


def guidance_sweep(model: Diffusion, scales: list[float], per_class: int, seed: int,
                   steps: int) -> dict[str, list[float]]:
    """Agreement and variety of digits drawn at each guidance scale w from the same x_T.

    Variety is the pixels' standard deviation among samples of one class, averaged: guidance
    buys agreement with it, drawing every "7" closer to one prototype.
    """
    labels = torch.arange(10).repeat(per_class)
    sweep: dict[str, list[float]] = {N_("agreement"): [], N_("variety"): []}
    for scale in scales:
        vectors = sample(model, len(labels), torch.Generator().manual_seed(seed), steps, 0.0, labels,
                         clip_range(DIGITS), scale)
        images = digit_images(vectors)
        sweep["agreement"].append(agreement(images, labels.numpy()))
        sweep["variety"].append(float(np.mean([images[labels.numpy() == k].std(0).mean() for k in range(10)])))
    return sweep


def model_digest(model: nn.Module) -> str:
    """A short fingerprint of the weights and the config: the key under which results about this exact model
    are cached. The config counts too: one seed's random weights are the same whatever the schedule or w."""
    digest = hashlib.blake2b(repr(model.config).encode(), digest_size=16)
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()
