"""What the autoencoder page measures: codes, latent maps, PCA angles, anomalies, probes, greedy pre-training.

Each function answers one question of the lesson with plain arrays, so the page only draws:
is the linear AE's plane PCA's plane (principal angle)? which digits does it reconstruct worst
(anomalies)? are its codes better features than pixels when labels are few (logistic regression)?
What one training step costs (`step_cost`) is checked against playground.budgets before a
trainer is built, and greedy pre-training advances a slice at a time.
"""

import math
import time
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise

import numpy as np
import torch
import torch.nn.functional as F
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from playground import budgets
from playground.data import ShuffledBatches, Split
from playground.inference import device_of, evaluating
from playground.models.autoencoder import Autoencoder, AutoencoderConfig
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from playground.wording import N_

LATENT_MAP_METHODS = ("PCA", "t-SNE")
ANGLE = N_("principal angle (°)")  # history name of the linear AE's angle to PCA
LOWER = N_("the hidden sizes, the latent size or the batch size")  # what makes a step cost more


def forward_cost(config: AutoencoderConfig) -> budgets.Cost:
    """One sample through the encoder and the mirrored decoder, from playground.budgets' layer costs."""
    if config.architecture != "conv":
        hidden = () if config.architecture == "linear" else config.hidden_sizes
        widths = [math.prod(config.input_shape), *hidden, config.latent_dim]
        return budgets.dense(widths + widths[-2::-1])
    channels, (height, width) = (config.input_shape[0], *config.channels), config.input_shape[1:]
    cost = budgets.Cost()
    for depth, (wide, narrow) in enumerate(pairwise(channels), start=1):  # each stride-2 layer and its mirror
        inside, outside = (height >> depth) * (width >> depth), (height >> (depth - 1)) * (width >> (depth - 1))
        cost += budgets.convolution(wide, narrow, 3, inside, narrow * inside)
        cost += budgets.convolution(narrow, wide, 3, inside, wide * outside)
    grid = channels[-1] * (height >> len(config.channels)) * (width >> len(config.channels))
    return cost + budgets.dense([grid, config.latent_dim]) + budgets.dense([config.latent_dim, grid])


def step_cost(config: AutoencoderConfig, batch_size: int, evaluated: int = 0) -> budgets.Cost:
    """One training step on `batch_size` samples and an evaluation of `evaluated`; the contractive
    penalty differentiates the encoder twice (create_graph), which doubles what a step keeps and does."""
    cost = forward_cost(config)
    if config.contractive_weight > 0:
        cost = budgets.Cost(cost.parameters, 2 * cost.activations, 2 * cost.flops)
    return budgets.training_step(cost, batch_size, evaluated)


def greedy_cost(config: AutoencoderConfig, batch_size: int, evaluated: int = 0) -> budgets.Cost:
    """Greedy pre-training beside the page's trainer: a second copy of the model with an optimiser and
    the codes of the training set, at most what training it costs, so the two together cost twice a step."""
    cost = step_cost(config, batch_size, evaluated)
    return cost + cost


def make_trainer(
    config: AutoencoderConfig, x_train: np.ndarray, x_test: np.ndarray, train: TrainConfig, seed: int,
    device: torch.device,
) -> Trainer:
    """A trainer over x_train that records the test loss (clean inputs) every `eval_every` steps,
    and for the linear AE also its principal angle to PCA's subspace of x_train.
    OverBudget, before anything is allocated, when a step would cost too much (now or after a change)."""

    def budget(train: TrainConfig, live_settings: dict) -> None:
        budgets.check(step_cost(replace(config, **live_settings), train.batch_size, len(x_test)), LOWER)

    budget(train, {})
    test = torch.from_numpy(x_test).to(device)
    pca_basis = pca_plane(x_train, config.latent_dim)[1] if config.architecture == "linear" else None

    def evaluate(model: Autoencoder) -> dict[str, float]:
        scores = {N_("test loss"): model.reconstruction_error(test).mean().item()}
        if pca_basis is not None:
            scores[ANGLE] = principal_angle(model, pca_basis)
        return scores

    batches = ShuffledBatches(torch.from_numpy(x_train), device=device)
    return Trainer(seeded(Autoencoder, config), batches, train, evaluate=evaluate, seed=seed, device=device,
                   budget=budget)


def _apply(fn: Callable[[Autoencoder, torch.Tensor], torch.Tensor], model: Autoencoder, x: np.ndarray) -> np.ndarray:
    """`fn(model, batch)` over x in evaluation mode, on the model's device, as one numpy array."""
    chunks = np.array_split(x, max(1, len(x) // 1024))
    with evaluating(model):
        out = torch.cat([fn(model, torch.from_numpy(chunk).to(device_of(model))).cpu() for chunk in chunks])
    return out.numpy()


def codes(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    return _apply(Autoencoder.encode, model, x)  # (N, k)


def reconstructions(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    return _apply(Autoencoder.forward, model, x)  # (N, *input_shape)


def reconstruction_errors(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    return _apply(Autoencoder.reconstruction_error, model, x)  # (N,)


def reconstruction_rows(model: Autoencoder, x: np.ndarray, noise_seed: int = 0) -> np.ndarray:
    """Originals, then (denoising AE) their corrupted copies x̃, then the reconstructions: rows of one image grid."""
    if model.config.noise == "none":
        return np.concatenate([x, reconstructions(model, x)])
    noisy = model.corrupt(torch.from_numpy(x), torch.Generator().manual_seed(noise_seed)).numpy()
    return np.concatenate([x, noisy, reconstructions(model, noisy)])


def worst_reconstructed(errors: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` largest errors, worst first: the anomaly detector's candidates."""
    return np.argsort(errors)[::-1][:count]


def latent_map(codes: np.ndarray, method: str = "PCA", seed: int = 0) -> np.ndarray:
    """(N, k) codes drawn in 2-D: as they are for k = 2, PCA or t-SNE for k > 2, (h, jitter) for k = 1.

    t-SNE's cost grows faster than N: pass at most budgets.TSNE_POINTS codes (ValueError otherwise)."""
    if method not in LATENT_MAP_METHODS:
        raise ValueError(f"method must be one of {LATENT_MAP_METHODS}, not {method!r}")
    if codes.shape[1] == 1:
        return np.column_stack([codes[:, 0], np.random.default_rng(seed).uniform(-0.5, 0.5, len(codes))])
    if codes.shape[1] == 2:
        return codes
    if method == "t-SNE":
        if len(codes) > budgets.TSNE_POINTS:
            raise ValueError(f"t-SNE maps at most {budgets.TSNE_POINTS} points per request, not {len(codes)}")
        return TSNE(n_components=2, init="pca", random_state=seed).fit_transform(codes)
    return PCA(n_components=2, random_state=seed).fit_transform(codes)


def latent_plane(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plane of latent space that `latent_map(codes, "PCA")` draws, as z = origin + x·axes[0] + y·axes[1]:
    origin (k,) and axes (2, k). k = 1: x is h itself (the map's y is jitter); k = 2: the codes as they are;
    k > 2: the codes' mean and their top two principal directions."""
    k = codes.shape[1]
    if k <= 2:
        return np.zeros(k, np.float32), np.eye(2, k, dtype=np.float32)
    mean, components = pca_plane(codes, 2)
    return mean.astype(np.float32), components.T.astype(np.float32)


def on_plane(codes: np.ndarray, origin: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """Where codes (N, k) fall on that plane: (N, 2) coordinates (orthogonal projection; y = 0 when k = 1)."""
    return (codes - origin) @ axes.T


def linear_plane(model: Autoencoder) -> tuple[np.ndarray, np.ndarray]:
    """The linear AE's reconstructions {b + W h}: origin b (D,) and the columns of W (D, k)."""
    if model.config.architecture != "linear":
        raise ValueError("only the linear autoencoder reconstructs onto a flat subspace")
    layer = model.decoder[0][0]
    return layer.bias.detach().cpu().numpy(), layer.weight.detach().cpu().numpy()


def pca_plane(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """PCA's best k-dimensional affine subspace: the mean (D,) and the top-k components as columns (D, k)."""
    pca = PCA(n_components=k).fit(points.reshape(len(points), -1))
    return pca.mean_, pca.components_.T


def pca_projection(points: np.ndarray, k: int, held_out: np.ndarray | None = None) -> np.ndarray:
    """Coordinates along the top-k principal components of `points`, shape (N, k): of the points themselves, or
    of `held_out` points when given."""
    mean, components = pca_plane(points, k)
    return ((points if held_out is None else held_out) - mean) @ components


def angular_sectors(points: np.ndarray, count: int = 8) -> np.ndarray:
    """Which of `count` equal pie slices around the origin each 2-D point falls in: colours that follow a map."""
    angle = np.arctan2(points[:, 1], points[:, 0]) + np.pi  # in [0, 2π]
    return np.minimum((angle / (2 * np.pi / count)).astype(np.int64), count - 1)


def principal_angle(model: Autoencoder, pca_basis: np.ndarray) -> float:
    """Largest principal angle (degrees) between the linear AE's plane and PCA's basis (D, k): 0° = same subspace."""
    _, basis = linear_plane(model)
    return float(np.degrees(subspace_angles(basis, pca_basis).max()))


def few_label_accuracy(train: np.ndarray, test: np.ndarray, split: Split, labels: int, seed: int = 0) -> float:
    """Test accuracy of logistic regression fitted on the features of `labels` random training examples.

    `train` and `test` are features of split.x_train and split.x_test (the AE's codes, or raw pixels).
    """
    if not (np.isfinite(train).all() and np.isfinite(test).all()):
        raise ValueError("the features are not finite (NaN or ±inf): the model has diverged; reset it")
    chosen = np.random.default_rng(seed).permutation(len(train))[:labels]
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    probe.fit(train[chosen].reshape(len(chosen), -1), split.y_train[chosen])
    return float(probe.score(test.reshape(len(test), -1), split.y_test))


class LayerPair(nn.Module):
    """One encoder layer and its mirror decoder layer, trained alone as a shallow autoencoder."""

    def __init__(self, encoder_layer: nn.Module, decoder_layer: nn.Module):
        super().__init__()
        self.encoder_layer, self.decoder_layer = encoder_layer, decoder_layer

    def loss(
        self, batch: tuple[torch.Tensor, ...], generator: torch.Generator
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        h = batch[0]  # (B, width of the layer below)
        loss = F.mse_loss(self.decoder_layer(self.encoder_layer(h)), h)
        return loss, {N_("layer loss"): loss}


class GreedyPretraining:
    """Hinton & Salakhutdinov's "one autoencoder at a time", advanced a slice at a time.

    Layer pair i learns to reconstruct h_{i-1} (h_0 = x) through h_i; once trained its codes
    feed pair i + 1. The pairs are the model's own layers, so the stack is then ready to be
    fine-tuned end to end. `advance(seconds)` trains for about that long (at least one step),
    so a page can redraw, show `progress` and pause in between; `losses` holds each finished
    pair's final loss, outermost first.
    """

    def __init__(self, model: Autoencoder, x: np.ndarray, steps_per_layer: int, train: TrainConfig, seed: int = 0):
        self.model, self.steps_per_layer, self.train, self.seed = model, steps_per_layer, train, seed
        self.pairs = model.layer_pairs()
        self.codes = torch.from_numpy(x).to(device_of(model)).flatten(1)  # h_{i-1} of the current pair, (N, width)
        self.losses: list[float] = []
        self.trainer = self._pair_trainer()

    @property
    def progress(self) -> float:
        done = len(self.losses) * self.steps_per_layer + (0 if self.done else self.trainer.step_count)
        return done / (len(self.pairs) * self.steps_per_layer)

    @property
    def done(self) -> bool:
        return len(self.losses) == len(self.pairs)

    def advance(self, seconds: float) -> None:
        """Train for about `seconds` (at least one step), moving on to the next pair when one is done."""
        end = time.perf_counter() + seconds
        while not self.done:
            self.trainer.run_for(end - time.perf_counter(), max_steps=self.steps_per_layer - self.trainer.step_count)
            if self.trainer.step_count < self.steps_per_layer and self.trainer.diverged is None:
                return  # the time is up within this pair
            self.losses.append(self.trainer.history.last("layer loss"))
            with torch.no_grad():
                self.codes = self.trainer.model.encoder_layer(self.codes)
            if not self.done:
                self.trainer = self._pair_trainer()
            if time.perf_counter() >= end:
                return

    def _pair_trainer(self) -> Trainer:
        index = len(self.losses)
        pair, device = LayerPair(*self.pairs[index]), self.codes.device
        return Trainer(lambda _: pair, ShuffledBatches(self.codes, device=device), self.train, seed=self.seed + index,
                       device=device)


def greedy_pretrain(
    model: Autoencoder, x: np.ndarray, steps_per_layer: int, train: TrainConfig, seed: int = 0
) -> list[float]:
    """Greedy pre-training in one call (GreedyPretraining to the end); each pair's final loss, outermost first."""
    job = GreedyPretraining(model, x, steps_per_layer, train, seed)
    while not job.done:
        job.advance(math.inf)
    return job.losses
